import { connect } from 'node:net';
import type WebSocket from 'ws';
import type { NodeServer, NodeServerOptions } from '../../../runtime/node/node-server';
import { issueToken } from '../../../runtime/token';
import { testKeyRing } from '../../helpers/keys';
import { testNodeServer } from '../../helpers/test-node';
import { closed, nextMessage, tryOpen } from '../../helpers/ws-client';

const keys = testKeyRing();
const open: WebSocket[] = [];
let server: NodeServer;
let base: string;

async function start(overrides: Partial<NodeServerOptions> = {}): Promise<void> {
  server = testNodeServer(keys, { audiences: ['node-1', 'wslb'], ...overrides });
  const port = await server.listen('127.0.0.1', 0);
  base = `ws://127.0.0.1:${port}`;
}

const token = async (audience = 'node-1', ttlSeconds = 30, now?: number) =>
  (await issueToken(keys, { subject: 'alice', audience, ttlSeconds, now })).token;

async function openWith(tok: string) {
  const result = await tryOpen(`${base}/?token=${tok}`);
  if (result.ws) open.push(result.ws);
  return result;
}

afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  await server?.close();
});

describe('node upgrade gate', () => {
  beforeEach(() => start());

  it('accepts a valid token in the query and echoes', async () => {
    const { ws } = await openWith(await token());
    ws!.send('hello');
    expect(await nextMessage(ws!)).toBe('hello');
  });

  it('accepts the token as a sub-protocol and selects "wslb"', async () => {
    const result = await tryOpen(base, { protocols: ['wslb', `token.${await token()}`] });
    open.push(result.ws!);
    expect(result.ws!.protocol).toBe('wslb');
  });

  it('a token opens more than one connection within its lifetime, on its audience only (decision 0179)', async () => {
    const tok = await token('node-1', 30);
    expect((await openWith(tok)).ws).toBeDefined();
    expect((await openWith(tok)).ws).toBeDefined();
    expect(server.openConnections).toBe(2);
    // Bounded by its audience and its expiry: another node's token and a lapsed one are refused.
    expect(await tryOpen(`${base}/?token=${await token('node-2')}`)).toEqual({
      status: 403,
      body: 'wrong-audience',
    });
    const lapsed = await token('node-1', 1, Date.now() - 2_000);
    expect(await tryOpen(`${base}/?token=${lapsed}`)).toEqual({ status: 401, body: 'expired' });
  });

  it('accepts the balancer audience', async () => {
    expect((await openWith(await token('wslb'))).ws).toBeDefined();
  });

  it.each([
    ['no token', 401, async () => '', 'missing'],
    ['a malformed token', 401, async () => 'abc.def', 'malformed'],
    ['an expired token', 401, async () => token('node-1', 1, Date.now() - 10_000), 'expired'],
    [
      'a token signed with another key',
      401,
      async () => (await issueToken(testKeyRing(), { subject: 'a', audience: 'node-1' })).token,
      'bad-signature',
    ],
    ['a token for another node', 403, async () => token('node-2'), 'wrong-audience'],
  ])('refuses %s with %i before the upgrade', async (_what, status, make, reason) => {
    const result = await tryOpen(`${base}/?token=${await make()}`);
    expect(result).toEqual({ status, body: reason });
    expect(server.openConnections).toBe(0);
  });

  it('answers 503 when draining, and /healthz says so', async () => {
    const healthy = await fetch(`${base.replace('ws', 'http')}/healthz`);
    expect(healthy.status).toBe(200);
    server.startDrain();
    expect((await openWith(await token())).status).toBe(503);
    const draining = await fetch(`${base.replace('ws', 'http')}/healthz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ state: 'draining' });
  });

  it('serves Prometheus metrics with accepted and rejected counts', async () => {
    await openWith(await token());
    await tryOpen(`${base}/?token=nope`);
    const text = await (await fetch(`${base.replace('ws', 'http')}/metrics`)).text();
    expect(text).toMatch(/^wslb_node_connections 1$/m);
    expect(text).toMatch(/^wslb_node_accepted_total 1$/m);
    expect(text).toMatch(/^wslb_node_rejected_total\{reason="malformed"\} 1$/m);
  });

  it.each([
    ['garbage on the wire', 400, 'GARBAGE \x00\x01\x02 HTTP/9\r\n\r\n'],
    ['headers over 16 KiB', 431, `GET / HTTP/1.1\r\nHost: n\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
  ])('answers %s with %i, closes that socket and keeps serving', async (_what, status, request) => {
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const sock = connect(Number(new URL(base).port), '127.0.0.1', () => sock.end(request));
      sock.on('data', (chunk) => {
        text += String(chunk);
      });
      sock.on('close', () => resolve(text));
      sock.on('error', () => resolve(text));
    });
    expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect((await openWith(await token())).ws).toBeDefined();
  });

  it('closes a client that sends an oversized frame, and only that client', async () => {
    const { ws: big } = await openWith(await token());
    const { ws: small } = await openWith(await token());
    const bigClosed = closed(big!);
    big!.send('x'.repeat(2048));
    expect((await bigClosed).code).toBe(1009);
    small!.send('still here');
    expect(await nextMessage(small!)).toBe('still here');
  });
});

describe('node connection cap', () => {
  beforeEach(() => start({ maxConnections: 5 }));

  it('refuses with 503 at the cap, also under concurrent upgrades, and the count stays at the cap', async () => {
    const tokens = await Promise.all(Array.from({ length: 12 }, () => token()));
    const results = await Promise.all(tokens.map((t) => openWith(t)));
    expect(results.filter((r) => r.ws)).toHaveLength(5);
    expect(results.filter((r) => r.status === 503).map((r) => r.body)).toEqual(Array(7).fill('full'));
    expect(server.openConnections).toBe(5);
  });
});

describe('node liveness', () => {
  beforeEach(() => start({ pingMs: 100 }));

  it('terminates a peer that does not answer pings, and keeps one that does', async () => {
    const silent = await tryOpen(`${base}/?token=${await token()}`, { autoPong: false });
    const { ws: polite } = await openWith(await token());
    open.push(silent.ws!);
    const result = await closed(silent.ws!);
    expect(result.code).toBe(1006);
    for (let i = 0; i < 40 && server.openConnections > 1; i++) await new Promise((r) => setTimeout(r, 25));
    expect(server.openConnections).toBe(1);
    polite!.send('ping?');
    expect(await nextMessage(polite!)).toBe('ping?');
  });
});

describe('node drain', () => {
  beforeEach(() => start());

  it('closes every client with 1012, spread over the window and finished within it', async () => {
    const sockets = await Promise.all(
      Array.from({ length: 20 }, async () => (await openWith(await token())).ws!),
    );
    const codes = Promise.all(sockets.map(closed));
    server.startDrain();
    const started = Date.now();
    await server.closeClients(500);
    expect((await codes).map((c) => c.code)).toEqual(Array(20).fill(1012));
    // Spread over the window less its close-handshake grace (a quarter), and done within the window.
    expect(Date.now() - started).toBeGreaterThanOrEqual(330);
    expect(Date.now() - started).toBeLessThan(800);
    expect(server.openConnections).toBe(0);
  });
});
