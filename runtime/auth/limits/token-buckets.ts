export interface TokenBucketOptions {
  /** Tokens a new key starts with and never exceeds: the burst it may spend at once. */
  burst: number;
  /** Tokens added per minute, continuously. */
  perMinute: number;
  /** Keys remembered; past it the least recently used is forgotten (it starts full again). @default 10000 */
  maxKeys?: number;
  /** @default Date.now */
  now?: () => number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * One token bucket per key (a source address, a username), in this process's memory. Memory is bounded
 * by `maxKeys`; forgetting a key refills it, which a client can only force by spending on `maxKeys`
 * other keys first.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenBucketOptions) {
    this.perMs = options.perMinute / 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Take one token for `key`, or say in how many whole seconds one will be there. */
  take(key: string): TakeResult {
    const bucket = this.current(key);
    if (bucket.tokens >= 1) {
      this.store(key, bucket.tokens - 1);
      return { ok: true };
    }
    this.store(key, bucket.tokens);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /** Give back a token taken for `key` (capped at the burst). */
  refund(key: string): void {
    if (this.buckets.has(key)) this.store(key, Math.min(this.options.burst, this.current(key).tokens + 1));
  }

  /** Keys remembered now. */
  get size(): number {
    return this.buckets.size;
  }

  private current(key: string): { tokens: number; at: number } {
    const now = this.now();
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.options.burst, at: now };
    return { tokens: Math.min(this.options.burst, bucket.tokens + (now - bucket.at) * this.perMs), at: now };
  }

  private store(key: string, tokens: number): void {
    // Re-inserting keeps the Map in least-recently-used order: the first key is the one to forget.
    this.buckets.delete(key);
    this.buckets.set(key, { tokens, at: this.now() });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
