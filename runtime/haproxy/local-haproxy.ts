import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../shared/log';
import { Agent, type SyncResult } from './agent';
import type { Backend } from './backend';
import { StaticBackendSource } from './discovery/static-backend-source';
import { freePort } from './free-port';
import { checkHaproxyConfig, requireHaproxy } from './haproxy-binary';
import { showProc } from './master-cli';
import { MasterReloader } from './reloader';
import { renderHaproxyConfig } from './render-haproxy';
import { groupByNode, perServerCounts } from './stats';

export interface LocalHaproxyOptions {
  backends: Backend[];
  /** Loopback source addresses, e.g. ['127.0.1.1', '127.0.1.2']. @default - none: the kernel picks */
  sourceIps?: string[];
  /** @default - a free port */
  listenPort?: number;
  /** @default - a free port */
  statsPort?: number;
  /** Must fit the fd limit: HAProxy needs about 2 × maxconn descriptors. @default 9000 */
  maxconn?: number;
  /** @default 1h */
  hardStopAfterMs?: number;
  /** Health-check interval; short locally so new nodes come up fast. @default 500 */
  checkInterMs?: number;
  logger?: Logger;
}

export interface LocalHaproxy {
  /** ws://127.0.0.1:<port> */
  url: string;
  /** http://127.0.0.1:<statsPort>/stats (and /metrics for Prometheus). */
  statsUrl: string;
  /** The master's pid. */
  pid: number;
  configPath: string;
  /** Replace the backend set and apply it now through the agent (render, check, reload when changed). */
  setBackends(backends: Backend[]): Promise<SyncResult>;
  /** Current connections per `server` line, over all live workers (old ones drain after a reload). */
  perServerCounts(): Promise<Record<string, number>>;
  /** The same grouped by node id. */
  perNodeCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs Debian's haproxy on 127.0.0.1 with a config from the same renderer and the same Agent code path as on
 * EC2, fed by a static backend source. Throws HaproxyMissingError (with the install command) when missing.
 */
export async function startLocalHaproxy(options: LocalHaproxyOptions): Promise<LocalHaproxy> {
  const bin = requireHaproxy();
  const logger = options.logger ?? createLogger('haproxy-local');
  const dir = await mkdtemp(join(tmpdir(), 'wslb-haproxy-'));
  const configPath = join(dir, 'haproxy.cfg');
  const pidFile = join(dir, 'haproxy.pid');
  const masterSocket = join(dir, 'master.sock');
  const listenPort = options.listenPort ?? (await freePort());
  const statsPort = options.statsPort ?? (await freePort());
  let backends = [...options.backends];
  const agent = new Agent({
    source: new StaticBackendSource(() => backends),
    render: (list) =>
      renderHaproxyConfig({
        listen: { address: '127.0.0.1', port: listenPort },
        stats: { address: '127.0.0.1', port: statsPort },
        statsSocket: join(dir, 'admin.sock'),
        backends: list,
        sourceIps: options.sourceIps ?? [],
        maxconn: options.maxconn ?? 9000,
        timeouts: { hardStopAfterMs: options.hardStopAfterMs ?? 3_600_000 },
        healthCheck: { interMs: options.checkInterMs ?? 500, rise: 1 },
      }),
    configPath,
    check: (file) => checkHaproxyConfig(file, bin),
    reloader: new MasterReloader({ pidFile, masterSocket }),
    logger,
    allowEmpty: true,
  });

  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child!.once('exit', () => r()));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), 5_000);
      });
      const timedOut = await Promise.race([exited.then(() => false), timeout]);
      clearTimeout(timer);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const first = await agent.syncOnce();
    if (first !== 'written') throw new Error(`initial config not written (${first})`);
    let stderr = '';
    child = spawn(bin, ['-W', '-S', masterSocket, '-p', pidFile, '-f', configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    await waitForWorker(masterSocket, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  const pid = child.pid!;
  return {
    url: `ws://127.0.0.1:${listenPort}`,
    statsUrl: `http://127.0.0.1:${statsPort}/stats`,
    pid,
    configPath,
    setBackends: (next) => {
      backends = [...next];
      return agent.syncOnce();
    },
    perServerCounts: () => perServerCounts(masterSocket),
    perNodeCounts: async () => groupByNode(await perServerCounts(masterSocket)),
    close: stop,
  };
}

async function waitForWorker(masterSocket: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}: ${stderr()}`);
    const procs = await showProc(masterSocket).catch(() => []);
    if (procs.some((p) => p.type === 'worker')) return;
    await sleep(50);
  }
  throw new Error(`haproxy did not start a worker within 5 s: ${stderr()}`);
}
