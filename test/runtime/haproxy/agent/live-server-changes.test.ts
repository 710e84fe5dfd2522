import type WebSocket from 'ws';
import { showProc } from '../../../../runtime/haproxy/agent/master-cli';
import { type LocalHaproxy, startLocalHaproxy } from '../../../../runtime/local/local-haproxy';
import { createLogger } from '../../../../runtime/shared/log';
import { type EchoServer, startEchoServer } from '../helpers/echo-server';
import { closeHaproxyRig } from '../helpers/teardown';
import { describeWithTool } from '../helpers/tools';
import { echo, openWs } from '../helpers/ws-client';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until HAProxy's exporter shows `servers` of the backend UP. */
async function waitUp(haproxy: LocalHaproxy, servers: string[]): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const text = await (await fetch(haproxy.statsUrl.replace('/stats', '/metrics'))).text();
    const up = servers.filter((s) =>
      new RegExp(`haproxy_server_status\\{[^}]*server="${s}"[^}]*state="UP"[^}]*\\} 1`).test(text),
    );
    if (up.length === servers.length) return;
    await sleep(100);
  }
  throw new Error(`servers ${servers.join(', ')} never came UP`);
}

describeWithTool('haproxy', 'apt-get install -y haproxy')('live server changes with the real haproxy', () => {
  const sockets: WebSocket[] = [];
  let a: EchoServer;
  let b: EchoServer;
  let haproxy: LocalHaproxy;
  const nodeA = () => ({ id: 'node-a', host: '127.0.0.1', port: a.port });
  const nodeB = () => ({ id: 'node-b', host: '127.0.0.1', port: b.port });

  beforeAll(async () => {
    a = await startEchoServer();
    b = await startEchoServer();
    haproxy = await startLocalHaproxy({
      backends: [nodeA()],
      sourceIps: ['127.0.1.21', '127.0.1.22'],
      logger: createLogger('test', 'silent'),
    });
    await waitUp(haproxy, ['node-a-s1', 'node-a-s2']);
  });

  afterAll(() => closeHaproxyRig(sockets, haproxy, [a, b]));

  it('adds a node without a reload, so leastconn sends it the new clients until it catches up', async () => {
    for (let i = 0; i < 20; i++) sockets.push(await openWs(haproxy.url));
    expect(a.open()).toBe(20);

    expect(await haproxy.setBackends([nodeA(), nodeB()])).toBe('updated-live');
    const workers = (await showProc(haproxy.masterSocket)).filter((p) => p.type === 'worker');
    expect(workers.map((w) => w.reloads)).toEqual([0]);
    await waitUp(haproxy, ['node-b-s1', 'node-b-s2']);

    for (let i = 0; i < 20; i++) sockets.push(await openWs(haproxy.url));
    expect({ a: a.open(), b: b.open() }).toEqual({ a: 20, b: 20 });
    expect(new Set(b.remoteAddresses)).toEqual(new Set(['127.0.1.21', '127.0.1.22']));
    await Promise.all(sockets.map((ws, i) => expect(echo(ws, `m${i}`)).resolves.toBe(`m${i}`)));
  });

  it('removes a node: no new clients for it, its open sockets stay, and it is deleted once they close', async () => {
    const onB = sockets.slice(20);
    expect(await haproxy.setBackends([nodeA()])).toBe('updated-live');
    for (let i = 0; i < 10; i++) sockets.push(await openWs(haproxy.url));
    expect({ a: a.open(), b: b.open() }).toEqual({ a: 30, b: 20 });
    await Promise.all(onB.map((ws, i) => expect(echo(ws, `b${i}`)).resolves.toBe(`b${i}`)));
    expect(Object.keys(await haproxy.perServerCounts()).sort()).toEqual([
      'node-a-s1',
      'node-a-s2',
      'node-b-s1',
      'node-b-s2',
    ]);

    for (const ws of onB) ws.close();
    for (let attempt = 0; attempt < 50 && b.open() > 0; attempt++) await sleep(50);
    expect(await haproxy.setBackends([nodeA()])).toBe('unchanged');
    expect(Object.keys(await haproxy.perServerCounts()).sort()).toEqual(['node-a-s1', 'node-a-s2']);
    const workers = (await showProc(haproxy.masterSocket)).filter((p) => p.type === 'worker');
    expect(workers.map((w) => w.reloads)).toEqual([0]);
  });
});
