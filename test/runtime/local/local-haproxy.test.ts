import type WebSocket from 'ws';
import { type LocalHaproxy, startLocalHaproxy } from '../../../runtime/local/local-haproxy';
import { createLogger } from '../../../runtime/shared/log';
import { type EchoServer, startEchoServer } from '../haproxy/helpers/echo-server';
import { closeHaproxyRig } from '../haproxy/helpers/teardown';
import { describeWithTool } from '../haproxy/helpers/tools';
import { echo, openWs } from '../haproxy/helpers/ws-client';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describeWithTool('haproxy', 'apt-get install -y haproxy')('startLocalHaproxy', () => {
  const sockets: WebSocket[] = [];
  const servers: EchoServer[] = [];
  let haproxy: LocalHaproxy | undefined;

  afterAll(() => closeHaproxyRig(sockets, haproxy, servers));

  it('spreads 300 WebSockets evenly over 3 nodes, from every source IP, and reports per-server counts', async () => {
    for (let i = 0; i < 3; i++) servers.push(await startEchoServer());
    const sourceIps = ['127.0.1.11', '127.0.1.12', '127.0.1.13'];
    haproxy = await startLocalHaproxy({
      backends: servers.map((s, i) => ({ id: `node-${i}`, host: '127.0.0.1', port: s.port })),
      sourceIps,
      logger: createLogger('test', 'silent'),
    });
    expect(haproxy.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);

    // Until the first health checks pass (500 ms apart), servers are not yet UP.
    for (let attempt = 0; attempt < 50; attempt++) {
      const res = await fetch(haproxy.statsUrl.replace('/stats', '/metrics'));
      const text = await res.text();
      if ((text.match(/haproxy_server_status\{[^}]*state="UP"[^}]*\} 1/g) ?? []).length === 9) break;
      await sleep(100);
    }
    for (let i = 0; i < 300; i++) sockets.push(await openWs(haproxy.url));
    await Promise.all(sockets.slice(0, 30).map((ws, i) => expect(echo(ws, `m${i}`)).resolves.toBe(`m${i}`)));

    const open = servers.map((s) => s.open());
    expect(open.reduce((a, b) => a + b, 0)).toBe(300);
    expect(Math.max(...open) / 100).toBeLessThanOrEqual(1.1);
    for (const s of servers) expect(new Set(s.remoteAddresses)).toEqual(new Set(sourceIps));

    const perServer = await haproxy.perServerCounts();
    expect(Object.keys(perServer).sort()).toEqual(
      ['node-0', 'node-1', 'node-2'].flatMap((n) => [`${n}-s1`, `${n}-s2`, `${n}-s3`]),
    );
    expect(await haproxy.perNodeCounts()).toEqual({
      'node-0': open[0],
      'node-1': open[1],
      'node-2': open[2],
    });
  });

  it('removing a node stops new connections to it while its established ones stay up', async () => {
    const h = haproxy!;
    const before = servers[2]!.open();
    expect(
      await h.setBackends(
        servers.slice(0, 2).map((s, i) => ({ id: `node-${i}`, host: '127.0.0.1', port: s.port })),
      ),
    ).toBe('updated-live');
    for (let i = 0; i < 20; i++) sockets.push(await openWs(h.url));
    expect(servers[2]!.open()).toBe(before);
    const onRemoved = sockets.slice(0, 300).filter((ws) => ws.readyState === ws.OPEN);
    expect(onRemoved).toHaveLength(300);
    expect(servers[0]!.open() + servers[1]!.open()).toBe(320 - before);
  });

  it("a start that writes no config says why: the render error, or haproxy -c's own output", async () => {
    const backends = [{ id: 'n1', host: '127.0.0.1', port: 9 }];
    const logger = createLogger('wslb-local-haproxy', 'silent');
    await expect(
      startLocalHaproxy({ backends, listenPort: 18_777, statsPort: 18_777, logger }),
    ).rejects.toThrow(
      /^initial config not written \(error\): invalid haproxy input:\n\s+stats\.port: stats and listen share/,
    );
    await expect(
      startLocalHaproxy({ backends, tlsCertFile: '/nonexistent/wslb-test.pem', logger }),
    ).rejects.toThrow(
      /^initial config not written \(invalid\): haproxy -c refused the rendered config:\n.*wslb-test\.pem/s,
    );
  });

  it('kill() ends HAProxy at once, for the synchronous cleanup on exit', async () => {
    const one = await startLocalHaproxy({ backends: [], logger: createLogger('test', 'silent') });
    const alive = () => {
      try {
        process.kill(one.pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    one.kill();
    for (let i = 0; i < 100 && alive(); i++) await sleep(50);
    expect(alive()).toBe(false);
    await one.close(); // the orderly stop afterwards is a no-op that removes the folder
  });
});
