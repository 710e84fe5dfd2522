import WebSocket from 'ws';
import type { ChatEvent } from '../../examples/chat/room';
import { type ChatUpstream, startChatUpstream } from '../../examples/chat/upstream';
import { LocalCluster } from '../../runtime/local/local-cluster';
import { until } from '../helpers/until';

jest.setTimeout(120_000);

/** A chat client: logged in through the auth service, every event it received kept in order. */
interface ChatClient {
  ws: WebSocket;
  events: ChatEvent[];
  closed: Promise<number>;
}

async function join(cluster: LocalCluster): Promise<ChatClient> {
  const res = await fetch(`${cluster.authUrl}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(cluster.credentials),
  });
  expect(res.status).toBe(200);
  const { url, token } = (await res.json()) as { url: string; token: string };
  const ws = new WebSocket(url, ['wslb', `token.${token}`]);
  const events: ChatEvent[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as ChatEvent));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, events, closed };
}

const received = (client: ChatClient, type: ChatEvent['type']) =>
  until(() => client.events.some((e) => e.type === type), 20_000).then(() =>
    client.events.find((e) => e.type === type),
  );

describe.each([
  ['in-process (npm start -- --app examples/chat)', 'app'],
  ['as a sidecar (npm start -- --upstream, examples/chat/upstream.ts)', 'upstream'],
] as const)('the chat example %s', (_mode, mode) => {
  let cluster: LocalCluster | undefined;
  let upstream: ChatUpstream | undefined;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    upstream = mode === 'upstream' ? await startChatUpstream() : undefined;
    cluster = await LocalCluster.start({
      strategy: 'direct',
      nodes: 1,
      drainSeconds: 2,
      ...(mode === 'app' ? { app: 'examples/chat' } : { upstreamUrl: upstream!.url }),
    });
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await cluster?.stop();
    await upstream?.close();
  });

  it('welcomes members by their verified name, tells the others, and relays text lines', async () => {
    const name = cluster!.credentials.username;
    const alice = await join(cluster!);
    clients.push(alice);
    expect(await received(alice, 'welcome')).toEqual({ type: 'welcome', you: name, members: [name] });
    const bob = await join(cluster!);
    clients.push(bob);
    expect(await received(bob, 'welcome')).toEqual({ type: 'welcome', you: name, members: [name, name] });
    expect(await received(alice, 'joined')).toEqual({ type: 'joined', who: name });
    bob.ws.send('hello room');
    expect(await received(alice, 'message')).toEqual({ type: 'message', from: name, text: 'hello room' });
    bob.ws.send(Buffer.from([1, 2]));
    expect(await received(bob, 'error')).toMatchObject({ type: 'error' });
    expect(bob.events.some((e) => e.type === 'message')).toBe(false);
  });

  it('tells the room when a member leaves', async () => {
    const [alice] = clients;
    const carol = await join(cluster!);
    clients.push(carol);
    await received(carol, 'welcome');
    carol.ws.close(1000);
    expect(await carol.closed).toBe(1000);
    await until(() => alice!.events.some((e) => e.type === 'left'), 20_000);
  });

  it('closes every member with 1012 when the node drains', async () => {
    const node = cluster!.nodes[0]!;
    if (mode === 'app') {
      const metrics = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
      expect(metrics).toContain('chat_members 2');
    }
    node.drain();
    const open = clients.filter((c) => c.ws.readyState === WebSocket.OPEN);
    expect(open).toHaveLength(2);
    expect(await Promise.all(open.map((c) => c.closed))).toEqual([1012, 1012]);
    // In-process, the app's drain hook speaks before the first close; a sidecar learns of it from the 1012s.
    if (mode === 'app') for (const c of open) expect(c.events).toContainEqual({ type: 'closing' });
    else await until(() => upstream!.room.size === 0, 20_000);
    expect(await node.exited).toBe(0);
  });
});
