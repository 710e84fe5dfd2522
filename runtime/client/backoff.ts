export interface BackoffOptions {
  /** Window of the first retry after a failure that only this client saw. @default 100 */
  baseMs?: number;
  /** Largest window of the exponential back-off. @default 10000 */
  maxMs?: number;
  /**
   * Window of the first retry after an UNPLANNED close (the node died: 1006, 1001, 1011, 1013, or a silent
   * server dropped by `deadAfterMs`). Every client of that node retries at once, so their logins are spread
   * over this window: size it as the clients one node holds ÷ the logins per second the auth service should
   * take from them (10,000 clients ÷ 2,000 logins/s = 5 s). A planned move (1012: a drain, or a switch of
   * path) is spread by the node itself over its drain window, and its retry starts from `baseMs` (below).
   * @default 5000
   */
  unplannedSpreadMs?: number;
  /**
   * A socket that stayed open this long counts as a success and resets the attempt count; one that closes
   * sooner keeps it, so a node that accepts and then dies does not send its clients back at the tiny first
   * window every time. A planned move (1012 on an open socket) is the exception: its window is
   * `baseMs·2^moves`, `moves` counting the 1012s since the last stable socket, so the first move after a
   * burst of failures comes back within `baseMs` and a client bounced again and again still backs off
   * (decision 0184). @default 30000
   */
  stableAfterMs?: number;
}

export const BACKOFF_DEFAULTS: Required<BackoffOptions> = {
  baseMs: 100,
  maxMs: 10_000,
  unplannedSpreadMs: 5_000,
  stableAfterMs: 30_000,
};

/**
 * Full-jitter exponential back-off: a uniform delay in [0, min(max, base·2^attempt)).
 * Spreads a crowd of reconnecting clients instead of sending them back in waves.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? BACKOFF_DEFAULTS.baseMs;
  const max = options.maxMs ?? BACKOFF_DEFAULTS.maxMs;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export interface RetryInput {
  /** Retries since the last stable connection (for a planned move: the moves since then, decision 0184). */
  attempt: number;
  /** The server's `Retry-After` in milliseconds: the delay never goes below it. @default 0 */
  floorMs?: number;
  /** The first retry after an unplanned close: the window is at least `unplannedSpreadMs`. @default false */
  unplanned?: boolean;
}

/**
 * Delay before the next retry, in milliseconds: `floor + uniform[0, window)` where window is the largest of
 * the exponential window (base·2^attempt, at most max), `unplannedSpreadMs` after an unplanned close, and
 * the floor itself (so a crowd told `Retry-After: 2` comes back over 2-4 s, not all at 2 s).
 */
export function retryDelay(input: RetryInput, random: () => number, options: BackoffOptions = {}): number {
  const o = { ...BACKOFF_DEFAULTS, ...options };
  const floor = Math.max(0, input.floorMs ?? 0);
  const exponential = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(input.attempt, 30));
  const window = Math.max(exponential, input.unplanned ? o.unplannedSpreadMs : 0, floor);
  return floor + Math.floor(random() * window);
}
