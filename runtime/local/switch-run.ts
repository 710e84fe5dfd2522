import type { Strategy } from '../contract/strategies';
import { counted } from '../shared/plural';
import type { ClientFleet } from './client-fleet';

/** What a live switch did to a fleet of connected clients (`npm start -- --switch-to`, chaos). */
export interface SwitchOutcome {
  from: Strategy;
  to: Strategy;
  /** Clients connected when the switch began. */
  clients: number;
  /** Of those, connected on the new path at the end. */
  onNewPath: number;
  /** Not connected at the end (or stopped by an auth refusal). */
  lost: number;
  /** Closes without a close frame (1006) during the switch: a reset, never a graceful move. */
  abnormalCloses: number;
  /** From the switch command until every client was on the new path (or the wait ended, or a step failed). */
  seconds: number;
  /**
   * Set when a step of the switch threw: which step and its error. The figures above are then what was reached
   * when it failed (the wait for the clients is skipped, and the old path is not retired).
   */
  failed?: { step: string; error: string };
}

/** A step of a switch threw: the message names the step, e.g. "switch step 'start the haproxy path' failed: …". */
export class SwitchStepError extends Error {
  constructor(
    readonly step: string,
    readonly cause: unknown,
  ) {
    super(`switch step '${step}' failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'SwitchStepError';
  }
}

/** Run one step of a switch, its error wrapped in a {@link SwitchStepError} naming `step` (once: an inner name wins). */
export async function switchStep<T>(step: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw err instanceof SwitchStepError ? err : new SwitchStepError(step, err);
  }
}

/** The part of the local cluster a switch run drives. */
export interface Switchable {
  readonly currentPath: { strategy: Strategy; retiring?: Strategy };
  pathOf(url: string): Strategy | undefined;
  /** @throws ClusterBusyError while a switch or retire runs; Error when refused (already on `to`, …) */
  switchTo(to: Strategy): Promise<void>;
  /**
   * Resolves with the retired strategy, or undefined when nothing was retiring.
   * @throws RetireRefusedError while clients are still on the retiring path, unless `force`
   * @throws ClusterBusyError while a switch or another retire runs
   */
  retire(options?: { force?: boolean }): Promise<Strategy | undefined>;
}

/** `retire` refused: clients are still connected by the retiring path (`clients`: by node id, only those with any). */
export class RetireRefusedError extends Error {
  constructor(
    readonly retiring: Strategy,
    readonly clients: Readonly<Record<string, number>>,
  ) {
    const total = Object.values(clients).reduce((sum, n) => sum + n, 0);
    const where = Object.entries(clients)
      .map(([node, n]) => `${node}: ${n}`)
      .join(', ');
    super(
      `${retiring} still holds ${counted(total, 'client')} (${where}): wait until the move has ended, or retire with ` +
        'force to cut them (they reconnect through auth)',
    );
    this.name = 'RetireRefusedError';
  }
}

export interface SwitchRunOptions {
  /** Give up waiting for the move after this long. */
  timeoutMs: number;
  /** Retire the old path once every client has moved (or the wait ended), as deploy 2. @default true */
  retire?: boolean;
  /** Progress lines. @default none */
  onProgress?: (onNewPath: number, clients: number) => void;
}

/**
 * Switch `cluster` to `to` under `fleet`'s connected clients and wait until each of them is connected on the new
 * path (the nodes move them with 1012; they log in again and are handed the new path), or until `timeoutMs`.
 * Passes when `onNewPath === clients`, `lost === 0` and `abnormalCloses === 0` (see {@link switchPassed}).
 * Never throws for a failed step: the outcome carries `failed` (the step and its error) with the figures reached.
 */
export async function runSwitch(
  cluster: Switchable,
  fleet: ClientFleet,
  to: Strategy,
  options: SwitchRunOptions,
): Promise<SwitchOutcome> {
  const from = cluster.currentPath.strategy;
  const clients = fleet.clients.filter((c) => c.connected);
  const abnormalBefore = fleet.stats.closesByCode[1006] ?? 0;
  const onPath = () =>
    clients.filter((c) => c.connected && cluster.pathOf(fleet.urlOf.get(c) ?? '') === to).length;
  const started = Date.now();
  let failed: SwitchOutcome['failed'];
  const failedAt = (err: unknown) => {
    const stepError = err instanceof SwitchStepError ? err : new SwitchStepError(`switch to ${to}`, err);
    failed = { step: stepError.step, error: stepError.message };
  };
  await switchStep(`switch to ${to}`, () => cluster.switchTo(to)).catch(failedAt);
  let last = -1;
  while (!failed && Date.now() - started < options.timeoutMs) {
    const now = onPath();
    if (now !== last) options.onProgress?.(now, clients.length);
    last = now;
    if (now === clients.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  const outcome: SwitchOutcome = {
    from,
    to,
    clients: clients.length,
    onNewPath: onPath(),
    lost: clients.filter((c) => !c.connected).length,
    abnormalCloses: (fleet.stats.closesByCode[1006] ?? 0) - abnormalBefore,
    seconds: Math.round(seconds * 10) / 10,
  };
  // As deploy 2: whoever has not moved by now is cut (and reconnects through auth); the outcome is already taken.
  if (!failed && (options.retire ?? true)) {
    await switchStep(`retire the ${from} path`, () => cluster.retire({ force: true })).catch(failedAt);
  }
  return failed ? { ...outcome, failed } : outcome;
}

/** No step failed, every client ended on the new path, none was lost, and none saw a reset. */
export const switchPassed = (o: SwitchOutcome): boolean =>
  !o.failed && o.clients > 0 && o.onNewPath === o.clients && o.lost === 0 && o.abnormalCloses === 0;
