import { spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ClientSetupError, SocketBlockedError, type WebSocketFactory } from '../../../runtime/client';
import { connect as connectCore } from '../../../runtime/client/client';
import { wsFactory } from '../../../runtime/client/node';
import { ClientRig, once, record, sleep, within } from './helpers/rig';

/** Every failure to open becomes an event (`reconnecting` while retrying, `error` when stopping), never a throw. */
const rig = new ClientRig();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
beforeEach(async () => {
  unhandled.length = 0;
  await rig.setUp();
});
afterEach(async () => {
  await rig.tearDown();
  expect(unhandled).toEqual([]);
});

describe('a URL the client cannot construct', () => {
  it.each(['not a url', 'ftp://auth.example.com', 'http://', 'https://auth.example.com/?q=1'])(
    'authUrl %j: an error event (ClientSetupError naming it), no request',
    async (authUrl) => {
      const c = rig.start({ authUrl });
      const err = await within(once(c, 'error'), 5_000, 'error');
      expect(err).toBeInstanceOf(ClientSetupError);
      expect(err.message).toContain(JSON.stringify(authUrl));
      expect(rig.auth.sessions).toBe(0);
    },
  );

  it('a node URL without IPv6 brackets (ws://::1:PORT) from auth: retried through auth, then opens', async () => {
    const port = new URL(rig.auth.nodeUrl).port;
    rig.auth.script = [{ status: 200, url: `ws://::1:${port}` }];
    const c = rig.start();
    const retry = once(c, 'reconnecting');
    await within(once(c, 'open'), 5_000, 'open');
    expect((await retry).cause).toMatch(/auth handed out "ws:\/\/::1:\d+": an IPv6 address needs brackets/);
  });

  it.each([
    ['not JSON', 'hello'],
    ['no token', '{"url":"ws://127.0.0.1:1"}'],
    ['a url that is not ws', '{"url":"http://127.0.0.1:1","token":"t"}'],
  ])('an auth 200 with %s: retried', async (_what, body) => {
    rig.auth.script = [{ status: 200, body }];
    const c = rig.start();
    const retry = once(c, 'reconnecting');
    await within(once(c, 'open'), 5_000, 'open');
    expect((await retry).cause).toMatch(/^auth (answered|handed out)/);
  });
});

describe('a WebSocket that cannot be made', () => {
  it('a throwing constructor: a reconnecting event carrying the error, then a retry through auth', async () => {
    let calls = 0;
    const real = wsFactory();
    const flaky: WebSocketFactory = (url, protocols) => {
      calls += 1;
      if (calls === 1) throw new TypeError('Invalid URL');
      return real(url, protocols);
    };
    const c = rig.start({ webSocket: flaky });
    const retry = once(c, 'reconnecting');
    await within(once(c, 'open'), 5_000, 'open');
    const { cause, error } = await retry;
    expect(cause).toMatch(/^cannot open ws:\/\/127\.0\.0\.1:\d+\/?: Invalid URL$/);
    expect((error!.cause as Error).name).toBe('TypeError');
    expect(rig.auth.sessions).toBe(2);
  });

  it("a browser's SecurityError (mixed content): an error event, and the client stops", async () => {
    const blocked: WebSocketFactory = () => {
      throw new DOMException(
        'An insecure WebSocket connection may not be initiated from a page loaded over HTTPS.',
        'SecurityError',
      );
    };
    const c = rig.start({ webSocket: blocked });
    const err = await within(once(c, 'error'), 5_000, 'error');
    expect(err).toBeInstanceOf(SocketBlockedError);
    expect((err.cause as DOMException).name).toBe('SecurityError');
    await sleep(200);
    expect(rig.auth.sessions).toBe(1);
  });

  it('no global WebSocket and no webSocket option: an error event, not a throw', async () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      const c = connectCore({ authUrl: rig.auth.url, credentials: { username: 'alice', password: 'right' } });
      const err = await within(once(c, 'error'), 5_000, 'error');
      expect(err).toBeInstanceOf(ClientSetupError);
      expect(err.message).toMatch(/no WebSocket/);
      c.close();
    } finally {
      if (saved) global.WebSocket = saved;
    }
  });
});

describe('a login or an open that never finishes', () => {
  it('a rejected fetch: a reconnecting event, then a retry', async () => {
    let calls = 0;
    const flaky: typeof fetch = (input, init) => {
      calls += 1;
      return calls === 1 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init);
    };
    const c = rig.start({ fetch: flaky });
    const retry = once(c, 'reconnecting');
    await within(once(c, 'open'), 5_000, 'open');
    expect((await retry).cause).toBe('auth service unreachable: fetch failed');
  });

  let silent: Server;
  // What it accepted: close() only stops the listening, and a socket left open here kept the jest worker alive
  // after the last test ('A worker process has failed to exit gracefully and has been force exited').
  const accepted = new Set<Socket>();
  const silentPort = async () => {
    silent = createServer((socket) => {
      // accepts and never answers
      accepted.add(socket);
      socket.on('close', () => accepted.delete(socket));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    return (silent.address() as { port: number }).port;
  };
  afterEach(() => {
    for (const socket of accepted) socket.destroy();
    silent?.close();
  });

  it('an auth service that never answers: given up after authTimeoutMs and retried', async () => {
    const port = await silentPort();
    const c = rig.start({ authUrl: `http://127.0.0.1:${port}`, authTimeoutMs: 300 });
    const retries = record(c, 'reconnecting');
    await within(once(c, 'reconnecting'), 5_000, 'reconnecting');
    c.close();
    expect(retries[0].cause).toBe('auth service unreachable: no answer within 300 ms');
  });

  it('a node that never answers the upgrade: given up after openTimeoutMs and retried through auth', async () => {
    const port = await silentPort();
    rig.auth.script = [{ status: 200, url: `ws://127.0.0.1:${port}` }];
    // Long enough for the real node's upgrade on a busy machine, short for the test.
    const c = rig.start({ openTimeoutMs: 2_000 });
    const retry = once(c, 'reconnecting');
    await within(once(c, 'open'), 15_000, 'open');
    expect((await retry).cause).toMatch(/^connect failed/);
    expect(rig.auth.sessions).toBeGreaterThanOrEqual(2);
  });
});

describe('in plain Node (no test runner to catch what escapes)', () => {
  it('every failure to open is an event and the process lives on', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/plain-node.ts')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      expect.stringMatching(
        /^0 reconnecting: auth handed out "ws:\/\/::1:9": an IPv6 address needs brackets/,
      ),
      '1 error: ClientSetupError',
      '2 reconnecting: auth service unreachable: fetch failed',
      '3 reconnecting: cannot open ws://127.0.0.1:9: constructor refused',
    ]);
  });
});
