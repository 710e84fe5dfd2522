import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Logger } from '../../shared/log';
import { contestRole } from './contest-role';
import { type KeepalivedView, probeKeepalived, readPidFile } from './keepalived-probe';
import { reconcileLoop } from './reconcile';
import { type FailoverSettings, vipTargetFromSettings } from './settings';
import { type VrrpState, writeVrrpState } from './state-file';
import { VipMover } from './vip-mover';

export interface FailoverDeps {
  settings: FailoverSettings;
  client: EC2Client;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** Resolves this instance's ENI when NETWORK_INTERFACE_ID is not set (IMDS in AWS). */
  interfaceId: () => Promise<string>;
  /** Is keepalived alive and MASTER now. @default - keepalived-probe.ts on the settings' pid and state files */
  keepalived?: () => Promise<KeepalivedView>;
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

async function reconcile(deps: FailoverDeps): Promise<number> {
  const { logger, settings: s } = deps;
  const role = contestRole(
    { priority: s.KEEPALIVED_PRIORITY, ip: s.OWN_IP },
    { priority: s.PEER_KEEPALIVED_PRIORITY, ip: s.PEER_IP },
  );
  if (s.KEEPALIVED_PRIORITY === undefined || s.PEER_KEEPALIVED_PRIORITY === undefined) {
    logger.warn(
      { event: 'contest_role_unknown' },
      'KEEPALIVED_PRIORITY or PEER_KEEPALIVED_PRIORITY unset: this side yields the VIP in a split brain',
    );
  }
  logger.info({ event: 'reconcile_start', role, intervalSeconds: s.RECONCILE_SECONDS }, 'reconcile loop on');
  const summary = await reconcileLoop({
    keepalived:
      deps.keepalived ??
      (() => probeKeepalived({ vrrpPidFile: s.KEEPALIVED_VRRP_PID_FILE, stateFile: s.VRRP_STATE_FILE })),
    vip: await mover(deps),
    role,
    sleep: deps.sleep,
    logger,
    intervalMs: s.RECONCILE_SECONDS * 1000,
    signal: deps.signal,
    maxRounds: deps.maxReconcileRounds,
  });
  logger.info({ event: 'reconcile_stopped', ...summary }, 'reconcile loop stopped');
  return 0;
}

/**
 * keepalived notify (`master|backup|fault|stop`): record the state and the keepalived process that
 * notified; on `master` move the VIP here. `--reconcile`: loop while running, keeping the VIP here while
 * keepalived is alive and MASTER (reconcile.ts). Returns the exit code: 0 done, 1 the VIP could not be
 * moved, 2 usage.
 */
export async function runFailover(argv: readonly string[], deps: FailoverDeps): Promise<number> {
  const { logger, settings } = deps;
  const [arg] = argv;
  if (arg === '--reconcile') return reconcile(deps);
  const state = arg ? NOTIFY_ARGS[arg.toLowerCase()] : undefined;
  if (!state) {
    logger.error({ event: 'usage', argv }, FAILOVER_USAGE);
    return 2;
  }
  const keepalivedPid = await readPidFile(settings.KEEPALIVED_VRRP_PID_FILE);
  await writeVrrpState(settings.VRRP_STATE_FILE, state, { keepalivedPid });
  logger.info({ event: 'vrrp_state', state, keepalivedPid }, `keepalived says ${state}`);
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
