import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { awsClientConfig } from '../../shared/aws-client';
import type { Logger } from '../../shared/log';
import { runMain } from '../../shared/run-main';
import { startTlsRefresh, type TlsRefresh } from '../../shared/tls-refresh';
import type { BackendSource } from '../discovery/backend-source';
import { Ec2BackendSource } from '../discovery/ec2-backend-source';
import { Imds, sourceIpsFromInterface } from '../discovery/imds';
import { FileBackendSource } from '../discovery/static-backend-source';
import type { Backend } from '../render/backend';
import { renderHaproxyConfig } from '../render/render-haproxy';
import { Agent } from './agent';
import { haproxyCertificateApplier } from './certificate';
import { checkHaproxyConfig, requireHaproxy } from './haproxy-binary';
import { detectHaproxyFeatures } from './haproxy-features';
import { haproxyInputFromSettings } from './haproxy-file';
import { keepalivedInputFromSettings, writeKeepalivedConfig } from './keepalived-file';
import { MasterReloader } from './reloader';
import { SocketRuntimeServers } from './runtime-servers';
import { type AgentSettings, agentSettingsFromEnv } from './settings';

export interface AgentDeps {
  ec2?: EC2Client;
  imds?: Imds;
  haproxyBin?: string;
}

async function sourceIps(settings: AgentSettings, imds: Imds): Promise<string[]> {
  if (settings.SOURCE_IPS) return settings.SOURCE_IPS;
  if (settings.SOURCE_IPS_FROM === 'imds') {
    return sourceIpsFromInterface(await imds.privateIpv4s(), settings.VIP_PRIVATE_IP);
  }
  return [];
}

/** Wires settings into an Agent: the same class the local cluster uses, with EC2 or a file as source. */
export async function buildAgent(
  settings: AgentSettings,
  logger: Logger,
  deps: AgentDeps = {},
): Promise<Agent> {
  const source: BackendSource = settings.BACKENDS_FILE
    ? new FileBackendSource(settings.BACKENDS_FILE)
    : new Ec2BackendSource({
        client: deps.ec2 ?? new EC2Client(awsClientConfig({ region: settings.AWS_REGION })),
        tagKey: settings.FLEET_TAG_KEY!,
        tagValue: settings.FLEET_TAG_VALUE!,
        port: settings.WS_PORT,
      });
  const ips = await sourceIps(settings, deps.imds ?? new Imds());
  logger.info({ event: 'source_ips', sourceIps: ips }, 'source addresses for the server lines');
  const bin = deps.haproxyBin ?? requireHaproxy();
  const features = await detectHaproxyFeatures(bin);
  logger.info({ event: 'haproxy_features', ...features }, `HAProxy ${features.version}`);
  if (settings.TLS_CERT_FILE && !features.openssl) {
    throw new Error(
      `TLS_CERT_FILE is set but ${bin} (HAProxy ${features.version}) was built without OpenSSL`,
    );
  }
  if (!features.prometheusExporter) {
    logger.warn(
      { event: 'no_prometheus_exporter', version: features.version },
      'this HAProxy has no Prometheus exporter: /metrics is not served (the stats page and /health are)',
    );
  }
  if (!features.dynamicServers) {
    logger.warn(
      { event: 'no_dynamic_servers', version: features.version },
      'HAProxy before 2.5 cannot add servers at run time: every backend change is a reload',
    );
  }
  return new Agent({
    source,
    render: (backends: Backend[]) =>
      renderHaproxyConfig(haproxyInputFromSettings(settings, backends, ips, features)),
    configPath: settings.HAPROXY_CONFIG_PATH,
    check: (file) => checkHaproxyConfig(file, bin),
    reloader: new MasterReloader({
      pidFile: settings.HAPROXY_PID_FILE,
      masterSocket: settings.HAPROXY_MASTER_SOCKET,
    }),
    runtime: features.dynamicServers ? new SocketRuntimeServers(settings.HAPROXY_STATS_SOCKET) : undefined,
    logger,
    pollMs: settings.POLL_SECONDS * 1000,
    allowEmpty: settings.ALLOW_EMPTY_BACKENDS,
  });
}

/** Once at start: the stats socket's directory (absent on some distributions) and keepalived.conf. */
export async function prepareHost(settings: AgentSettings, logger: Logger): Promise<void> {
  await mkdir(dirname(settings.HAPROXY_STATS_SOCKET), { recursive: true });
  const keepalived = keepalivedInputFromSettings(settings);
  if (keepalived && (await writeKeepalivedConfig(settings.KEEPALIVED_CONFIG_PATH, keepalived))) {
    logger.info(
      { event: 'keepalived_written', path: settings.KEEPALIVED_CONFIG_PATH },
      'keepalived.conf written',
    );
  }
}

/**
 * With TLS_CERT_SECRET_ARN: the certificate written to TLS_CERT_FILE before the first render (`haproxy -c`
 * reads it), then re-read and hot-swapped (docs/decisions/0155-haproxy-tls-certificate-hot-swap.md). Throws
 * when the secret cannot be read or holds no valid bundle: systemd restarts the agent, the boot waits.
 */
export async function startCertificate(
  settings: AgentSettings,
  logger: Logger,
): Promise<TlsRefresh | undefined> {
  if (!settings.TLS_CERT_SECRET_ARN || !settings.TLS_CERT_FILE) return undefined;
  return startTlsRefresh({
    source: { kind: 'secrets-manager', arn: settings.TLS_CERT_SECRET_ARN },
    apply: haproxyCertificateApplier({
      file: settings.TLS_CERT_FILE,
      statsSocket: settings.HAPROXY_STATS_SOCKET,
      reloader: new MasterReloader({
        pidFile: settings.HAPROXY_PID_FILE,
        masterSocket: settings.HAPROXY_MASTER_SOCKET,
      }),
      logger,
    }),
    refreshMs: settings.TLS_REFRESH_SECONDS * 1000,
    log: logger,
  });
}

/** The agent polls until SIGTERM; with `--once` it syncs once (e.g. before haproxy's first start). */
async function main(logger: Logger): Promise<number> {
  const settings = agentSettingsFromEnv();
  logger.level = settings.LOG_LEVEL;
  await prepareHost(settings, logger);
  const certificate = await startCertificate(settings, logger);
  const agent = await buildAgent(settings, logger);
  if (process.argv.includes('--once')) {
    certificate?.stop();
    const result = await agent.syncOnce();
    return result === 'error' || result === 'invalid' ? 1 : 0;
  }
  agent.start();
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  certificate?.stop();
  await agent.stop();
  return 0;
}

if (require.main === module) runMain('haproxy-agent', main);
