import { EC2Client } from '@aws-sdk/client-ec2';
import { awsClientConfig } from '../../shared/aws-client';
import { runMain } from '../../shared/run-main';
import { stopSignal } from '../../shared/stop-signal';
import { Imds } from '../discovery/imds';
import { runFailover } from './run';
import { failoverSettingsFromEnv } from './settings';

/**
 * Entry point: keepalived's notify_master/backup/fault/stop run it with the state as argument; a systemd
 * service runs it with --reconcile. Exit code 1 when the VIP could not be moved, 2 on bad settings or usage.
 */
runMain('haproxy-failover', async (logger) => {
  const settings = failoverSettingsFromEnv();
  logger.level = settings.LOG_LEVEL;
  const { signal, sleep } = stopSignal();
  // Back-off is ours (withRetry): one SDK attempt per call keeps the delays predictable.
  const client = new EC2Client(awsClientConfig({ region: settings.AWS_REGION, maxAttempts: 1 }));
  const imds = new Imds();
  return runFailover(process.argv.slice(2), {
    settings,
    client,
    logger,
    sleep,
    interfaceId: () => imds.primaryInterfaceId(),
    signal,
  });
});
