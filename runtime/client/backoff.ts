export interface BackoffOptions {
  /** @default 100 */
  baseMs?: number;
  /** @default 10000 */
  maxMs?: number;
}

/**
 * Full-jitter exponential back-off: a uniform delay in [0, min(max, base·2^attempt)).
 * Spreads a crowd of reconnecting clients instead of sending them back in waves.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 100;
  const max = options.maxMs ?? 10_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
