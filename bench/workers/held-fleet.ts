import type { FleetJob } from '../../harness/worker/fleet-job';
import { split, spread } from '../../harness/worker/spread';
import { Worker } from '../../harness/worker/worker';
import type { Build } from '../harness/worker-build';
import type { FleetResult } from './fleet-worker';

export type FleetSettings = Omit<FleetJob, 'count'>;

/**
 * Clients held open by several fleet processes (each far below the 20k-file limit), started from a host
 * process: they inherit its network namespace. `stop()` closes them all.
 */
export class HeldFleet {
  private readonly workers: Worker<FleetJob, FleetResult>[] = [];
  connected = 0;
  failed = 0;

  constructor(private readonly build: Build) {}

  /** Open `count` more clients over `processes` new fleet processes; `progress` gets this batch's opens. */
  async open(
    settings: FleetSettings,
    count: number,
    processes: number,
    progress: (opened: number) => void,
  ): Promise<void> {
    const counts = split(count, processes);
    const batch = counts.map(() => new Worker<FleetJob, FleetResult>(this.build, 'fleet'));
    this.workers.push(...batch);
    const results = await spread(
      batch,
      (w, i, onProgress) => w.run({ ...settings, count: counts[i] }, onProgress),
      progress,
    );
    for (const r of results) {
      this.connected += r.connected;
      this.failed += r.failed;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.stop()));
  }
}
