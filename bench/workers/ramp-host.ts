/**
 * Ramp section host: a `direct` local cluster at the group's minimum size, a scaling controller applying the
 * stack's target tracking to it (bench/harness/scaling-controller.ts), and client processes arriving on a
 * linear ramp. Samples every node's own count (`/healthz`) for the nodes-over-time series and the fill.
 */
import '../../runtime/local/quiet-sdk-warning';
import { BENCH_SCRYPT_N } from '../../harness/node-rig';
import { sleep, until } from '../../harness/stats';
import type { BoundedJob } from '../../harness/worker/protocol';
import { serveWorker } from '../../harness/worker/serve';
import { Worker } from '../../harness/worker/worker';
import { FRESHNESS_MS, HEARTBEAT_MS } from '../../runtime/contract/defaults';
import { LocalCluster, type NodeCount } from '../../runtime/local/local-cluster';
import { DynamoDbRegistry } from '../../runtime/registry';
import { ScalingController, type ScalingEvent } from '../harness/scaling-controller';
import type { TargetTrackingPolicy } from '../harness/target-tracking';
import { type BuildRef, buildFrom } from '../harness/worker-build';
import type { RampJob, RampResult } from './ramp-worker';

export interface RampHostJob extends BoundedJob {
  build: BuildRef;
  clients: number;
  rampMs: number;
  /** Client processes (each holds fewer than 20,000 sockets). */
  workers: number;
  maxConnectionsPerNode: number;
  policy: TargetTrackingPolicy;
  periodMs: number;
  warmupMs: number;
  launchDelayMs: number;
  /** After the last arrival, wait at most this long for the scale-out under way to finish. */
  settleMs: number;
  /** Give up on a login or an upgrade after this long, in ms. */
  openTimeoutMs: number;
}

/** Kept free before the job's deadline: stopping the controller, a last look, the answer. */
const STOP_MARGIN_MS = 15_000;

/** One look at the fleet, `tMs` after the ramp's first arrival. */
export interface RampSample {
  tMs: number;
  /** Open connections, summed over the nodes' own counts. */
  connections: number;
  /** Nodes taking clients. */
  nodes: number;
  /** The controller's desired capacity (nodes running, launching and warming up). */
  desired: number;
  /** The fullest node's connections over its cap. */
  fill: number;
}

export interface RampHostResult {
  samples: RampSample[];
  events: ScalingEvent[];
  datapoints: number[];
  clients: RampResult;
  final: NodeCount[];
}

let cluster: LocalCluster | undefined;
let controller: ScalingController | undefined;
const workers: Worker<RampJob, RampResult>[] = [];

const sumResults = (results: RampResult[]): RampResult => {
  const failures: Record<string, number> = {};
  for (const r of results)
    for (const [why, n] of Object.entries(r.failures)) failures[why] = (failures[why] ?? 0) + n;
  const sum = (k: 'opened' | 'refusedLogins' | 'refusedUpgrades' | 'dropped' | 'notStarted') =>
    results.reduce((a, r) => a + r[k], 0);
  return {
    opened: sum('opened'),
    refusedLogins: sum('refusedLogins'),
    refusedUpgrades: sum('refusedUpgrades'),
    dropped: sum('dropped'),
    notStarted: sum('notStarted'),
    failures,
    maxLagMs: Math.max(0, ...results.map((r) => r.maxLagMs)),
    lastArrivalMs: Math.max(0, ...results.map((r) => r.lastArrivalMs)),
  };
};

serveWorker<RampHostJob, RampHostResult>({
  async run(job, progress) {
    // The job's deadline kills this host; the ramp is cut early enough to settle, stop and answer before it.
    const answerBy = Date.now() + job.deadlineMs - STOP_MARGIN_MS;
    const c = await LocalCluster.start({
      strategy: 'direct',
      nodes: job.policy.min,
      benchUserScryptN: BENCH_SCRYPT_N,
      maxConnectionsPerNode: job.maxConnectionsPerNode,
      // The deployed heartbeat and freshness, not the local cluster's faster ones: the auth's view and the
      // metric lag as they do in AWS (2 s here is ~1 EMF minute on the section's clock, decision 0176).
      heartbeatMs: HEARTBEAT_MS,
      freshnessMs: FRESHNESS_MS,
      drainSeconds: 0,
      logLevel: 'warn',
    });
    cluster = c;
    const registry = new DynamoDbRegistry({
      tableName: c.registryTable,
      endpoint: c.registryEndpoint,
      freshnessMs: c.options.freshnessMs,
    });
    const ctl = new ScalingController({
      policy: job.policy,
      periodMs: job.periodMs,
      warmupMs: job.warmupMs,
      launchDelayMs: job.launchDelayMs,
      initialNodes: c.nodes.map((n) => n.nodeId),
      readConnections: async () => new Map((await registry.list()).map((n) => [n.nodeId, n.connections])),
      launch: async () => (await c.addNode()).nodeId,
    });
    controller = ctl;
    const build = buildFrom(job.build);
    for (let i = 0; i < job.workers; i++) workers.push(new Worker<RampJob, RampResult>(build, 'ramp'));
    // Every node beats at its own phase before the first login, as in a running fleet; the client processes load.
    await sleep(1_500);
    const startAt = Date.now() + 500;
    const samples: RampSample[] = [];
    const seen = new Map<string, NodeCount>();
    const look = async () => {
      // A /healthz that did not answer in time on a busy machine is a missed look, not a node gone: the
      // node keeps its last count (a node that exited is no longer listed at all).
      const counts = (await c.nodeCounts()).map((n) =>
        n.state === 'unreachable' ? (seen.get(n.id) ?? n) : n,
      );
      for (const n of counts) seen.set(n.id, n);
      const taking = counts.filter((n) => n.state === 'active');
      samples.push({
        tMs: Date.now() - startAt,
        connections: taking.reduce((a, n) => a + n.connections, 0),
        nodes: taking.length,
        desired: ctl.desired,
        fill: Math.max(0, ...taking.map((n) => n.connections / job.maxConnectionsPerNode)),
      });
      return counts;
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await look();
        await sleep(250);
      }
    })();
    await sleep(startAt - Date.now());
    ctl.start();
    const opened = workers.map(() => 0);
    const results = await Promise.all(
      workers.map((w, index) =>
        w.run(
          {
            authUrl: c.authUrl,
            credentials: c.benchCredentials!,
            total: job.clients,
            index,
            workers: job.workers,
            startAt,
            durationMs: job.rampMs,
            openTimeoutMs: job.openTimeoutMs,
            maxInFlight: 150,
            // A machine too busy for the ramp gets it cut, and reported, at twice its length at most.
            arrivalsUntil: Math.min(startAt + 2 * job.rampMs, answerBy - job.settleMs - job.openTimeoutMs),
            deadlineMs: job.deadlineMs,
          },
          (n) => {
            opened[index] = n;
            progress(opened.reduce((a, b) => a + b, 0));
          },
        ),
      ),
    );
    // The scale-out under way finishes: no launch pending, and one alarm's worth of periods since the last
    // arrival and since the last event decided nothing more.
    const quietMs = (job.policy.alarmDatapoints + 1) * job.periodMs;
    const arrivedAt = Date.now() - startAt;
    await until(
      () => {
        const last = Math.max(arrivedAt, ctl.events.at(-1)?.atMs ?? 0);
        return ctl.launching === 0 && Date.now() - startAt - last >= quietMs;
      },
      Math.max(0, Math.min(job.settleMs, answerBy - Date.now())),
      250,
    );
    await ctl.stop();
    sampling = false;
    await sampler;
    const final = await look();
    return { samples, events: ctl.events, datapoints: ctl.datapoints, clients: sumResults(results), final };
  },
  async stop() {
    await controller?.stop();
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await cluster?.stop();
  },
});
