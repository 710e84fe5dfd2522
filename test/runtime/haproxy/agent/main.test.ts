import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { requireHaproxy } from '../../../../runtime/haproxy/agent/haproxy-binary';
import { showProc } from '../../../../runtime/haproxy/agent/master-cli';
import { freePort } from '../../../../runtime/local/free-port';
import { type HaproxyProcess, spawnHaproxy } from '../../../../runtime/local/haproxy-process';
import { type EchoServer, startEchoServer } from '../helpers/echo-server';
import { runEntry } from '../helpers/run-entry';
import { describeWithTool } from '../helpers/tools';
import { echo, openWs } from '../helpers/ws-client';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const run = (args: string[], env: NodeJS.ProcessEnv) => runEntry('agent/main.ts', args, env);

describeWithTool('haproxy', 'apt-get install -y haproxy')(
  'agent-main as a process, with a file source',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'wslb-agent-proc-'));
    const servers: EchoServer[] = [];
    let haproxy: HaproxyProcess | undefined;
    let agent: ChildProcess | undefined;
    let ws: WebSocket | undefined;

    afterAll(async () => {
      try {
        ws?.terminate();
        if (agent && agent.exitCode === null) agent.kill('SIGKILL');
        await haproxy?.stop();
      } finally {
        await Promise.all(servers.map((s) => s.close()));
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('--once writes the config before haproxy starts; the loop reloads it when the file source changes', async () => {
      servers.push(await startEchoServer(), await startEchoServer());
      const [a, b] = servers as [EchoServer, EchoServer];
      const backendsFile = join(dir, 'backends.json');
      writeFileSync(backendsFile, JSON.stringify([{ id: 'a', host: '127.0.0.1', port: a.port }]));
      const listenPort = await freePort();
      const env = {
        BACKENDS_FILE: backendsFile,
        HAPROXY_CONFIG_PATH: join(dir, 'haproxy.cfg'),
        HAPROXY_PID_FILE: join(dir, 'haproxy.pid'),
        HAPROXY_MASTER_SOCKET: join(dir, 'master.sock'),
        HAPROXY_STATS_SOCKET: join(dir, 'sock', 'admin.sock'),
        HAPROXY_USER: 'root',
        LISTEN_ADDRESS: '127.0.0.1',
        LISTEN_PORT: String(listenPort),
        STATS_PORT: String(await freePort()),
        SOURCE_IPS: '127.0.1.31,127.0.1.32',
        MAXCONN: '2000',
        POLL_SECONDS: '1',
        LOG_LEVEL: 'warn',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };

      expect(await run(['--once'], env).done).toBe(0);
      expect(readFileSync(env.HAPROXY_CONFIG_PATH, 'utf8')).toContain('server a-s2 127.0.0.1');
      haproxy = await spawnHaproxy(
        requireHaproxy(),
        env.HAPROXY_CONFIG_PATH,
        env.HAPROXY_PID_FILE,
        env.HAPROXY_MASTER_SOCKET,
      );

      const loop = run([], env);
      agent = loop.child;
      for (let attempt = 0; attempt < 100 && !ws; attempt++) {
        ws = await openWs(`ws://127.0.0.1:${listenPort}`).catch(async () => {
          await sleep(100);
          return undefined;
        });
      }
      expect(ws).toBeDefined();

      writeFileSync(
        backendsFile,
        JSON.stringify([
          { id: 'a', host: '127.0.0.1', port: a.port },
          { id: 'b', host: '127.0.0.1', port: b.port },
        ]),
      );
      let reloads = 0;
      // Generous: the agent polls every second, but on a loaded machine its process lags behind by seconds.
      for (let attempt = 0; attempt < 600 && reloads === 0; attempt++) {
        await sleep(100);
        // The master CLI refuses connections for a moment while the master re-executes.
        const procs = await showProc(env.HAPROXY_MASTER_SOCKET).catch(() => []);
        reloads = procs.find((p) => p.type === 'master')?.reloads ?? 0;
      }
      expect(reloads).toBe(1);
      expect(readFileSync(env.HAPROXY_CONFIG_PATH, 'utf8')).toContain('server b-s1 127.0.0.1');
      expect(await echo(ws!, 'still here')).toBe('still here');

      agent.kill('SIGTERM');
      expect(await loop.done).toBe(0);
    }, 180_000);

    it('exits 2 naming the bad variables', async () => {
      const { child, done } = run([], { BACKENDS_FILE: '', FLEET_TAG_KEY: '', LISTEN_PORT: 'x' });
      let out = '';
      child.stdout?.on('data', (d) => {
        out += d;
      });
      expect(await done).toBe(2);
      expect(out).toContain('LISTEN_PORT');
    });
  },
);
