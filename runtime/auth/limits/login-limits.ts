import { ConcurrencyGate, type GateResult } from './concurrency-gate';
import { sourceKey } from './source-key';
import { TokenBuckets } from './token-buckets';

/** What one auth instance lets a client spend on logins. */
export interface LoginLimitSettings {
  /** Attempts one source address (an IPv6 /64) may start at once. */
  ipBurst: number;
  /** Attempts a minute one source address may make after its burst. */
  ipPerMinute: number;
  /** Failed attempts one username may take at once (a success gives its token back). */
  userBurst: number;
  /** Failed attempts a minute one username may take after its burst. */
  userPerMinute: number;
  /** Password checks (scrypt) computed at once. */
  concurrency: number;
  /** Checks waiting for a slot beyond those; further ones are refused at once. */
  queue: number;
}

/**
 * Defaults for one Lambda execution environment (it serves one request at a time, so `concurrency` and
 * `queue` matter only where one process serves many, as the local cluster does). Figures and their
 * reasons: docs/decisions/0115-login-limits.md.
 */
export const LOGIN_LIMIT_DEFAULTS: LoginLimitSettings = {
  ipBurst: 20,
  ipPerMinute: 60,
  userBurst: 10,
  userPerMinute: 6,
  concurrency: 2,
  queue: 32,
};

/** A refused attempt: 429 (this client or username spent its share) or 503 (the instance is busy). */
export interface LoginRefusal {
  status: 429 | 503;
  reason: 'source-rate' | 'user-rate' | 'busy';
  retryAfterSeconds: number;
}

/** Per-instance limits on login attempts: per source and per username token buckets, bounded checks. */
export class LoginLimits {
  private readonly sources: TokenBuckets;
  private readonly users: TokenBuckets;
  private readonly checks: ConcurrencyGate;

  constructor(settings: LoginLimitSettings, now: () => number = Date.now) {
    this.sources = new TokenBuckets({ burst: settings.ipBurst, perMinute: settings.ipPerMinute, now });
    this.users = new TokenBuckets({ burst: settings.userBurst, perMinute: settings.userPerMinute, now });
    this.checks = new ConcurrencyGate(settings.concurrency, settings.queue);
  }

  /** Take a token for the client's address; a refusal says when to come back. */
  admitSource(address: string | undefined): LoginRefusal | undefined {
    const taken = this.sources.take(sourceKey(address));
    return taken.ok
      ? undefined
      : { status: 429, reason: 'source-rate', retryAfterSeconds: taken.retryAfterSeconds };
  }

  /**
   * Check a password for `username` within its bucket and a check slot. The token is given back when
   * the check succeeds or never ran, so only failed checks use up a username's attempts.
   */
  async checkPassword(
    username: string,
    check: () => Promise<boolean>,
  ): Promise<{ ok: boolean } | { refused: LoginRefusal }> {
    const taken = this.users.take(username);
    if (!taken.ok) {
      return { refused: { status: 429, reason: 'user-rate', retryAfterSeconds: taken.retryAfterSeconds } };
    }
    let result: GateResult<boolean> = { admitted: false };
    try {
      result = await this.checks.run(check);
    } finally {
      if (!result.admitted || result.value) this.users.refund(username);
    }
    if (!result.admitted) return { refused: { status: 503, reason: 'busy', retryAfterSeconds: 1 } };
    return { ok: result.value };
  }
}
