import { createServer, type Server, type Socket } from 'node:net';
import { openRawSockets, RawSocketSet } from '../../bench/workers/open-raw-sockets';
import { checkUpgradeResponse, handshakeKey } from '../../bench/workers/raw-websocket';
import type { NodeServer } from '../../runtime/node/node-server';
import { issueToken } from '../../runtime/token';
import { testKeyRing } from '../helpers/keys';
import { testNodeServer } from '../helpers/test-node';
import { until } from '../helpers/until';

const keys = testKeyRing();
let node: NodeServer | undefined;
let port: number;
const sets: RawSocketSet[] = [];
// A loopback network of this file's own, with explicit ports, as the capacity ramp binds its clients.
const source = `127.${100 + Math.floor(Math.random() * 150)}.${1 + Math.floor(Math.random() * 250)}.1`;
let nextPort = 20_000 + Math.floor(Math.random() * 20_000);

const token = async (audience = 'node-1') =>
  (await issueToken(keys, { subject: 'bench', audience, ttlSeconds: 60 })).token;

async function startNode(maxConnections = 100, pingMs = 60_000) {
  node = testNodeServer(keys, { maxConnections, pingMs });
  port = await node.listen('127.0.0.1', 0);
}

async function open(count: number, tok: string, host = '127.0.0.1', to = port) {
  const set = new RawSocketSet();
  sets.push(set);
  const first = nextPort;
  nextPort += count;
  const result = await openRawSockets(set, {
    count,
    concurrency: 4,
    openTimeoutMs: 10_000,
    target: (i) => ({ host, port: to, path: '/', token: tok, localAddress: source, localPort: first + i }),
  });
  return { set, result };
}

afterEach(async () => {
  for (const s of sets.splice(0)) s.closeAll();
  await node?.close();
  node = undefined;
});

describe('the raw bench client against a real node server', () => {
  test('opens upgrades with a valid token from the given source address and port, and holds them', async () => {
    await startNode();
    const { set, result } = await open(20, await token());
    expect(result).toMatchObject({ opened: 20, failed: 0, errors: {} });
    expect(set.sockets.size).toBe(20);
    await until(() => node!.openConnections === 20);
    const addresses = [...set.sockets].map((s) => `${s.localAddress}:${s.localPort}`);
    expect(new Set(addresses).size).toBe(20);
    expect(addresses.every((a) => a.startsWith(`${source}:`))).toBe(true);
  });

  test('answers the node pings: none is cut for a missing pong over several ping rounds', async () => {
    // The node terminates a client that has not answered the previous ping at each tick. A second between
    // ticks leaves a starved test process time to read the pongs; the split-ping test below checks the frame.
    await startNode(100, 1_000);
    const { set } = await open(10, await token());
    await new Promise((r) => setTimeout(r, 3_500));
    expect(node!.openConnections).toBe(10);
    expect(set.sockets.size).toBe(10);
    expect(set.dropped).toBe(0);
  });

  test.each([
    [
      'a token signed with another key',
      async () => (await issueToken(testKeyRing(), { subject: 'x', audience: 'node-1' })).token,
      'http 401',
    ],
    ['a token for another node', () => token('node-2'), 'http 403'],
    ['no token', async () => '', 'http 401'],
  ])('%s is counted as failed with the HTTP status of the refusal', async (_what, make, why) => {
    await startNode();
    const { set, result } = await open(3, await make());
    expect(result).toMatchObject({ opened: 0, failed: 3, errors: { [why]: 3 } });
    expect(set.sockets.size).toBe(0);
    expect(node!.openConnections).toBe(0);
  });

  test('past the node cap the rest get 503', async () => {
    await startNode(5);
    const { result } = await open(8, await token());
    expect(result).toMatchObject({ opened: 5, failed: 3, errors: { 'http 503': 3 } });
  });

  test('a connection the node closes or cuts counts as dropped', async () => {
    await startNode();
    const { set } = await open(6, await token());
    await until(() => node!.openConnections === 6);
    // A close handshake for all six, then the server's end: each is a drop, once.
    await node!.closeClients(200);
    await until(() => set.dropped === 6);
    expect(set.sockets.size).toBe(0);
    const second = await open(4, await token());
    await until(() => node!.openConnections === 4);
    await node!.close();
    node = undefined;
    await until(() => second.set.dropped === 4);
  });

  test('a refused connect is a failure by its error code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { result } = await open(2, await token(), '127.0.0.1', free);
    expect(result).toMatchObject({ opened: 0, failed: 2, errors: { ECONNREFUSED: 2 } });
  });
});

describe('the raw client against a hand-written server', () => {
  let server: Server;
  afterEach(async () => {
    for (const s of sets.splice(0)) s.closeAll();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** A server that answers the upgrade with `respond(key)` and then runs `then` on the socket. */
  async function serve(respond: (accept: string) => string, then: (s: Socket) => void = () => undefined) {
    server = createServer((s) => {
      let head = '';
      s.on('data', function onData(chunk) {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        s.off('data', onData);
        const key = /Sec-WebSocket-Key: (\S+)/.exec(head)![1];
        s.write(respond(handshakeKey(key).accept));
        then(s);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  const ok = (accept: string) =>
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: wslb\r\n\r\n`;

  test('a wrong Sec-WebSocket-Accept or no selected protocol fails the handshake', async () => {
    const wrong = await serve(() => ok('bm90IHRoZSBhY2NlcHQ='));
    expect((await open(1, 't', '127.0.0.1', wrong)).result.errors).toEqual({ 'bad accept': 1 });
    await new Promise<void>((r) => server.close(() => r()));
    const none = await serve((a) => ok(a).replace('Sec-WebSocket-Protocol: wslb\r\n', ''));
    expect((await open(1, 't', '127.0.0.1', none)).result.errors).toEqual({ 'bad protocol': 1 });
  });

  test('a ping split over two reads gets one masked pong with its payload', async () => {
    const pong = new Promise<Buffer>((resolve) => {
      void serve(ok, (s) => {
        const ping = Buffer.from([0x89, 0x04, ...Buffer.from('abcd')]);
        s.write(ping.subarray(0, 3));
        setTimeout(() => s.write(ping.subarray(3)), 50);
        s.once('data', resolve);
      }).then(async (p) => {
        const { result } = await open(1, 't', '127.0.0.1', p);
        expect(result.opened).toBe(1);
      });
    });
    const frame = await pong;
    expect(frame[0]).toBe(0x8a);
    expect(frame[1]).toBe(0x80 | 4);
    const mask = frame.subarray(2, 6);
    const payload = Buffer.from(frame.subarray(6).map((b, i) => b ^ mask[i & 3]));
    expect(payload.toString()).toBe('abcd');
  });

  test('checkUpgradeResponse names what is wrong', () => {
    const { accept } = handshakeKey('dGhlIHNhbXBsZSBub25jZQ==');
    // RFC 6455 1.3's example.
    expect(accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(checkUpgradeResponse(ok(accept).trimEnd(), accept)).toBeUndefined();
    expect(checkUpgradeResponse('HTTP/1.1 503 Service Unavailable', accept)).toBe('http 503');
    expect(checkUpgradeResponse('garbage', accept)).toBe('bad response');
    expect(checkUpgradeResponse(ok(accept).replace('websocket', 'h2c').trimEnd(), accept)).toBe(
      'bad upgrade header',
    );
  });
});
