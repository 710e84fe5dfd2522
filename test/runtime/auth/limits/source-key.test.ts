import { sourceKey } from '../../../../runtime/auth/limits/source-key';

describe('sourceKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
    ['not an address', 'unknown'],
  ])('%s → %s', (address, key) => {
    expect(sourceKey(address)).toBe(key);
  });

  it('puts every address of one /64 under one key', () => {
    expect(sourceKey('2001:db8:aa:bb:1::1')).toBe(sourceKey('2001:db8:aa:bb:ffff:ffff:ffff:ffff'));
  });
});
