import fc from 'fast-check';
import { appendPath, authority, buildUrl, hostForUrl, wsUrlProblem } from '../../../runtime/contract/url';

describe('buildUrl', () => {
  it.each([
    ['ws', '::1', 8080, '', 'ws://[::1]:8080'],
    ['ws', '[::1]', 8080, '', 'ws://[::1]:8080'],
    ['wss', '2001:db8::1', 8443, '', 'wss://[2001:db8::1]:8443'],
    ['http', '127.0.0.1', 9000, '/healthz', 'http://127.0.0.1:9000/healthz'],
    ['https', 'auth.example.com', 443, '/session', 'https://auth.example.com/session'],
  ] as const)('%s + %s + %d + %s = %s', (scheme, host, port, path, url) => {
    expect(buildUrl(scheme, host, port, path)).toBe(url);
  });

  it.each([
    ['a/b', 1],
    ['x@y', 1],
    ['', 1],
    ['host', 0],
    ['host', 65_536],
    ['fe80::1%eth0', 1],
  ])('refuses host %j with port %d, naming both', (host, port) => {
    expect(() => buildUrl('ws', host, port)).toThrow(
      new RegExp(`host ${JSON.stringify(host)} and port ${port}`),
    );
  });

  it('gives a URL that parses back to the same host and port for any IPv4 or IPv6 address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 1, max: 65_535 }), (ip, port) => {
        const url = new URL(buildUrl('ws', ip, port));
        expect(url.hostname.replace(/^\[|\]$/g, '')).toBe(
          new URL(`ws://${hostForUrl(ip)}`).hostname.replace(/^\[|\]$/g, ''),
        );
        expect(url.port).toBe(port === 80 ? '' : String(port));
        expect(wsUrlProblem(url.toString())).toBeUndefined();
      }),
    );
  });
});

describe('authority (CDK strings)', () => {
  it('brackets IPv6 and leaves names, IPv4 and unresolved tokens as they are', () => {
    expect(authority('2001:db8::1', 8080)).toBe('[2001:db8::1]:8080');
    expect(authority('ws.example.com', 8080)).toBe('ws.example.com:8080');
    const token = `$${'{'}Token[TOKEN.123]}`; // what an unresolved CDK string looks like
    expect(authority(token, 8080)).toBe(`${token}:8080`);
  });
});

describe('wsUrlProblem', () => {
  it.each(['ws://2001:db8::1:8080', 'ws://::1:1234', 'wss://u@::1'])('names missing brackets in %s', (v) => {
    expect(wsUrlProblem(v)).toMatch(/^an IPv6 address needs brackets/);
  });
  it.each(['ws://[::1]:1234', 'wss://example.com', 'ws://10.0.0.1:8080/'])('accepts %s', (v) => {
    expect(wsUrlProblem(v)).toBeUndefined();
  });
  it.each([
    ['http://a:1', /scheme/],
    ['ws://a:1/x', /no path/],
    ['ws://u:p@a:1', /no user/],
    ['nonsense', /not a URL/],
  ])('refuses %s', (v, why) => {
    expect(wsUrlProblem(v)).toMatch(why);
  });
});

describe('appendPath', () => {
  it.each([
    ['https://example.com/api/auth', 'https://example.com/api/auth/session'],
    ['https://example.com/api/auth/', 'https://example.com/api/auth/session'],
    ['https://example.com', 'https://example.com/session'],
    ['http://[::1]:9000', 'http://[::1]:9000/session'],
  ])('%s + session = %s', (base, url) => {
    expect(appendPath(base, 'session')).toBe(url);
  });
});
