import { EC2Client } from '@aws-sdk/client-ec2';
import { awsClientConfig } from '../../shared/aws-client';
import { createLogger } from '../../shared/log';
import { stopSignal } from '../../shared/stop-signal';
import { Imds } from '../discovery/imds';
import { runFailover } from './run';
import { failoverSettingsFromEnv } from './settings';

/**
 * Entry point: keepalived's notify_master/backup/fault/stop run it with the state as argument; a systemd
 * service runs it with --reconcile. Exit code 1 when the VIP could not be moved, 2 on bad settings or usage.
 */
async function main(): Promise<number> {
  let settings: ReturnType<typeof failoverSettingsFromEnv>;
  try {
    settings = failoverSettingsFromEnv();
  } catch (error) {
    createLogger('haproxy-failover').error({ event: 'bad_settings', err: error }, String(error));
    return 2;
  }
  const logger = createLogger('haproxy-failover', settings.LOG_LEVEL);
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
}

main().then(
  (code) => process.exit(code),
  (error) => {
    createLogger('haproxy-failover').fatal({ event: 'crashed', err: error }, 'failover crashed');
    process.exit(1);
  },
);
