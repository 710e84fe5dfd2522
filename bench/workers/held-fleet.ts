import { Worker } from '../../harness/worker/worker';
import { split } from '../harness/load';
import type { Build } from '../harness/worker-build';
import type { FleetJob, FleetResult } from './fleet-worker';

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
    const batch = split(count, processes).map(() => new Worker<FleetJob, FleetResult>(this.build, 'fleet'));
    this.workers.push(...batch);
    const done = batch.map(() => 0);
    const results = await Promise.all(
      batch.map((w, i) =>
        w.run({ ...settings, count: split(count, processes)[i] }, (n) => {
          done[i] = n;
          progress(done.reduce((a, b) => a + b, 0));
        }),
      ),
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
