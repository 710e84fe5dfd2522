import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { awsClientConfig } from '../../shared/aws-client';
import { runMain } from '../../shared/run-main';
import { stopSignal } from '../../shared/stop-signal';
import { Imds } from '../discovery/imds';
import { withRetry } from '../failover/retry';
import { failoverSettingsFromEnv, vipTargetFromSettings } from '../failover/settings';
import { VipMover } from '../failover/vip-mover';
import { LifecycleAction } from './lifecycle-action';
import { announceReady, type RollDeps, watchTermination } from './roll';
import { lifecycleSettingsFromEnv } from './settings';

const USAGE =
  'usage: lifecycle-main ready   (boot: complete the launch hook once serving)\n       lifecycle-main watch   (hand the VIP over before the group terminates this instance)';

/**
 * Entry point of the pair's roll (docs/decisions/0135-haproxy-pair-rolls-standby-first.md). `ready` runs at
 * the end of boot; `watch` runs as a service. Exit 0 done, 1 not ready / failed, 2 bad settings or usage.
 */
runMain('haproxy-lifecycle', async (logger) => {
  const [command] = process.argv.slice(2);
  const settings = lifecycleSettingsFromEnv();
  const vip = failoverSettingsFromEnv();
  logger.level = settings.LOG_LEVEL;
  if (command !== 'ready' && command !== 'watch') {
    logger.error({ event: 'usage', argv: process.argv.slice(2) }, USAGE);
    return 2;
  }
  const { signal, sleep } = stopSignal();

  // The SDK and IMDS both honour AWS_EC2_METADATA_SERVICE_ENDPOINT (stand-ins in the chaos scenarios).
  const imds = new Imds({ endpoint: process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT?.replace(/\/$/, '') });
  const retry = { maxAttempts: 6, sleep };
  const autoscaling = new AutoScalingClient(awsClientConfig({ region: settings.AWS_REGION, maxAttempts: 1 }));
  // IMDS can be slow to answer on a busy instance: a timeout at start is retried, not a failed boot.
  const instanceId = await withRetry(() => imds.instanceId(), retry);
  const eni = vip.NETWORK_INTERFACE_ID ?? (await withRetry(() => imds.primaryInterfaceId(), retry));
  const mover = new VipMover({
    client: new EC2Client(awsClientConfig({ region: settings.AWS_REGION, maxAttempts: 1 })),
    logger,
    target: vipTargetFromSettings(vip, eni),
    retry,
  });
  const [program, ...args] = settings.RELEASE_COMMAND.split(' ');
  const deps: RollDeps = {
    settings,
    autoscaling,
    action: new LifecycleAction({
      client: autoscaling,
      group: settings.PAIR_GROUP,
      instanceId,
      logger,
      retry,
    }),
    logger,
    targetLifecycleState: () => imds.get('autoscaling/target-lifecycle-state'),
    vipHeldHere: () => mover.heldHere(),
    healthy: async () => (await fetch(settings.HEALTH_URL, { signal: AbortSignal.timeout(2_000) })).ok,
    release: async () => {
      await promisify(execFile)(program!, args, { timeout: 30_000 });
    },
    sleep,
    signal,
  };
  logger.info({ event: 'lifecycle_start', command, instanceId, group: settings.PAIR_GROUP }, command);
  if (command === 'ready') return (await announceReady(deps)) ? 0 : 1;
  const outcome = await watchTermination(deps);
  logger.info({ event: 'lifecycle_done', outcome: outcome ?? 'stopped' }, 'lifecycle watch ended');
  return 0;
});
