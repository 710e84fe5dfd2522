import type { BoundedJob } from '../../harness/worker/protocol';
import { serveWorker } from '../../harness/worker/serve';
import { ClientFleet, type FleetStats } from '../../runtime/local/client-fleet';

export interface FleetJob extends BoundedJob {
  authUrl: string;
  credentials: { username: string; password: string };
  count: number;
  concurrency: number;
  openTimeoutMs: number;
}

export interface FleetResult {
  connected: number;
  failed: number;
  startedAt: number;
  finishedAt: number;
  byNode: Record<string, number>;
  stats: FleetStats;
}

export interface FleetStatus {
  connected: number;
  /** Closes of open sockets since the fleet opened: a held set that drops nothing keeps this at 0. */
  closes: number;
  reopens: number;
}

/** The product's client, many at once, through the auth service (`ClientFleet`). */
let fleet: ClientFleet | undefined;

serveWorker<FleetJob, FleetResult, FleetStatus>({
  async run(job, progress) {
    fleet = new ClientFleet({
      authUrl: job.authUrl,
      credentials: job.credentials,
      concurrency: job.concurrency,
      openTimeoutMs: job.openTimeoutMs,
      onProgress: (opened) => progress(opened),
    });
    const startedAt = Date.now();
    const { connected, failed } = await fleet.open(job.count);
    return {
      connected,
      failed,
      startedAt,
      finishedAt: Date.now(),
      byNode: Object.fromEntries(fleet.byNode()),
      stats: fleet.stats,
    };
  },
  status() {
    const closes = Object.values(fleet?.stats.closesByCode ?? {}).reduce((a, b) => a + b, 0);
    return { connected: fleet?.connectedCount() ?? 0, closes, reopens: fleet?.stats.reopens ?? 0 };
  },
  async stop() {
    fleet?.closeAll();
  },
});
