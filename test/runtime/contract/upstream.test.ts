import { isLoopbackHost, upstreamUrlProblem } from '../../../runtime/contract/upstream';
import { nodeSettingsFromEnv } from '../../../runtime/node/settings';

describe('upstream URLs', () => {
  it.each([
    'ws://127.0.0.1:9000',
    'ws://127.1.2.3:9000/app',
    'ws://[::1]:9000',
    'ws://localhost:9000',
    'wss://LOCALHOST',
  ])('accepts the loopback %s', (url) => expect(upstreamUrlProblem(url, false)).toBeUndefined());

  it.each([
    ['ws://10.0.0.5:9000', 'the host must be loopback'],
    ['ws://app.internal:9000', 'the host must be loopback'],
    ['ws://127.0.0.1.nip.io:9000', 'the host must be loopback'],
    ['ws://[::ffff:10.0.0.1]:9000', 'the host must be loopback'],
    ['http://127.0.0.1:9000', 'the scheme must be ws or wss'],
    ['ws://user:pw@127.0.0.1:9000', 'no credentials'],
    ['ws://127.0.0.1:9000/#x', 'no fragment'],
    ['127.0.0.1:9000', 'not a URL'],
    ['not a url', 'not a URL'],
  ])('refuses %s: %s', (url, problem) => {
    expect(upstreamUrlProblem(url, false)).toContain(problem);
  });

  it('accepts a remote upstream only when allowed explicitly', () => {
    expect(upstreamUrlProblem('ws://10.0.0.5:9000', true)).toBeUndefined();
    expect(upstreamUrlProblem('http://10.0.0.5:9000', true)).toContain('scheme');
  });

  it('knows the loopback names and ranges', () => {
    expect([isLoopbackHost('127.255.255.254'), isLoopbackHost('[::1]'), isLoopbackHost('128.0.0.1')]).toEqual(
      [true, true, false],
    );
  });

  it('stops the node at start for a remote UPSTREAM_URL, naming the variable', () => {
    const env = { TOKEN_SECRET_FILE: '/x', REGISTRY_TABLE: 'nodes', UPSTREAM_URL: 'ws://10.0.0.5:9000' };
    expect(() => nodeSettingsFromEnv(env)).toThrow(/UPSTREAM_URL.*loopback/);
    expect(nodeSettingsFromEnv({ ...env, UPSTREAM_ALLOW_REMOTE: 'true' }).UPSTREAM_URL).toBe(
      'ws://10.0.0.5:9000',
    );
  });
});
