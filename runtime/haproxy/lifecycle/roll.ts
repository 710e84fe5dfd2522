import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { Logger } from '../../shared/log';
import { readVrrpState, type VrrpState } from '../failover/state-file';
import type { LifecycleAction } from './lifecycle-action';
import { type PairView, readPairView, readyPeer } from './pair-view';
import type { LifecycleSettings } from './settings';

/** What the pair's lifecycle program needs from the world; every piece is replaced in tests. */
export interface RollDeps {
  readonly settings: LifecycleSettings;
  readonly autoscaling: AutoScalingClient;
  readonly action: LifecycleAction;
  readonly logger: Logger;
  /** IMDS `autoscaling/target-lifecycle-state`; undefined while IMDS has none (404) or cannot answer. */
  readonly targetLifecycleState: () => Promise<string | undefined>;
  /** Whether any part of the VIP (Elastic IP, overlay route, private VIP) still points at this ENI. */
  readonly vipHeldHere: () => Promise<boolean>;
  /** Whether HAProxy answers its monitor URI with 200. */
  readonly healthy: () => Promise<boolean>;
  /** Runs RELEASE_COMMAND (stops keepalived, which hands the VIP to the peer at once). */
  readonly release: () => Promise<void>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

export type HandoverOutcome = 'was-standby' | 'handed-over' | 'peer-took-over';

const seconds = (s: number) => s * 1000;

/**
 * The instance is leaving (its group terminates it: a rolling update, a health replacement). A standby goes
 * at once. The active first waits until the peer is in service on the version this instance's replacement
 * will run — so when both sides roll, the standby is replaced first and the clients move exactly once — then
 * stops keepalived (the peer takes over within one advert), waits until the VIP has left this ENI, and only
 * then lets the group terminate it. While it waits it keeps the termination hook alive with heartbeats.
 */
export async function handOver(deps: RollDeps): Promise<HandoverOutcome> {
  const { settings, logger, action } = deps;
  const now = deps.now ?? Date.now;
  const state = await readVrrpState(settings.VRRP_STATE_FILE);
  if (state !== 'MASTER') {
    logger.info({ event: 'roll_standby_leaves', state: state ?? 'unknown' }, 'standby leaves at once');
    await action.complete(settings.TERMINATE_HOOK, 'CONTINUE');
    return 'was-standby';
  }
  logger.info(
    { event: 'roll_active_waits' },
    'active: waiting for a peer on the new version before handing over',
  );
  let lastBeat = now();
  for (;;) {
    const view = await readPairView(deps.autoscaling, settings.PAIR_GROUP, settings.PEER_GROUP).catch(
      (error: unknown) => {
        logger.warn({ event: 'pair_view_failed', err: error }, 'could not read the pair; trying again');
        return undefined;
      },
    );
    const peer = view && readyPeer(view);
    if (peer) {
      logger.info({ event: 'roll_peer_ready', peer: peer.instanceId, version: peer.version }, 'peer ready');
      break;
    }
    const current: VrrpState | undefined = await readVrrpState(settings.VRRP_STATE_FILE);
    if (current !== 'MASTER') {
      logger.warn({ event: 'roll_peer_took_over', state: current }, 'no longer MASTER while waiting');
      await action.complete(settings.TERMINATE_HOOK, 'CONTINUE');
      return 'peer-took-over';
    }
    if (now() - lastBeat >= seconds(settings.HEARTBEAT_SECONDS)) {
      await action
        .heartbeat(settings.TERMINATE_HOOK)
        .then(() => {
          lastBeat = now();
        })
        .catch((error: unknown) =>
          logger.error({ event: 'heartbeat_failed', err: error }, 'heartbeat failed'),
        );
    }
    logger.debug({ event: 'roll_waiting', view: describeView(view) }, 'peer not ready yet');
    if (deps.signal?.aborted) throw new Error('handover interrupted while waiting for the peer');
    await deps.sleep(seconds(settings.LIFECYCLE_POLL_SECONDS));
  }
  await deps.release();
  logger.info({ event: 'roll_released' }, 'keepalived stopped: the peer takes the VIP');
  const deadline = now() + seconds(settings.HANDOVER_CONFIRM_SECONDS);
  let held = true;
  while (held && now() < deadline) {
    held = await deps.vipHeldHere().catch(() => true);
    if (held) await deps.sleep(1_000);
  }
  if (held)
    logger.error(
      { event: 'roll_vip_still_here', waitedSeconds: settings.HANDOVER_CONFIRM_SECONDS },
      "the peer's failover did not take the VIP in time; leaving anyway (its reconcile loop keeps trying)",
    );
  await action.complete(settings.TERMINATE_HOOK, 'CONTINUE');
  return 'handed-over';
}

function describeView(view: PairView | undefined) {
  if (!view) return undefined;
  return {
    targetVersion: view.targetVersion,
    peers: view.peers.map((p) => `${p.instanceId}:${p.lifecycleState}:v${p.version}`),
  };
}

/**
 * A new instance: once HAProxy serves and keepalived has settled (BACKUP, or MASTER when it is alone),
 * complete the launch hook so the group puts it in service — the signal the active side waits for.
 * Abandons the launch (the group replaces the instance) when that takes longer than READY_TIMEOUT_SECONDS.
 */
export async function announceReady(deps: RollDeps): Promise<boolean> {
  const { settings, logger, action } = deps;
  const now = deps.now ?? Date.now;
  const deadline = now() + seconds(settings.READY_TIMEOUT_SECONDS);
  for (;;) {
    const [healthy, state] = await Promise.all([
      deps.healthy().catch(() => false),
      readVrrpState(settings.VRRP_STATE_FILE),
    ]);
    if (healthy && (state === 'BACKUP' || state === 'MASTER')) {
      logger.info({ event: 'pair_ready', state }, 'HAProxy serves and keepalived runs');
      await action.complete(settings.LAUNCH_HOOK, 'CONTINUE');
      return true;
    }
    if (now() >= deadline || deps.signal?.aborted) {
      logger.error({ event: 'pair_not_ready', healthy, state }, 'not ready in time: abandoning the launch');
      await action.complete(settings.LAUNCH_HOOK, 'ABANDON');
      return false;
    }
    await deps.sleep(1_000);
  }
}

/** Polls IMDS until the group is terminating this instance, then hands over. Returns undefined if stopped. */
export async function watchTermination(deps: RollDeps): Promise<HandoverOutcome | undefined> {
  while (!deps.signal?.aborted) {
    const target = await deps.targetLifecycleState().catch(() => undefined);
    if (target === 'Terminated') {
      deps.logger.info({ event: 'roll_terminating' }, 'the group is terminating this instance');
      return handOver(deps);
    }
    await deps.sleep(seconds(deps.settings.LIFECYCLE_POLL_SECONDS));
  }
  return undefined;
}
