import { targetCheck } from '../../harness/check';
import { onCleanup } from '../../harness/cleanup';
import { NodeRig } from '../../harness/node-rig';
import { cpuSeconds, rssBytes } from '../../harness/proc';
import { round, sleep } from '../../harness/stats';
import { split } from '../../harness/worker/spread';
import { Worker } from '../../harness/worker/worker';
import { Load, rate } from '../harness/load';
import type { Section, SectionContext } from '../types';
import type { BareEchoJob } from '../workers/bare-echo-worker';
import type { ConnectJob, ConnectStatus } from '../workers/connect-worker';
import type { OpenedSockets } from '../workers/open-sockets';

type Server = 'bare' | 'wslb';

interface Measured {
  server: Server;
  opened: number;
  failed: number;
  bytesPerConnection: number;
  acceptsPerSecond: number;
  /** The server process's CPU time (user + system) over the load, per opened socket: less moved by a busy machine than the rate. */
  cpuMicrosPerAccept: number;
}

const CLIENT_WORKERS = 3;
const MAX_PAYLOAD = 64 * 1024;

/** Start one server of the kind, open the load against it, read its RSS before and after; stop both. */
async function measure(
  ctx: SectionContext,
  rig: NodeRig,
  server: Server,
  n: number,
  round_: number,
): Promise<Measured> {
  let pid: number | undefined;
  let target: { url: string; audience: string };
  let stopServer: () => Promise<void>;
  if (server === 'wslb') {
    const node = await rig.startNode(`overhead-${round_}`, 19_000);
    pid = node.pid;
    target = { url: node.endpoint, audience: node.nodeId };
    stopServer = () => node.stop(3_000);
  } else {
    const worker = new Worker<BareEchoJob, { port: number }>(ctx.build, 'bare-echo');
    const { port } = await worker.run({ maxPayloadBytes: MAX_PAYLOAD, deadlineMs: 300_000 });
    pid = worker.pid;
    target = { url: `ws://127.0.0.1:${port}`, audience: 'bare' };
    stopServer = () => worker.stop();
  }
  try {
    await sleep(ctx.quick ? 300 : 1_000);
    const before = rssBytes(pid);
    const cpuBefore = cpuSeconds(pid);
    const load = await Load.run<ConnectJob, OpenedSockets, ConnectStatus>(
      ctx.build,
      'connect',
      split(n, ctx.quick ? 2 : CLIENT_WORKERS).map((count) => ({
        targets: [target],
        keyFile: rig.secrets.tokenSecretFile,
        count,
        concurrency: 100,
        presign: true,
        openTimeoutMs: 20_000,
        deadlineMs: 240_000,
      })),
      { label: `${server} node, ${n} idle sockets`, total: n },
    );
    const cpu = cpuSeconds(pid) - cpuBefore;
    try {
      await sleep(ctx.quick ? 500 : 2_000);
      const after = rssBytes(pid);
      const opened = load.results.reduce((s, r) => s + r.opened, 0);
      return {
        server,
        opened,
        failed: load.results.reduce((s, r) => s + r.failed, 0),
        bytesPerConnection: opened > 0 ? (after - before) / opened : 0,
        acceptsPerSecond: rate(opened, load.results),
        cpuMicrosPerAccept: opened > 0 ? (cpu * 1e6) / opened : 0,
      };
    } finally {
      await load.stop();
    }
  } finally {
    await stopServer();
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Section 1: the wslb node against a bare `ws` echo server under the same idle load, as ratios. */
export const nodeOverhead: Section = {
  id: 'node-overhead',
  title: 'Node overhead: wslb node vs bare ws',
  async run(ctx) {
    const n = ctx.quick ? 600 : 15_000;
    const rounds = 1;
    const rig = await NodeRig.start(ctx.build.nodeBundle);
    const unregister = onCleanup(
      'overhead rig',
      () => rig.stop(),
      () => rig.killNow(),
    );
    const runs: Measured[] = [];
    try {
      for (let r = 0; r < rounds; r++) {
        // With more rounds the order alternates, so a drifting machine does not favour one server.
        const order: Server[] = r % 2 === 0 ? ['bare', 'wslb'] : ['wslb', 'bare'];
        for (const server of order) runs.push(await measure(ctx, rig, server, n, r));
      }
    } finally {
      await rig.stop();
      unregister();
    }
    const of = (s: Server) => runs.filter((m) => m.server === s);
    const summary = (s: Server) => ({
      opened: Math.min(...of(s).map((m) => m.opened)),
      failed: Math.max(...of(s).map((m) => m.failed)),
      bytesPerConnection: Math.round(mean(of(s).map((m) => m.bytesPerConnection))),
      acceptsPerSecond: Math.round(mean(of(s).map((m) => m.acceptsPerSecond))),
      cpuMicrosPerAccept: Math.round(mean(of(s).map((m) => m.cpuMicrosPerAccept))),
    });
    const bare = summary('bare');
    const wslb = summary('wslb');
    const memoryRatio = wslb.bytesPerConnection / bare.bytesPerConnection;
    const acceptRatio = wslb.acceptsPerSecond / bare.acceptsPerSecond;
    // Bare's CPU per accept over the node's: the accept rate the node would reach if it alone were the limit.
    const cpuRatio = wslb.cpuMicrosPerAccept > 0 ? bare.cpuMicrosPerAccept / wslb.cpuMicrosPerAccept : 0;
    const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
    return {
      data: {
        connections: n,
        rounds,
        clientProcesses: CLIENT_WORKERS,
        bare,
        wslb,
        memoryRatio,
        acceptRatio,
        cpuRatio,
        runs,
      },
      targets: [
        targetCheck('memory per connection wslb/bare', memoryRatio, '<=', 1.1),
        targetCheck('accept rate wslb/bare', acceptRatio, '>=', 0.95),
      ],
      table: [
        ['server', 'idle sockets', 'failed', 'RSS per connection', 'accepts/s', 'server CPU per accept'],
        [
          'bare ws 8.23 echo',
          String(bare.opened),
          String(bare.failed),
          kb(bare.bytesPerConnection),
          String(bare.acceptsPerSecond),
          `${bare.cpuMicrosPerAccept} µs`,
        ],
        [
          'wslb node',
          String(wslb.opened),
          String(wslb.failed),
          kb(wslb.bytesPerConnection),
          String(wslb.acceptsPerSecond),
          `${wslb.cpuMicrosPerAccept} µs`,
        ],
        [
          'ratio wslb/bare',
          '',
          '',
          `${round(memoryRatio, 2)}×`,
          `${round(acceptRatio, 2)}×`,
          `${round(cpuRatio, 2)}× (bare/wslb)`,
        ],
      ],
    };
  },
};
