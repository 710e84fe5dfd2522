import { cidrContains, planSide } from '../../lib/haproxy/address-plan';
import { maxSecondaryIps, maxSourceIps } from '../../lib/source-ips';

describe('maxSecondaryIps', () => {
  test('ENI limits: listed types, else the largest ENI', () => {
    expect(maxSecondaryIps('c7g.large')).toBe(9);
    expect(maxSecondaryIps('t4g.small')).toBe(3);
    expect(maxSecondaryIps('c7gn.16xlarge')).toBe(49);
  });

  test("a pair instance's ENI holds its pair address besides the source IPs: one fewer than the secondaries", () => {
    // c7g.large: 10 IPv4 addresses per ENI = the primary + the pair address + 8 source IPs.
    expect(maxSourceIps('c7g.large')).toBe(8);
    expect(maxSourceIps('t4g.small')).toBe(2);
    expect(maxSourceIps('t4g.micro')).toBe(0);
    expect(maxSourceIps('c7gn.16xlarge')).toBe(48);
  });
});

describe('planSide', () => {
  test("the subnet's upper half is reserved; the pair address then the source IPs from its start", () => {
    expect(planSide('10.40.2.0/25', 3)).toEqual({
      reservation: '10.40.2.64/26',
      pairAddress: '10.40.2.64',
      sources: ['10.40.2.65', '10.40.2.66', '10.40.2.67'],
    });
    const side = planSide('10.40.2.128/25', 49);
    expect(side.reservation).toBe('10.40.2.192/26');
    for (const ip of [side.pairAddress, ...side.sources])
      expect(cidrContains(side.reservation, ip)).toBe(true);
    // The subnet's last address is AWS's: never planned.
    expect(side.sources.at(-1)).toBe('10.40.2.241');
  });

  test('crosses octet boundaries and refuses a subnet too small or a CIDR that is not concrete', () => {
    expect(planSide('10.0.0.0/16', 300).sources.at(-1)).toBe('10.0.129.44');
    expect(planSide('10.40.2.0/25', 62).sources.at(-1)).toBe('10.40.2.126');
    expect(() => planSide('10.40.2.0/25', 63)).toThrow(
      '10.40.2.0/25: the upper half holds 63 assignable addresses, the side needs 64 (its pair address and the source IPs); use a larger subnet',
    );
    expect(() => planSide('10.40.2.0/29', 1)).toThrow('use a larger subnet');
    expect(() => planSide('Token[TOKEN.1]', 1)).toThrow(
      'a concrete IPv4 CIDR a.b.c.d/len is needed, got Token[TOKEN.1]',
    );
  });
});
