import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { IDENTITY_HEADERS } from '../../../runtime/contract/upstream';
import { NodeMetrics } from '../../../runtime/node/metrics';
import type { NodeServer } from '../../../runtime/node/node-server';
import { ReadGate } from '../../../runtime/node/read-gate';
import { UPSTREAM_BACKPRESSURE, UpstreamPipe } from '../../../runtime/node/upstream-pipe';
import { issueToken } from '../../../runtime/token';
import { testKeyRing } from '../../helpers/keys';
import { silentLog } from '../../helpers/silent-log';
import { testNodeServer } from '../../helpers/test-node';
import { until } from '../../helpers/until';
import { closed, nextMessage } from '../../helpers/ws-client';

const keys = testKeyRing();
const sockets: WebSocket[] = [];
let server: NodeServer;
let upstream: WebSocketServer;
let base: string;
/** Each connection the upstream accepted, with the request the node made. */
let accepted: { ws: WebSocket; req: IncomingMessage }[];

async function startUpstream(): Promise<string> {
  accepted = [];
  upstream = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  upstream.on('connection', (ws, req) => accepted.push({ ws, req }));
  await new Promise((resolve) => upstream.once('listening', resolve));
  return `ws://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}

async function startNode(url: string, highWaterBytes = 1 << 20): Promise<void> {
  server = testNodeServer(keys, {
    // Generous: the flood tests block this process's event loop (node and clients share it) for a while.
    upstream: { url, connectTimeoutMs: 15_000, highWaterBytes },
    maxPayloadBytes: 64 * 1024,
    maxMessagesPerSecond: 1_000_000,
  });
  base = `ws://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
}

async function connect(
  path = '/',
  headers: Record<string, string> = {},
  subject = 'alice',
): Promise<WebSocket> {
  const { token } = await issueToken(keys, { subject, audience: 'node-1' });
  const sep = path.includes('?') ? '&' : '?';
  const ws = new WebSocket(`${base}${path}${sep}token=${token}`, ['wslb'], { headers });
  sockets.push(ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

const upstreamSide = async (index = 0) => {
  await until(() => accepted.length > index);
  return accepted[index]!;
};

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.close();
  for (const c of upstream?.clients ?? []) c.terminate();
  await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
});

describe('sidecar mode: the node pipes admitted clients to the upstream', () => {
  it('adds the verified identity, strips x-wslb-* headers the client sent, and forwards path and query without the token', async () => {
    await startNode(`${await startUpstream()}/ws`);
    await connect(
      '/rooms/blue?lang=en',
      {
        'X-Wslb-Subject': 'mallory',
        'x-wslb-node': 'forged',
        'x-wslb-admin': 'true',
        'user-agent': 'pipe-test',
      },
      'bob ü',
    );
    const { req } = await upstreamSide();
    expect(req.url).toBe('/ws/rooms/blue?lang=en');
    expect(req.headers[IDENTITY_HEADERS.subject]).toBe(encodeURIComponent('bob ü'));
    expect(req.headers[IDENTITY_HEADERS.node]).toBe('node-1');
    expect(req.headers[IDENTITY_HEADERS.connection]).toMatch(/^node-1:\d+$/);
    const claims = JSON.parse(
      Buffer.from(String(req.headers[IDENTITY_HEADERS.claims]), 'base64url').toString(),
    );
    expect(claims).toMatchObject({ sub: 'bob ü', aud: 'node-1' });
    expect(req.headers['x-wslb-admin']).toBeUndefined();
    expect(req.headers['user-agent']).toBe('pipe-test');
    expect(req.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(req.headers['sec-websocket-protocol']).toBeUndefined();
  });

  it('carries text and binary messages both ways, in order', async () => {
    await startNode(await startUpstream());
    const ws = await connect();
    const { ws: up } = await upstreamSide();
    up.on('message', (data, isBinary) => up.send(isBinary ? data : `up:${data}`, { binary: isBinary }));
    ws.send('one');
    expect(await nextMessage(ws)).toBe('up:one');
    const bin = new Promise<[Buffer, boolean]>((resolve) =>
      ws.once('message', (data, isBinary) => resolve([data as Buffer, isBinary])),
    );
    ws.send(Buffer.from([9, 8, 7]));
    expect(await bin).toEqual([Buffer.from([9, 8, 7]), true]);
  });

  it('holds messages sent while the upstream connects and delivers them first', async () => {
    await startNode(await startUpstream());
    const received: string[] = [];
    upstream.on('connection', (up) => up.on('message', (d) => received.push(String(d))));
    const ws = await connect();
    for (const m of ['a', 'b', 'c']) ws.send(m);
    await until(() => received.length === 3);
    expect(received).toEqual(['a', 'b', 'c']);
  });

  it('closes the client with 1014 when the upstream cannot be reached', async () => {
    const url = await startUpstream();
    await new Promise((resolve) => upstream.close(resolve));
    await startNode(url);
    const ws = await connect();
    expect(await closed(ws)).toEqual({ code: 1014, reason: 'upstream unavailable' });
    const metrics = await (await fetch(`${base.replace('ws', 'http')}/metrics`)).text();
    expect(metrics).toContain('wslb_node_upstream_failures_total{stage="connect"} 1');
  });

  it('closes the client with 1014 when the upstream refuses the upgrade', async () => {
    await startNode(await startUpstream());
    upstream.options.verifyClient = (_info: unknown, done: (ok: boolean, code?: number) => void) =>
      done(false, 403);
    const ws = await connect();
    expect((await closed(ws)).code).toBe(1014);
  });

  it("passes the upstream's close code to the client, and a broken-off upstream becomes 1011", async () => {
    await startNode(await startUpstream());
    const first = await connect();
    (await upstreamSide(0)).ws.close(4000, 'kicked');
    expect(await closed(first)).toEqual({ code: 4000, reason: 'kicked' });
    const second = await connect();
    (await upstreamSide(1)).ws.terminate();
    expect(await closed(second)).toEqual({ code: 1011, reason: 'upstream lost' });
  });

  it("passes the client's close to the upstream", async () => {
    await startNode(await startUpstream());
    const ws = await connect();
    const { ws: up } = await upstreamSide();
    const upClosed = closed(up);
    ws.close(1000, 'done');
    expect(await upClosed).toEqual({ code: 1000, reason: 'done' });
  });

  it('closes both sides with 1012 on a drain', async () => {
    await startNode(await startUpstream());
    const ws = await connect();
    const { ws: up } = await upstreamSide();
    const [clientEnd, upEnd] = [closed(ws), closed(up)];
    server.startDrain();
    await server.closeClients(1000);
    expect((await clientEnd).code).toBe(1012);
    expect((await upEnd).code).toBe(1012);
  });

  it('loses nothing and keeps the order while the upstream does not read', async () => {
    await startNode(await startUpstream(), 64 * 1024);
    const ws = await connect();
    const { ws: up } = await upstreamSide();
    up.pause();
    const count = 1000;
    for (let i = 0; i < count; i += 1) {
      const message = Buffer.alloc(32 * 1024, 1);
      message.writeUInt32BE(i, 0);
      ws.send(message);
    }
    // 32 MB sent; the node has read at most its high-water mark plus what the loopback buffers hold.
    await new Promise((r) => setTimeout(r, 500));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const seen: number[] = [];
    up.on('message', (data) => seen.push((data as Buffer).readUInt32BE(0)));
    up.resume();
    await until(() => seen.length === count, 30_000);
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('loses nothing, keeps the order and keeps the client while the client does not read', async () => {
    await startNode(await startUpstream(), 64 * 1024);
    const ws = await connect();
    const { ws: up } = await upstreamSide();
    ws.pause();
    const count = 1000;
    for (let i = 0; i < count; i += 1) {
      const message = Buffer.alloc(32 * 1024, 2);
      message.writeUInt32BE(i, 0);
      up.send(message);
    }
    await new Promise((r) => setTimeout(r, 500));
    const seen: number[] = [];
    ws.on('message', (data) => seen.push((data as Buffer).readUInt32BE(0)));
    ws.resume();
    await until(() => seen.length === count, 30_000);
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  describe('backpressure, as the pipe sees it', () => {
    const HIGH_WATER = 64 * 1024;
    const SIZE = 32 * 1024;
    const message = (i: number) => {
      const data = Buffer.alloc(SIZE, 3);
      data.writeUInt32BE(i, 0);
      return data;
    };
    /** An admitted client whose socket is a stand-in: what the pipe sends to it and how it pauses are recorded. */
    function fakeClient() {
      const pauses = { paused: false };
      const delivered: Buffer[] = [];
      const flush: (() => void)[] = [];
      const ws = {
        OPEN: WebSocket.OPEN,
        readyState: WebSocket.OPEN,
        send: (data: Buffer, _options: unknown, done: () => void) => {
          delivered.push(data);
          flush.push(done);
        },
      };
      const gate = new ReadGate({
        pause: () => {
          pauses.paused = true;
        },
        resume: () => {
          pauses.paused = false;
        },
      });
      const client = {
        id: 'node-1:1',
        identity: { subject: 'alice', claims: { sub: 'alice' }, nodeId: 'node-1' },
        ws: ws as unknown as WebSocket,
        gate,
        send: () => true,
        close: () => {},
      };
      return { client, pauses, delivered, flush };
    }
    const request = {
      url: '/',
      headers: {},
      socket: { remoteAddress: '127.0.0.1' },
    } as unknown as IncomingMessage;
    const pipe = () =>
      new UpstreamPipe({ url: upstreamUrl, highWaterBytes: HIGH_WATER }, silentLog, new NodeMetrics(false));
    let upstreamUrl: string;
    beforeEach(async () => {
      upstreamUrl = await startUpstream();
    });

    it('stops reading from the client once the upstream has more than the high-water mark unflushed', async () => {
      const { client, pauses } = fakeClient();
      const session = pipe().attach(client, request);
      const { ws: up } = await upstreamSide();
      up.pause();
      await until(() => !client.gate.holdsFor('upstream-connecting'));
      // The loopback buffers take tens of MB before the pipe's own writes stay unflushed: send until it pauses.
      let sent = 0;
      while (!client.gate.holdsFor(UPSTREAM_BACKPRESSURE) && sent < 4000) {
        session.message(message(sent), true);
        sent += 1;
        if (sent % 32 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      expect(client.gate.holdsFor(UPSTREAM_BACKPRESSURE)).toBe(true);
      expect(pauses.paused).toBe(true);
      const seen: number[] = [];
      up.on('message', (data) => seen.push((data as Buffer).readUInt32BE(0)));
      up.resume();
      await until(() => seen.length === sent, 30_000);
      expect(seen).toEqual(Array.from({ length: sent }, (_, i) => i));
      expect(pauses.paused).toBe(false);
      session.closed(1000, '');
    });

    it('stops reading from the upstream while more than the high-water mark waits to reach the client', async () => {
      const { client, delivered, flush } = fakeClient();
      const session = pipe().attach(client, request);
      const { ws: up } = await upstreamSide();
      const count = 200;
      for (let i = 0; i < count; i += 1) up.send(message(i));
      await until(() => delivered.length > HIGH_WATER / SIZE);
      await new Promise((r) => setTimeout(r, 500));
      // Paused past the mark; what `ws` had parsed from the last read still arrives (a few messages).
      expect(delivered.length).toBeGreaterThan(HIGH_WATER / SIZE);
      expect(delivered.length).toBeLessThan(HIGH_WATER / SIZE + 10);
      await until(() => {
        for (const done of flush.splice(0)) done();
        return delivered.length === count;
      });
      expect(delivered.map((d) => d.readUInt32BE(0))).toEqual(Array.from({ length: count }, (_, i) => i));
      session.closed(1000, '');
    });
  });
});
