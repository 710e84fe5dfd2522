/** The q-quantile (0..1) of `values` by nearest rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function summarize(values: readonly number[]): { p50: number; p99: number; max: number; n: number } {
  return {
    p50: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    max: values.length ? Math.max(...values) : Number.NaN,
    n: values.length,
  };
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const count = (n: number) => n.toLocaleString('en-US');
/** `value` rounded to `digits` decimals. */
export const round = (value: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `predicate` every `everyMs` until it holds or `timeoutMs` passes; resolves with whether it held. */
export async function until(predicate: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
