import type { Logger } from '../../shared/log';
import type { VrrpState } from './state-file';

export interface ReconcileOptions {
  readState: () => Promise<VrrpState | undefined>;
  /** Puts the VIP here; idempotent (Describe first). */
  ensure: () => Promise<unknown>;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  /** @default 30_000 */
  intervalMs?: number;
  /** Ends the loop (SIGTERM). */
  signal?: AbortSignal;
  /** Bound for tests. @default Infinity */
  maxRounds?: number;
}

/**
 * While keepalived says this instance is MASTER, re-assert the VIP every interval. A notify can be missed
 * (keepalived#950: the backup is MASTER for a moment, takes the VIP, and the real master is re-elected
 * without its notify_master running again), so the master takes the VIP back here.
 * Returns the number of rounds in which ensure() failed.
 */
export async function reconcileLoop(options: ReconcileOptions): Promise<number> {
  const { logger, signal } = options;
  const maxRounds = options.maxRounds ?? Number.POSITIVE_INFINITY;
  let failures = 0;
  for (let round = 0; round < maxRounds && !signal?.aborted; round++) {
    const state = await options.readState();
    if (state === 'MASTER') {
      try {
        await options.ensure();
      } catch (error) {
        failures++;
        logger.error(
          { event: 'reconcile_failed', err: error },
          'could not re-assert the VIP; retrying next round',
        );
      }
    } else {
      logger.debug({ event: 'reconcile_idle', state: state ?? 'unknown' }, 'not MASTER; nothing to assert');
    }
    if (round + 1 < maxRounds && !signal?.aborted) await options.sleep(options.intervalMs ?? 30_000);
  }
  return failures;
}
