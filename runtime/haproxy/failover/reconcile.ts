import type { Logger } from '../../shared/log';
import type { ContestRole } from './contest-role';
import type { KeepalivedView } from './keepalived-probe';

/** The VIP as the loop sees it: a Describe-only check, and the idempotent move. */
export interface VipControl {
  allHere(): Promise<boolean>;
  ensure(): Promise<unknown>;
}

export interface ReconcileOptions {
  /** Read fresh every round: keepalived alive and MASTER now, not what a state file said once. */
  keepalived: () => Promise<KeepalivedView>;
  vip: VipControl;
  /** What to do when the peer takes the VIP while this side is MASTER (contest-role.ts). */
  role: ContestRole;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  /** @default 30_000 */
  intervalMs?: number;
  /** Rounds the VIP must stay here before a taking is forgiven (the next one gets a take-back again). @default 10 */
  calmRounds?: number;
  /** Longest back-off between the `keep` side's take-backs, in rounds. @default 16 */
  maxBackoffRounds?: number;
  /** Ends the loop (SIGTERM). */
  signal?: AbortSignal;
  /** Bound for tests. @default Infinity */
  maxRounds?: number;
}

export interface ReconcileSummary {
  /** Rounds in which a move was attempted and failed. */
  failures: number;
  /** Moves this loop made (claims and take-backs). */
  moves: number;
}

/** One MASTER spell of the local keepalived, as the loop has seen it. */
interface Spell {
  id: string;
  /** The VIP was here at some point of this spell (moved by the notify, or by this loop). */
  held: boolean;
  /** Moves this loop made in the spell since the VIP last stayed here for `calmRounds`. */
  moves: number;
  calm: number;
  /** Rounds still to skip before the next move (the `keep` side's back-off). */
  wait: number;
  standingDown: boolean;
}

/**
 * While keepalived is alive and MASTER, keep the VIP here: a missed or failed notify move is repaired
 * (keepalived#950: the peer was MASTER for a moment and took the VIP). A VIP taken *while* this side is
 * MASTER may also mean the peer is MASTER too, a split brain; re-asserting it every round would move it
 * back and forth for ever, cutting every WebSocket each time. So on the `yield` side the loop moves the VIP
 * at most once per spell and stands down when it is taken again, until keepalived's state changes; the
 * `keep` side moves it back with an exponential back-off. Moves are bounded, and the VIP ends on the side
 * VRRP keeps once the split heals. See docs/decisions/0110-failover-split-brain.md.
 */
export async function reconcileLoop(options: ReconcileOptions): Promise<ReconcileSummary> {
  const { logger, signal, vip, role } = options;
  const maxRounds = options.maxRounds ?? Number.POSITIVE_INFINITY;
  const calmRounds = options.calmRounds ?? 10;
  const maxBackoff = options.maxBackoffRounds ?? 16;
  const summary: ReconcileSummary = { failures: 0, moves: 0 };
  let spell: Spell | undefined;
  let idleReason: string | undefined;

  const move = async (s: Spell) => {
    const [event, message] = s.held
      ? ['vip_taken_back', 'the VIP was taken while this side is MASTER; took it back']
      : ['vip_claimed', 'the VIP was not here since this side became MASTER; moved it here'];
    try {
      await vip.ensure();
      summary.moves++;
      s.held = true;
      logger.warn({ event, role, moves: s.moves }, message);
    } catch (error) {
      summary.failures++;
      logger.error({ event: 'reconcile_failed', err: error }, 'could not move the VIP here; next round');
    }
  };

  const round = async () => {
    const view = await options.keepalived();
    if (!view.master) {
      if (view.reason !== idleReason) {
        logger.info({ event: 'reconcile_idle', reason: view.reason }, 'not MASTER now; nothing to assert');
      }
      idleReason = view.reason;
      spell = undefined;
      return;
    }
    idleReason = undefined;
    if (spell?.id !== view.spell) {
      spell = { id: view.spell, held: false, moves: 0, calm: 0, wait: 0, standingDown: false };
    }
    const s = spell;
    if (s.standingDown) return;
    if (s.wait > 0) {
      s.wait--;
      return;
    }
    if (await vip.allHere()) {
      s.held = true;
      if (++s.calm >= calmRounds) s.moves = 0;
      return;
    }
    s.calm = 0;
    if (role === 'yield' && s.moves >= 1) {
      s.standingDown = true;
      logger.error(
        { event: 'vip_contested', role, moves: s.moves },
        'the VIP was taken again while this side is MASTER: the peer is MASTER too (split brain: VRRP ' +
          'between the pair broken?); standing down until keepalived changes state',
      );
      return;
    }
    s.moves++;
    await move(s);
    if (role === 'keep') s.wait = Math.min(maxBackoff, 2 ** (s.moves - 1) - 1);
  };

  for (let n = 0; n < maxRounds && !signal?.aborted; n++) {
    try {
      await round();
    } catch (error) {
      summary.failures++;
      logger.error({ event: 'reconcile_failed', err: error }, 'reconcile round failed; next round');
    }
    if (n + 1 < maxRounds && !signal?.aborted) await options.sleep(options.intervalMs ?? 30_000);
  }
  return summary;
}
