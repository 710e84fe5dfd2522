/** Split `total` into `parts` near-equal integers (the first ones one larger). */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * Runs one piece of work per worker, all at once, and reports the sum of their progress counts to
 * `onProgress`: the one way bench and chaos spread a load over processes. Rejects with the first failure.
 */
export function spread<W, R>(
  workers: readonly W[],
  run: (worker: W, index: number, progress: (done: number) => void) => Promise<R>,
  onProgress?: (total: number) => void,
): Promise<R[]> {
  const done = workers.map(() => 0);
  return Promise.all(
    workers.map((worker, i) =>
      run(worker, i, (n) => {
        done[i] = n;
        onProgress?.(done.reduce((a, b) => a + b, 0));
      }),
    ),
  );
}
