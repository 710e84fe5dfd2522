import { Progress } from '../../harness/progress';
import type { BoundedJob } from '../../harness/worker/protocol';
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
    const done = jobs.map(() => 0);
    const bar = new Progress(progress.label, progress.total);
    try {
      const results = await Promise.all(
        workers.map((w, i) =>
          w.run(jobs[i], (n) => {
            done[i] = n;
            bar.update(done.reduce((a, b) => a + b, 0));
          }),
        ),
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

/** Split `total` into `parts` near-equal integers. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** Connections per second over a set of workers' [startedAt, finishedAt] windows. */
export function rate(opened: number, windows: { startedAt: number; finishedAt: number }[]): number {
  const start = Math.min(...windows.map((w) => w.startedAt));
  const end = Math.max(...windows.map((w) => w.finishedAt));
  return end > start ? (opened * 1000) / (end - start) : 0;
}
