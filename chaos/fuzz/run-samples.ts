import fc from 'fast-check';

export interface SampleRun<T> {
  runs: number;
  statuses: Record<string, number>;
  /** The first few inputs that broke the rule, as generated (no shrinking: the samples run concurrently). */
  failures: Array<{ input: T; status: number; why: string }>;
}

/**
 * Draws `runs` inputs from `arb` (seeded, so a failure can be replayed) and sends them `concurrency` at a
 * time; `judge` returns why an answer breaks the rule, or undefined.
 */
export async function runSamples<T>(
  arb: fc.Arbitrary<T>,
  runs: number,
  send: (input: T) => Promise<number>,
  judge: (input: T, status: number) => string | undefined,
  options: { seed: number; concurrency?: number; onProgress?: (done: number) => void },
): Promise<SampleRun<T>> {
  const inputs = fc.sample(arb, { numRuns: runs, seed: options.seed });
  const out: SampleRun<T> = { runs, statuses: {}, failures: [] };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const input = inputs[next++];
      const status = await send(input);
      out.statuses[status] = (out.statuses[status] ?? 0) + 1;
      const why = judge(input, status);
      if (why && out.failures.length < 5) out.failures.push({ input, status, why });
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return out;
}
