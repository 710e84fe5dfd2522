import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Logger } from '../../shared/log';
import { reconcileLoop } from './reconcile';
import { type FailoverSettings, vipTargetFromSettings } from './settings';
import { readVrrpState, type VrrpState, writeVrrpState } from './state-file';
import { VipMover } from './vip-mover';

export interface FailoverDeps {
  settings: FailoverSettings;
  client: EC2Client;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** Resolves this instance's ENI when NETWORK_INTERFACE_ID is not set (IMDS in AWS). */
  interfaceId: () => Promise<string>;
  signal?: AbortSignal;
  /** Bound for tests. */
  maxReconcileRounds?: number;
}

const NOTIFY_ARGS: Record<string, VrrpState> = {
  master: 'MASTER',
  backup: 'BACKUP',
  fault: 'FAULT',
  stop: 'STOP',
};

export const FAILOVER_USAGE =
  'usage: failover-main master|backup|fault|stop   (keepalived notify)\n       failover-main --reconcile';

async function mover(deps: FailoverDeps): Promise<VipMover> {
  const s = deps.settings;
  return new VipMover({
    client: deps.client,
    logger: deps.logger,
    target: vipTargetFromSettings(s, s.NETWORK_INTERFACE_ID ?? (await deps.interfaceId())),
    retry: { maxAttempts: s.FAILOVER_MAX_ATTEMPTS, sleep: deps.sleep, random: deps.random },
    confirmTimeoutMs: s.FAILOVER_CONFIRM_SECONDS * 1000,
  });
}

/**
 * keepalived notify (`master|backup|fault|stop`): record the state; on `master` move the VIP here.
 * `--reconcile`: loop while running, re-asserting the VIP whenever the recorded state is MASTER.
 * Returns the exit code: 0 done, 1 the VIP could not be moved, 2 usage.
 */
export async function runFailover(argv: readonly string[], deps: FailoverDeps): Promise<number> {
  const { logger, settings } = deps;
  const [arg] = argv;
  if (arg === '--reconcile') {
    const vip = await mover(deps);
    const failures = await reconcileLoop({
      readState: () => readVrrpState(settings.VRRP_STATE_FILE),
      ensure: () => vip.ensure(),
      sleep: deps.sleep,
      logger,
      intervalMs: settings.RECONCILE_SECONDS * 1000,
      signal: deps.signal,
      maxRounds: deps.maxReconcileRounds,
    });
    logger.info({ event: 'reconcile_stopped', failures }, 'reconcile loop stopped');
    return 0;
  }
  const state = arg ? NOTIFY_ARGS[arg.toLowerCase()] : undefined;
  if (!state) {
    logger.error({ event: 'usage', argv }, FAILOVER_USAGE);
    return 2;
  }
  await writeVrrpState(settings.VRRP_STATE_FILE, state);
  logger.info({ event: 'vrrp_state', state }, `keepalived says ${state}`);
  if (state !== 'MASTER') return 0;
  try {
    const report = await (await mover(deps)).ensure();
    logger.info({ event: 'failover_done', ...report }, 'VIP is on this instance');
    return 0;
  } catch (error) {
    logger.error({ event: 'failover_failed', err: error }, 'could not move the VIP here');
    return 1;
  }
}
