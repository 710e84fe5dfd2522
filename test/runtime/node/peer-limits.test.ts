import WebSocket from 'ws';
import { clientFrame, RawWsClient, sendPattern } from '../../../chaos/fuzz/hostile-frames';
import type { NodeServer, NodeServerOptions } from '../../../runtime/node/node-server';
import { messageInProgress, peerLimits } from '../../../runtime/node/peer-limits';
import { issueToken } from '../../../runtime/token';
import { testKeyRing } from '../../helpers/keys';
import { testNodeServer } from '../../helpers/test-node';

const keys = testKeyRing();
let server: NodeServer;
let port: number;
const clients: RawWsClient[] = [];

async function start(overrides: Partial<NodeServerOptions> = {}): Promise<void> {
  server = testNodeServer(keys, overrides);
  port = await server.listen('127.0.0.1', 0);
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
});

const open = async () => {
  const { token } = await issueToken(keys, { subject: 'alice', audience: 'node-1' });
  const client = await RawWsClient.open(port, token);
  clients.push(client);
  return client;
};
const terminated = async (cause: string) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`wslb_node_terminated_total\\{cause="${cause}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

describe('per-connection limits derived from the message limit', () => {
  it('scale with MAX_PAYLOAD_BYTES, with floors for small limits', () => {
    expect(peerLimits(64 * 1024, 25_000)).toEqual({
      maxFragments: 64,
      maxBufferedChunks: 128,
      controlFramesPerInterval: 250,
      sendOverheadBytes: 256,
    });
    expect(peerLimits(1024, 1000)).toMatchObject({
      maxFragments: 16,
      maxBufferedChunks: 64,
      controlFramesPerInterval: 20,
    });
  });
});

describe('a node under hostile frame patterns (issue 17, fault 2)', () => {
  it('closes a client that sends a text frame without FIN then 16,000 one-byte continuations, with 1008', async () => {
    await start({ pingMs: 60_000 });
    const client = await open();
    await sendPattern(client, 'fragments', 16_000, 1024);
    expect(await client.closed).toBe(1008);
    expect(await terminated('WS_ERR_TOO_MANY_BUFFERED_PARTS')).toBe(1);
  });

  it('closes a client whose message stays unfinished for a ping interval, with 1008, and keeps one that finishes', async () => {
    await start({ pingMs: 200 });
    const stuck = await open();
    const finishing = await open();
    await sendPattern(stuck, 'fragments', 5, 1024);
    await finishing.send([
      clientFrame(0x1, false, Buffer.from('a')),
      clientFrame(0x0, true, Buffer.from('b')),
    ]);
    // Bounded by two intervals by design; the wait is generous for a busy machine.
    expect(await Promise.race([stuck.closed, new Promise((r) => setTimeout(() => r('open'), 10_000))])).toBe(
      1008,
    );
    expect(await terminated('message-timeout')).toBe(1);
    expect(finishing.open).toBe(true);
  });

  it('closes a ping flood with 1008 once it passes the budget of a ping interval', async () => {
    await start({ pingMs: 60_000 });
    const client = await open();
    const budget = peerLimits(1024, 60_000).controlFramesPerInterval;
    // Ten at a time: a burst of more than 60 unanswered pings is cut by ws itself (maxPendingAutoPongs), without a code.
    for (let sent = 0; sent < budget + 10 && client.open; sent += 10) {
      await client.send(Array.from({ length: 10 }, () => clientFrame(0x9, true, Buffer.from('p'))));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await client.closed).toBe(1008);
    expect(await terminated('ping-flood')).toBe(1);
  });

  it('closes a client that never reads the echoes of one-byte messages, counting each queued send', async () => {
    // Until the kernel's buffers are full the echoes cost the node nothing, so 512-byte messages (the test
    // node's limit is 1 KiB) fill them first. Behind that backlog, 64 KiB of send buffer holds
    // 256 queued sends at 256 bytes each; the bytes alone would allow 21,000 one-byte echoes.
    await start({ pingMs: 60_000, maxBufferedBytes: 64 * 1024, maxMessagesPerSecond: 1_000_000 });
    const client = await open();
    client.pauseReading();
    const fill = Buffer.concat(
      Array.from({ length: 128 }, () => clientFrame(0x1, true, Buffer.alloc(512, 0x61))),
    );
    const t0 = Date.now();
    while ((await terminated('slow-consumer')) === 0 && Date.now() - t0 < 60_000) {
      if (!(await client.send(fill))) break;
      await sendPattern(client, 'tiny-messages', 2_000, 1024);
    }
    expect(await terminated('slow-consumer')).toBe(1);
  });

  it('echoes a burst of 20,000 one-byte messages to a client that reads: no slow-consumer close', async () => {
    // One socket read can hold thousands of frames; their echoes go straight to the kernel, so nothing queues.
    // Charging each one as a queued send closed such a client (1008 'too slow') after ~4,100 echoes.
    await start({ pingMs: 60_000, maxMessagesPerSecond: 1_000_000 });
    const { token } = await issueToken(keys, { subject: 'alice', audience: 'node-1' });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/?token=${token}`);
    await new Promise((r) => ws.once('open', r));
    let echoed = 0;
    let closed: number | undefined;
    ws.on('message', () => {
      echoed += 1;
    });
    ws.on('close', (code) => {
      closed = code;
    });
    for (let i = 0; i < 20_000; i++) ws.send('m');
    for (let i = 0; i < 300 && echoed < 20_000 && closed === undefined; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect({ echoed, closed, slowConsumers: await terminated('slow-consumer') }).toEqual({
      echoed: 20_000,
      closed: undefined,
      slowConsumers: 0,
    });
    ws.terminate();
  });

  it('slows a client past its message rate without dropping a message', async () => {
    await start({ pingMs: 60_000, maxMessagesPerSecond: 100 });
    const { token } = await issueToken(keys, { subject: 'alice', audience: 'node-1' });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/?token=${token}`);
    await new Promise((r) => ws.once('open', r));
    let echoed = 0;
    ws.on('message', () => {
      echoed += 1;
    });
    const t0 = Date.now();
    for (let i = 0; i < 300; i++) ws.send('m');
    while (echoed < 300) await new Promise((r) => setTimeout(r, 20));
    // The node reads from a client only while it is within its allowance: 301 messages at a burst of 100 and
    // 100 a second cannot all have been read before 2 s, however the reads split them.
    ws.send('after');
    while (echoed < 301) await new Promise((r) => setTimeout(r, 20));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    ws.terminate();
  });
});

describe("reading ws's receiver state (guards a ws upgrade)", () => {
  it('sees fragments and half-received frames as a message in progress, and a finished one as none', async () => {
    await start({ pingMs: 60_000 });
    const accepted = new Promise<WebSocket>((resolve) => {
      const original = (server as unknown as { track: (ws: WebSocket, user: string) => void }).track.bind(
        server,
      );
      (server as unknown as { track: (ws: WebSocket, user: string) => void }).track = (ws, user) => {
        original(ws, user);
        resolve(ws);
      };
    });
    const client = await open();
    const ws = await accepted;
    const settle = () => new Promise((r) => setTimeout(r, 100));
    expect(messageInProgress(ws)).toBe(false);
    await client.send(clientFrame(0x1, false, Buffer.from('a')));
    await settle();
    expect(messageInProgress(ws)).toBe(true);
    await client.send(clientFrame(0x0, true, Buffer.from('b')));
    await settle();
    expect(messageInProgress(ws)).toBe(false);
    await client.send(clientFrame(0x1, true, Buffer.from('hello')).subarray(0, 8));
    await settle();
    expect(messageInProgress(ws)).toBe(true);
  });
});
