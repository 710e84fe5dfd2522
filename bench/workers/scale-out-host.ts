/**
 * Section 6 host: one local cluster of the given strategy, `before` clients held on 3 nodes, a 4th node
 * joins, `after` more clients arrive; answers each node's own count. Runs through tsx (LocalCluster bundles
 * the node service from the sources); for `nlb` inside the bench's namespace (WSLB_NETNS), where the
 * kernel balancer applies. Its fleet processes inherit the namespace.
 */
import '../../runtime/local/quiet-sdk-warning';
import { BENCH_SCRYPT_N } from '../../harness/node-rig';
import { sleep } from '../../harness/stats';
import type { BoundedJob } from '../../harness/worker/protocol';
import { serveWorker } from '../../harness/worker/serve';
import { LocalCluster, type LocalStrategy, type NodeCount } from '../../runtime/local/local-cluster';
import { type BuildRef, buildFrom } from '../harness/worker-build';
import { HeldFleet } from './held-fleet';

export interface ScaleOutJob extends BoundedJob {
  strategy: LocalStrategy;
  build: BuildRef;
  before: number;
  after: number;
  /** Fleet processes for the first batch (the second gets a third as many, at least one). */
  processes: number;
}

export interface ScaleOutResult {
  strategy: LocalStrategy;
  before: NodeCount[];
  after: NodeCount[];
  connected: number;
  failed: number;
}

let cluster: LocalCluster | undefined;
let fleet: HeldFleet | undefined;

/** A node's count as its own /healthz reports it, waited for until the sum settles (bounded). */
async function settledCounts(c: LocalCluster, expected: number): Promise<NodeCount[]> {
  let counts = await c.nodeCounts();
  for (let i = 0; i < 20 && counts.reduce((s, n) => s + n.connections, 0) < expected; i++) {
    await sleep(250);
    counts = await c.nodeCounts();
  }
  return counts;
}

serveWorker<ScaleOutJob, ScaleOutResult>({
  async run(job, progress) {
    cluster = await LocalCluster.start({
      strategy: job.strategy,
      nodes: 3,
      benchUserScryptN: BENCH_SCRYPT_N,
      maxConnectionsPerNode: 15_000,
      drainSeconds: 0,
      logLevel: 'warn',
    });
    fleet = new HeldFleet(buildFrom(job.build));
    const settings = {
      authUrl: cluster.authUrl,
      credentials: cluster.benchCredentials!,
      concurrency: 150,
      openTimeoutMs: 20_000,
      deadlineMs: job.deadlineMs,
    };
    // Let every node beat at its own phase, as a running fleet does.
    await sleep(1_200);
    await fleet.open(settings, job.before, job.processes, progress);
    const before = await settledCounts(cluster, fleet.connected);
    await cluster.addNode();
    // direct: offered from its first heartbeat; haproxy: once discovery added it and a check passed;
    // nlb: addNode already waited for the target to turn healthy.
    await sleep(job.strategy === 'nlb' ? 200 : 2_500);
    await fleet.open(settings, job.after, Math.max(1, Math.round(job.processes / 3)), (n) =>
      progress(job.before + n),
    );
    const after = await settledCounts(cluster, fleet.connected);
    return { strategy: job.strategy, before, after, connected: fleet.connected, failed: fleet.failed };
  },
  async stop() {
    await fleet?.stop();
    await cluster?.stop();
  },
});
