import type WebSocket from 'ws';
import { showProc } from '../../../../runtime/haproxy/agent/master-cli';
import { type LocalHaproxy, startLocalHaproxy } from '../../../../runtime/local/local-haproxy';
import { createLogger } from '../../../../runtime/shared/log';
import { type EchoServer, startEchoServer } from '../helpers/echo-server';
import { closeHaproxyRig } from '../helpers/teardown';
import { describeWithTool } from '../helpers/tools';
import { echo, openWs } from '../helpers/ws-client';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Opens a WebSocket once HAProxy has marked a server UP (health checks run every 500 ms here). */
async function openWhenUp(url: string): Promise<WebSocket> {
  let last: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      return await openWs(url);
    } catch (error) {
      last = error;
      await sleep(100);
    }
  }
  throw last;
}

describeWithTool('haproxy', 'apt-get install -y haproxy')('hitless reload with the real haproxy', () => {
  const sockets: WebSocket[] = [];
  const servers: EchoServer[] = [];
  let haproxy: LocalHaproxy | undefined;

  afterAll(() => closeHaproxyRig(sockets, haproxy, servers));

  it('keeps 50 established WebSockets across a reload that adds a backend, and sends new ones to it', async () => {
    const a = await startEchoServer();
    const b = await startEchoServer();
    servers.push(a, b);
    haproxy = await startLocalHaproxy({
      backends: [{ id: 'node-a', host: '127.0.0.1', port: a.port }],
      sourceIps: ['127.0.1.1', '127.0.1.2'],
      // The reload path: live server changes (the default) would add node-b without one.
      liveServerChanges: false,
      logger: createLogger('test', 'silent'),
    });

    sockets.push(await openWhenUp(haproxy.url));
    for (let i = 1; i < 50; i++) sockets.push(await openWs(haproxy.url));
    const before = sockets.slice();
    expect(a.open()).toBe(50);
    expect(new Set(a.remoteAddresses)).toEqual(new Set(['127.0.1.1', '127.0.1.2']));
    let closed = 0;
    for (const ws of before) ws.on('close', () => closed++);

    const result = await haproxy.setBackends([
      { id: 'node-a', host: '127.0.0.1', port: a.port },
      { id: 'node-b', host: '127.0.0.1', port: b.port },
    ]);
    expect(result).toBe('reloaded');

    const answers = await Promise.all(before.map((ws, i) => echo(ws, `after-reload-${i}`)));
    expect(answers).toEqual(before.map((_, i) => `after-reload-${i}`));
    expect(closed).toBe(0);
    expect(a.open()).toBe(50);

    // The old worker drains the 50; the new one serves new connections over both nodes.
    const workers = (await showProc(haproxy.masterSocket)).filter((p) => p.type === 'worker');
    expect(workers.map((w) => w.reloads).sort()).toEqual([0, 1]);

    for (let attempt = 0; attempt < 50 && b.open() === 0; attempt++) {
      const ws = await openWhenUp(haproxy.url);
      sockets.push(ws);
      if (b.open() === 0) await sleep(100);
    }
    expect(b.open()).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) sockets.push(await openWs(haproxy.url));
    const fresh = sockets.slice(50);
    await Promise.all(fresh.map((ws, i) => expect(echo(ws, `new-${i}`)).resolves.toBe(`new-${i}`)));

    const perNode = await haproxy.perNodeCounts();
    expect(perNode['node-a']! + perNode['node-b']!).toBe(sockets.length);
    expect(perNode['node-b']).toBe(b.open());
    expect(closed).toBe(0);
  });
});
