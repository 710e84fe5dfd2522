import { Progress } from '../../harness/progress';
import type { BoundedJob } from '../../harness/worker/protocol';
import { spread } from '../../harness/worker/spread';
import { Worker } from '../../harness/worker/worker';
import type { Build, WorkerName } from './worker-build';

/** Several load processes of one kind, run together with one progress bar over their summed progress. */
export class Load<J extends BoundedJob, R, S = unknown> {
  private constructor(
    readonly workers: Worker<J, R, S>[],
    readonly results: R[],
  ) {}

  static async run<J extends BoundedJob, R, S = unknown>(
    build: Build,
    name: WorkerName,
    jobs: J[],
    progress: { label: string; total: number },
  ): Promise<Load<J, R, S>> {
    const workers = jobs.map(() => new Worker<J, R, S>(build, name));
    const bar = new Progress(progress.label, progress.total);
    try {
      const results = await spread(
        workers,
        (w, i, onProgress) => w.run(jobs[i], onProgress),
        (n) => bar.update(n),
      );
      bar.done();
      return new Load(workers, results);
    } catch (err) {
      bar.done();
      await Promise.all(workers.map((w) => w.stop()));
      throw err;
    }
  }

  status(): Promise<S[]> {
    return Promise.all(this.workers.map((w) => w.status()));
  }

  stop(): Promise<void> {
    return Promise.all(this.workers.map((w) => w.stop())).then(() => undefined);
  }
}

/** Connections per second over a set of workers' [startedAt, finishedAt] windows. */
export function rate(opened: number, windows: { startedAt: number; finishedAt: number }[]): number {
  const start = Math.min(...windows.map((w) => w.startedAt));
  const end = Math.max(...windows.map((w) => w.finishedAt));
  return end > start ? (opened * 1000) / (end - start) : 0;
}
