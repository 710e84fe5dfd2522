import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WslbClient } from '../../../runtime/client';
import { backoffDelay } from '../../../runtime/client';
import { connect } from '../../../runtime/client/node';
import type { NodeServer } from '../../../runtime/node/node-server';
import { issueToken } from '../../../runtime/token';
import { testKeyRing } from '../../helpers/keys';
import { testNodeServer } from '../../helpers/test-node';

const keys = testKeyRing();
let node: NodeServer;
let nodeUrl: string;
let auth: Server;
let authUrl: string;
let sessions: number;
/** What the stand-in auth service answers next (status codes to play back, then 200s). */
let script: number[];
const clients: WslbClient[] = [];

beforeEach(async () => {
  sessions = 0;
  script = [];
  node = testNodeServer(keys);
  nodeUrl = `ws://127.0.0.1:${await node.listen('127.0.0.1', 0)}`;
  auth = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    sessions += 1;
    const status = script.shift() ?? 200;
    const { password } = JSON.parse(body) as { password: string };
    if (password !== 'right') return void res.writeHead(401).end('{"error":"bad credentials"}');
    if (status !== 200) return void res.writeHead(status, { 'retry-after': '0' }).end('{}');
    const { token, expiresAt } = await issueToken(keys, { subject: 'alice', audience: 'node-1' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ url: nodeUrl, token, expiresAt: new Date(expiresAt).toISOString(), node: 'node-1' }),
    );
  });
  await new Promise<void>((r) => auth.listen(0, '127.0.0.1', r));
  authUrl = `http://127.0.0.1:${(auth.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await node.close();
  auth.closeAllConnections();
  await new Promise((r) => auth.close(r));
});

const start = (password = 'right', tokenIn: 'protocol' | 'query' = 'protocol', deadAfterMs?: number) => {
  const c = connect({
    authUrl,
    credentials: { username: 'alice', password },
    tokenIn,
    backoff: { baseMs: 20, maxMs: 100 },
    deadAfterMs,
  });
  clients.push(c);
  return c;
};
const once = <T>(c: WslbClient, name: 'open' | 'close' | 'error' | 'message') =>
  new Promise<T>((resolve) => c.on(name, (e) => resolve(e as T)));

describe('client', () => {
  it.each(['protocol', 'query'] as const)(
    'logs in, connects with the token in the %s, and exchanges messages',
    async (tokenIn) => {
      const c = start('right', tokenIn);
      await once(c, 'open');
      const reply = once<Buffer>(c, 'message');
      c.send('hi');
      expect((await reply).toString()).toBe('hi');
      expect(c.node).toBe('node-1');
    },
  );

  it('stops on an auth refusal, without retrying', async () => {
    const c = start('wrong');
    const err = await once<Error>(c, 'error');
    expect(err.name).toBe('AuthRefusedError');
    await new Promise((r) => setTimeout(r, 200));
    expect(sessions).toBe(1);
  });

  it('retries while the auth service is unavailable', async () => {
    script = [503, 502];
    const c = start();
    await once(c, 'open');
    expect(sessions).toBe(3);
  });

  it('goes back through the auth service when the node drains', async () => {
    const c = start();
    await once(c, 'open');
    const closed = once<{ code: number; willReconnect: boolean }>(c, 'close');
    const reopened = new Promise((resolve) => c.on('open', resolve));
    await node.closeClients(0);
    expect(await closed).toEqual({ code: 1012, reason: 'draining', willReconnect: true });
    await reopened;
    expect(sessions).toBe(2);
  });

  it('drops a socket whose server falls silent (deadAfterMs) and goes back through the auth service', async () => {
    // The beforeEach node pings once a minute: within 300 ms it shows no sign of life.
    const c = start('right', 'protocol', 300);
    await once(c, 'open');
    const closed = once<{ code: number; willReconnect: boolean }>(c, 'close');
    const reopened = new Promise((resolve) => c.on('open', resolve));
    expect(await closed).toEqual({ code: 1006, reason: '', willReconnect: true });
    await reopened;
    expect(sessions).toBe(2);
  });

  it('keeps a socket whose server pings more often than deadAfterMs', async () => {
    await node.close();
    node = testNodeServer(keys, { pingMs: 100 });
    nodeUrl = `ws://127.0.0.1:${await node.listen('127.0.0.1', 0)}`;
    const c = start('right', 'protocol', 300);
    await once(c, 'open');
    let closes = 0;
    c.on('close', () => {
      closes += 1;
    });
    await new Promise((r) => setTimeout(r, 1_200));
    expect({ closes, sessions, connected: c.connected }).toEqual({ closes: 0, sessions: 1, connected: true });
  });

  it('does not reconnect after a deliberate close', async () => {
    const c = start();
    await once(c, 'open');
    const closed = once<{ willReconnect: boolean }>(c, 'close');
    c.close();
    expect((await closed).willReconnect).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(sessions).toBe(1);
  });
});

describe('full-jitter back-off', () => {
  it('stays within [0, min(max, base * 2^attempt))', () => {
    expect(backoffDelay(0, () => 0.999, { baseMs: 100, maxMs: 10_000 })).toBe(99);
    expect(backoffDelay(3, () => 0.5, { baseMs: 100, maxMs: 10_000 })).toBe(400);
    expect(backoffDelay(20, () => 0.999, { baseMs: 100, maxMs: 10_000 })).toBe(9990);
    expect(backoffDelay(5, () => 0, {})).toBe(0);
  });
});
