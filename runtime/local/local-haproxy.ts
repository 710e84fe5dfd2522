import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUrl } from '../contract/url';
import { Agent, type SyncResult } from '../haproxy/agent/agent';
import { checkHaproxyConfig, requireHaproxy } from '../haproxy/agent/haproxy-binary';
import { detectHaproxyFeatures } from '../haproxy/agent/haproxy-features';
import { MasterReloader } from '../haproxy/agent/reloader';
import { SocketRuntimeServers } from '../haproxy/agent/runtime-servers';
import { groupByNode, perServerCounts } from '../haproxy/agent/stats';
import { StaticBackendSource } from '../haproxy/discovery/static-backend-source';
import type { Backend } from '../haproxy/render/backend';
import { renderHaproxyConfig } from '../haproxy/render/render-haproxy';
import { createLogger, type Logger } from '../shared/log';
import { freePorts } from './free-port';
import { type HaproxyProcess, spawnHaproxy } from './haproxy-process';

export interface LocalHaproxyOptions {
  backends: Backend[];
  /** Loopback source addresses, e.g. ['127.0.1.1', '127.0.1.2']. @default - none: the kernel picks */
  sourceIps?: string[];
  /** @default - a free port */
  listenPort?: number;
  /** @default - a free port */
  statsPort?: number;
  /** Must fit the fd limit: HAProxy needs about 2 × maxconn descriptors. @default LOCAL_HAPROXY_MAXCONN */
  maxconn?: number;
  /** @default 1h */
  hardStopAfterMs?: number;
  /** PEM with certificate and key: HAProxy terminates TLS and `url` is wss://. @default - plain ws */
  tlsCertFile?: string;
  /** `tcp`: an L4 flow balancer with `balance random` (the NLB stand-in's no-root fallback). @default 'http' */
  mode?: 'http' | 'tcp';
  /** Health-check interval; short locally so new nodes come up fast. @default 500 */
  checkInterMs?: number;
  /**
   * Add and remove whole server lines through the runtime API instead of reloading, as the agent on EC2
   * does; `false` makes every change a reload (to exercise that path). @default true
   */
  liveServerChanges?: boolean;
  logger?: Logger;
}

/**
 * The local HAProxy's maxconn: a process here holds at most 20,000 open files, and HAProxy needs two per
 * connection (client side and server side) plus its listeners and checks.
 */
export const LOCAL_HAPROXY_MAXCONN = 9_000;

export interface LocalHaproxy {
  /** ws://127.0.0.1:<port> (wss:// with tlsCertFile) */
  url: string;
  /** http://127.0.0.1:<statsPort>/stats (and /metrics for Prometheus). */
  statsUrl: string;
  /** The master's pid. */
  pid: number;
  configPath: string;
  /** Master CLI socket (`show proc`, `@!<pid> show stat`, `reload`). */
  masterSocket: string;
  /** Replace the backend set and apply it now through the agent (render, check, live change or reload). */
  setBackends(backends: Backend[]): Promise<SyncResult>;
  /** Current connections per `server` line, over all live workers (old ones drain after a reload). */
  perServerCounts(): Promise<Record<string, number>>;
  /** The same grouped by node id. */
  perNodeCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
  /** Stop HAProxy now, without waiting (a synchronous cleanup on exit); `close` is the orderly way. */
  kill(): void;
}

/**
 * Runs Debian's haproxy on 127.0.0.1 with a config from the same renderer and the same Agent code path as on
 * EC2, fed by a static backend source. Throws HaproxyMissingError (with the install command) when missing.
 */
export async function startLocalHaproxy(options: LocalHaproxyOptions): Promise<LocalHaproxy> {
  const bin = requireHaproxy();
  const features = await detectHaproxyFeatures(bin);
  const logger = options.logger ?? createLogger('wslb-local-haproxy');
  const dir = await mkdtemp(join(tmpdir(), 'wslb-haproxy-'));
  const configPath = join(dir, 'haproxy.cfg');
  const pidFile = join(dir, 'haproxy.pid');
  const masterSocket = join(dir, 'master.sock');
  const [pickedListen, pickedStats] = await freePorts(2);
  const listenPort = options.listenPort ?? pickedListen!;
  const statsPort = options.statsPort ?? (pickedStats === listenPort ? pickedListen! : pickedStats!);
  let backends = [...options.backends];
  const agent = new Agent({
    source: new StaticBackendSource(() => backends),
    render: (list) =>
      renderHaproxyConfig({
        listen: { address: '127.0.0.1', port: listenPort },
        stats: { address: '127.0.0.1', port: statsPort },
        statsSocket: join(dir, 'admin.sock'),
        prometheusExporter: features.prometheusExporter,
        tlsCertFile: options.tlsCertFile,
        mode: options.mode ?? 'http',
        backends: list,
        sourceIps: options.sourceIps ?? [],
        maxconn: options.maxconn ?? LOCAL_HAPROXY_MAXCONN,
        timeouts: { hardStopAfterMs: options.hardStopAfterMs ?? 3_600_000 },
        healthCheck: { interMs: options.checkInterMs ?? 500, rise: 1 },
      }),
    configPath,
    check: (file) => checkHaproxyConfig(file, bin),
    reloader: new MasterReloader({ pidFile, masterSocket }),
    runtime:
      options.liveServerChanges === false || !features.dynamicServers
        ? undefined
        : new SocketRuntimeServers(join(dir, 'admin.sock')),
    logger,
    allowEmpty: true,
  });

  let haproxy: HaproxyProcess | undefined;
  const stop = async () => {
    try {
      await haproxy?.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  try {
    const first = await agent.syncOnce();
    if (first !== 'written') {
      throw new Error(`initial config not written (${first}): ${agent.failure ?? 'no reason recorded'}`);
    }
    haproxy = await spawnHaproxy(bin, configPath, pidFile, masterSocket);
  } catch (error) {
    await stop();
    throw error;
  }
  const pid = haproxy.pid;
  let applied: Promise<SyncResult> = Promise.resolve('written');
  return {
    url: buildUrl(options.tlsCertFile ? 'wss' : 'ws', '127.0.0.1', listenPort),
    statsUrl: buildUrl('http', '127.0.0.1', statsPort, '/stats'),
    pid,
    configPath,
    masterSocket,
    setBackends: (next) => {
      backends = [...next];
      // One round after another: a round already in flight read an older set, and joining it (as syncOnce
      // does) would leave this one unapplied.
      applied = applied.catch(() => 'error' as const).then(() => agent.syncOnce());
      return applied;
    },
    perServerCounts: () => perServerCounts(masterSocket),
    perNodeCounts: async () => groupByNode(await perServerCounts(masterSocket)),
    close: stop,
    kill: () => haproxy?.kill(),
  };
}
