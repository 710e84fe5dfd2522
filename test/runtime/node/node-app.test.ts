import { Counter } from 'prom-client';
import WebSocket from 'ws';
import { type ConnectionIdentity, defineNodeApp, type NodeAppFactory } from '../../../runtime/node/app';
import type { NodeServer } from '../../../runtime/node/node-server';
import { issueToken } from '../../../runtime/token';
import { testKeyRing } from '../../helpers/keys';
import { testNodeServer } from '../../helpers/test-node';
import { until } from '../../helpers/until';
import { closed, nextMessage } from '../../helpers/ws-client';

const keys = testKeyRing();
const sockets: WebSocket[] = [];
let server: NodeServer;
let base: string;

async function start(app?: NodeAppFactory): Promise<void> {
  server = testNodeServer(keys, { app });
  base = `ws://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
}

/** Open a socket whose first message the test can still await (an app may send in `open`, in the 101's tick). */
async function connect(subject = 'alice'): Promise<WebSocket> {
  const { token } = await issueToken(keys, { subject, audience: 'node-1' });
  const ws = new WebSocket(`${base}/?token=${token}`);
  sockets.push(ws);
  const first = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
  firstMessage.set(ws, first);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}
const firstMessage = new WeakMap<WebSocket, Promise<string>>();

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.close();
});

describe('in-process node app', () => {
  it('echoes by default, text as text and binary as binary', async () => {
    await start();
    const ws = await connect();
    ws.send('hello');
    expect(await nextMessage(ws)).toBe('hello');
    const binary = new Promise<[Buffer, boolean]>((resolve) =>
      ws.once('message', (data, isBinary) => resolve([data as Buffer, isBinary])),
    );
    ws.send(Buffer.from([1, 2, 3]));
    expect(await binary).toEqual([Buffer.from([1, 2, 3]), true]);
  });

  it('gives open the verified identity, keeps per-connection state, and reports close with its code', async () => {
    const seen: { identity?: ConnectionIdentity; id?: string; closed?: [number, string, number] } = {};
    await start(
      defineNodeApp<{ count: number }>(({ nodeId }) => ({
        initialState: () => ({ count: 0 }),
        open(conn) {
          seen.identity = conn.identity;
          seen.id = conn.id;
          conn.send(`welcome ${conn.identity.subject} on ${nodeId}`);
        },
        message(conn, data) {
          conn.state.count += 1;
          conn.send(`${conn.state.count}:${data.toString()}`);
          if (data.toString() === 'bye') conn.close(4001, 'asked to leave');
        },
        close(conn, code, reason) {
          seen.closed = [code, reason, conn.state.count];
        },
      })),
    );
    const ws = await connect('bob');
    expect(await firstMessage.get(ws)).toBe('welcome bob on node-1');
    expect(seen.identity).toMatchObject({ subject: 'bob', nodeId: 'node-1' });
    expect(seen.identity!.claims).toMatchObject({ sub: 'bob', aud: 'node-1' });
    expect(typeof seen.identity!.claims.jti).toBe('string');
    expect(seen.id).toMatch(/^node-1:\d+$/);
    ws.send('a');
    expect(await nextMessage(ws)).toBe('1:a');
    const end = closed(ws);
    ws.send('bye');
    expect(await end).toEqual({ code: 4001, reason: 'asked to leave' });
    await until(() => seen.closed !== undefined);
    expect(seen.closed).toEqual([4001, 'asked to leave', 2]);
  });

  it.each([
    [
      'throws',
      () => (): void => {
        throw new Error('boom');
      },
    ],
    [
      'rejects',
      () => async (): Promise<void> => {
        throw new Error('boom');
      },
    ],
  ])('closes only the connection whose message hook %s, with 1011, and counts it', async (_how, make) => {
    const fail = make();
    await start(
      defineNodeApp(() => ({
        message(conn, data) {
          if (data.toString() === 'crash') return fail();
          conn.send(data);
        },
      })),
    );
    const [bad, good] = [await connect('a'), await connect('b')];
    const end = closed(bad);
    bad.send('crash');
    expect(await end).toEqual({ code: 1011, reason: 'internal error' });
    good.send('still here');
    expect(await nextMessage(good)).toBe('still here');
    const metrics = await (await fetch(`${base.replace('ws', 'http')}/metrics`)).text();
    expect(metrics).toContain('wslb_node_app_errors_total{hook="message"} 1');
  });

  it('closes with 1011 when open or initialState throws, and the node keeps admitting', async () => {
    let calls = 0;
    await start(
      defineNodeApp(() => ({
        initialState: (identity) => {
          if (identity.subject === 'bad-state') throw new Error('no state');
          return undefined;
        },
        open(conn) {
          calls += 1;
          if (conn.identity.subject === 'bad-open') throw new Error('no open');
        },
      })),
    );
    for (const subject of ['bad-state', 'bad-open']) {
      const ws = await connect(subject);
      expect((await closed(ws)).code).toBe(1011);
    }
    expect(calls).toBe(1);
    const ws = await connect('fine');
    await new Promise((r) => setTimeout(r, 50));
    expect(ws.readyState).toBe(ws.OPEN);
  });

  it('calls drain once before the 1012 closes, with connections still open; its failure is only logged', async () => {
    const events: string[] = [];
    await start(
      defineNodeApp(() => {
        const open = new Set<{ send(d: string): boolean }>();
        return {
          open(conn) {
            open.add(conn);
          },
          close(_conn, code) {
            events.push(`close ${code}`);
          },
          drain() {
            events.push('drain');
            for (const conn of open) conn.send('goodbye');
            throw new Error('drain hook broke');
          },
        };
      }),
    );
    const ws = await connect();
    const goodbye = nextMessage(ws);
    const end = closed(ws);
    server.startDrain();
    server.startDrain();
    await server.closeClients(1000);
    expect(await goodbye).toBe('goodbye');
    expect((await end).code).toBe(1012);
    await until(() => events.length === 2);
    expect(events).toEqual(['drain', 'close 1012']);
  });

  it('gives the app the node logger and the registry served at /metrics', async () => {
    await start(
      defineNodeApp(({ metrics, log }) => {
        const joins = new Counter({ name: 'chat_joins_total', help: 'joins', registers: [metrics] });
        log.info('app started');
        return { open: () => joins.inc() };
      }),
    );
    await connect();
    await connect();
    const text = await (await fetch(`${base.replace('ws', 'http')}/metrics`)).text();
    expect(text).toContain('chat_joins_total 2');
  });

  it('refuses to start with an app factory that returns no hooks', () => {
    expect(() => testNodeServer(keys, { app: (() => undefined) as unknown as NodeAppFactory })).toThrow(
      /must return an object of hooks/,
    );
  });

  it('send returns false once the socket is closed', async () => {
    let later: (() => boolean) | undefined;
    await start(
      defineNodeApp(() => ({
        open(conn) {
          later = () => conn.send('late');
        },
      })),
    );
    const ws = await connect();
    await until(() => later !== undefined);
    const end = closed(ws);
    ws.close(1000);
    await end;
    await until(() => server.openConnections === 0);
    expect(later!()).toBe(false);
  });

  it('a connection serializes as its id, identity and state (no socket), and hooks run with the app as this', async () => {
    let serialized: Record<string, unknown> | undefined;
    let hookThis: unknown;
    const app = {
      initialState: () => ({ seen: 0 }),
      open(this: unknown, conn: { state: unknown }) {
        hookThis = this;
        serialized = JSON.parse(JSON.stringify(conn));
      },
    };
    await start(defineNodeApp(() => app));
    await connect('carol');
    await until(() => serialized !== undefined);
    expect(hookThis).toBe(app);
    expect(Object.keys(serialized!).sort()).toEqual(['id', 'identity', 'state']);
    expect(serialized).toMatchObject({
      state: { seen: 0 },
      identity: { subject: 'carol', nodeId: 'node-1' },
    });
  });
});
