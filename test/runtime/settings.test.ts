import { authSettingsFromEnv } from '../../runtime/auth/settings';
import { InvalidInputError } from '../../runtime/contract/errors';
import { DEPLOYED_SCRYPT } from '../../runtime/contract/scrypt';
import { nodeSettingsFromEnv } from '../../runtime/node/settings';

describe('node settings from the environment', () => {
  const base = { TOKEN_SECRET_FILE: '/tmp/t.json', REGISTRY_TABLE: 'wslb-nodes' };

  it('fills defaults', () => {
    expect(nodeSettingsFromEnv(base)).toMatchObject({
      HOST: '0.0.0.0',
      PORT: 8080,
      MAX_CONNECTIONS: 10_000,
      PING_SECONDS: 25,
      DRAIN_SECONDS: 30,
      HEARTBEAT_MS: 2000,
      PERMESSAGE_DEFLATE: false,
      ENDPOINT_SOURCE: 'listen',
    });
  });

  it('names every bad variable and the value it got, in one error', () => {
    let error: unknown;
    try {
      nodeSettingsFromEnv({ ...base, PORT: '70000', MAX_CONNECTIONS: 'lots', PERMESSAGE_DEFLATE: 'yes' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const problems = (error as InvalidInputError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^PORT: .*65535.* \(got "70000"\)$/);
    expect(problems[1]).toMatch(/^MAX_CONNECTIONS: .* \(got "lots"\)$/);
    expect(problems[2]).toMatch(/^PERMESSAGE_DEFLATE: .* \(got "yes"\)$/);
  });

  it.each([
    ['NODE_ENDPOINT', 'ws://2001:db8::1:8080'],
    ['NODE_ENDPOINT', 'ws://::1:8080'],
    ['NODE_ENDPOINT', 'wss://fe80::1'],
  ])('refuses an unbracketed IPv6 address in %s (%s), naming the variable', (key, value) => {
    expect(() => nodeSettingsFromEnv({ ...base, [key]: value })).toThrow(
      new RegExp(`^invalid settings:\\n  ${key}: an IPv6 address needs brackets: .*\\(got "${value}"\\)$`),
    );
  });

  it.each(['ws://[2001:db8::1]:8080', 'wss://[::1]', 'ws://203.0.113.7:8080', 'wss://node-1.example.com'])(
    'accepts NODE_ENDPOINT=%s',
    (value) => {
      expect(nodeSettingsFromEnv({ ...base, NODE_ENDPOINT: value }).NODE_ENDPOINT).toBe(value);
    },
  );

  it.each(['http://a:1', 'ws://a:1/path', 'ws://a:1?x=1', 'ws:// a:1', 'a:1'])(
    'refuses NODE_ENDPOINT=%s, naming it',
    (value) => {
      expect(() => nodeSettingsFromEnv({ ...base, NODE_ENDPOINT: value })).toThrow(/NODE_ENDPOINT: /);
    },
  );

  it('takes HOST as an address, not a URL authority', () => {
    expect(nodeSettingsFromEnv({ ...base, HOST: '::' }).HOST).toBe('::');
    expect(() => nodeSettingsFromEnv({ ...base, HOST: '[::1]' })).toThrow(/HOST: an address to listen on/);
  });

  it('requires a token secret source and the registry table', () => {
    expect(() => nodeSettingsFromEnv({})).toThrow(/REGISTRY_TABLE/);
    expect(() => nodeSettingsFromEnv({ REGISTRY_TABLE: 'abc' })).toThrow(
      'TOKEN_SECRET_ARN: set TOKEN_SECRET_ARN or TOKEN_SECRET_FILE',
    );
  });
});

describe('auth settings from the environment', () => {
  const base = { TOKEN_SECRET_FILE: '/t', USERS_FILE: '/u', REGISTRY_TABLE: 'wslb-nodes' };

  it('needs PUBLIC_URL behind a balancer', () => {
    expect(() => authSettingsFromEnv({ ...base, STRATEGY: 'haproxy' })).toThrow(
      'PUBLIC_URL: required when STRATEGY is haproxy',
    );
  });

  it('during a switch: the retiring path, another strategy, with its URL behind a balancer', () => {
    const nlb = { ...base, STRATEGY: 'nlb', PUBLIC_URL: 'wss://ws.example.com' };
    expect(authSettingsFromEnv({ ...nlb, RETIRING_STRATEGY: 'direct' })).toMatchObject({
      STRATEGY: 'nlb',
      RETIRING_STRATEGY: 'direct',
    });
    expect(() => authSettingsFromEnv({ ...nlb, RETIRING_STRATEGY: 'haproxy' })).toThrow(
      'RETIRING_PUBLIC_URL: required when RETIRING_STRATEGY is haproxy',
    );
    expect(() =>
      authSettingsFromEnv({ ...nlb, RETIRING_STRATEGY: 'nlb', RETIRING_PUBLIC_URL: 'ws://a:1' }),
    ).toThrow('RETIRING_STRATEGY: must differ from STRATEGY (nlb)');
    expect(() => authSettingsFromEnv({ ...nlb, RETIRING_PUBLIC_URL: 'ws://a:1' })).toThrow(
      'RETIRING_PUBLIC_URL: only with RETIRING_STRATEGY',
    );
  });

  it('refuses an unbracketed IPv6 PUBLIC_URL, naming it', () => {
    expect(() =>
      authSettingsFromEnv({ ...base, STRATEGY: 'nlb', PUBLIC_URL: 'ws://2001:db8::1:8080' }),
    ).toThrow(/PUBLIC_URL: an IPv6 address needs brackets/);
    expect(() =>
      authSettingsFromEnv({
        ...base,
        STRATEGY: 'nlb',
        PUBLIC_URL: 'wss://ws.example.com',
        RETIRING_STRATEGY: 'haproxy',
        RETIRING_PUBLIC_URL: 'ws://::1:8080',
      }),
    ).toThrow(/RETIRING_PUBLIC_URL: an IPv6 address needs brackets/);
    expect(
      authSettingsFromEnv({ ...base, STRATEGY: 'nlb', PUBLIC_URL: 'ws://[2001:db8::1]:8080' }).PUBLIC_URL,
    ).toBe('ws://[2001:db8::1]:8080');
  });

  it('refuses an unknown strategy, naming it', () => {
    expect(() => authSettingsFromEnv({ ...base, STRATEGY: 'dns' })).toThrow(
      /STRATEGY: .*"direct".*\(got "dns"\)/,
    );
  });

  it('takes the deployed scrypt parameters by default and refuses ones beyond the limits, naming the variable', () => {
    expect(authSettingsFromEnv({ ...base, STRATEGY: 'direct' })).toMatchObject({
      SCRYPT_N: DEPLOYED_SCRYPT.N,
      SCRYPT_R: DEPLOYED_SCRYPT.r,
      SCRYPT_P: DEPLOYED_SCRYPT.p,
    });
    expect(() => authSettingsFromEnv({ ...base, STRATEGY: 'direct', SCRYPT_N: '1000' })).toThrow(
      'SCRYPT_N: N must be a power of two from 2^1 to 2^20 (got 1000)',
    );
    expect(() =>
      authSettingsFromEnv({ ...base, STRATEGY: 'direct', SCRYPT_N: String(2 ** 20), SCRYPT_R: '16' }),
    ).toThrow('SCRYPT_N: N·r needs 2048 MiB per check, above 512 MiB');
    expect(() => authSettingsFromEnv({ ...base, STRATEGY: 'direct', LOGIN_QUEUE: '-1' })).toThrow(
      /LOGIN_QUEUE/,
    );
  });
});
