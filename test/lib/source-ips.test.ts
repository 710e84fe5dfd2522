import { planPairAddresses } from '../../lib/haproxy/address-plan';
import { maxSecondaryIps } from '../../lib/source-ips';

describe('maxSecondaryIps', () => {
  test('ENI limits: listed types, else the largest ENI', () => {
    expect(maxSecondaryIps('c7g.large')).toBe(9);
    expect(maxSecondaryIps('t4g.small')).toBe(3);
    expect(maxSecondaryIps('c7gn.16xlarge')).toBe(49);
  });
});

describe('planPairAddresses', () => {
  test('primaries, VIP and sources are distinct addresses after the four AWS reserves', () => {
    const plan = planPairAddresses('10.40.2.0/25', 3);
    expect(plan).toEqual({
      primary: ['10.40.2.4', '10.40.2.5'],
      vip: '10.40.2.6',
      sources: [
        ['10.40.2.7', '10.40.2.8', '10.40.2.9'],
        ['10.40.2.10', '10.40.2.11', '10.40.2.12'],
      ],
    });
    const all = [...plan.primary, plan.vip, ...plan.sources[0], ...plan.sources[1]];
    expect(new Set(all).size).toBe(all.length);
  });

  test('crosses octet boundaries and refuses a subnet too small', () => {
    expect(planPairAddresses('10.0.0.0/16', 300).sources[1].at(-1)).toBe('10.0.2.94');
    expect(planPairAddresses('10.40.2.0/25', 60).sources[1].at(-1)).toBe('10.40.2.126');
    expect(() => planPairAddresses('10.40.2.0/25', 61)).toThrow(
      'planPairAddresses: 10.40.2.0/25 has 123 usable addresses, the pair needs 125',
    );
    expect(() => planPairAddresses('Token[TOKEN.1]', 1)).toThrow('subnet CIDR must be concrete');
  });
});
