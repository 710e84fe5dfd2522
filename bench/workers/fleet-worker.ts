import { type FleetJob, openFleet } from '../../harness/worker/fleet-job';
import { serveWorker } from '../../harness/worker/serve';
import type { ClientFleet, FleetStats } from '../../runtime/local/client-fleet';

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
    const startedAt = Date.now();
    const opened = await openFleet(job, progress);
    fleet = opened.fleet;
    const { connected, failed } = opened;
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
