import { NODE_ENV_FILE } from '../../runtime/contract/paths';
import { envFileText } from '../shell';
import { renderUnit } from '../systemd-unit';

/**
 * The node service's systemd unit and environment file, rendered from typed input. Values may be CDK
 * tokens (table name, secret ARN, region): CloudFormation fills them in before the instance boots.
 */

/** Where the node learns its client-facing endpoint (see runtime/node/settings.ts). */
export type EndpointSource = 'imds-public' | 'imds-private';

/** The node service's environment, named exactly as runtime/node/settings.ts reads it. */
export interface NodeEnvironment {
  readonly HOST: string;
  readonly PORT: number;
  readonly ENDPOINT_SOURCE: EndpointSource;
  readonly MAX_CONNECTIONS: number;
  readonly PING_SECONDS: number;
  readonly DRAIN_SECONDS: number;
  readonly HEARTBEAT_MS: number;
  readonly TOKEN_SECRET_ARN: string;
  readonly REGISTRY_TABLE: string;
  /** The balancer's name under nlb/haproxy; absent under direct (the audience is the node id). */
  readonly TOKEN_AUDIENCE?: string;
  /** The AWS SDK does not read the region from instance metadata. */
  readonly AWS_REGION: string;
  /** Fleet dimension of the node's EMF metric lines (see lib/dashboard.ts). */
  readonly METRICS_FLEET: string;
  /** `direct` over wss: the certificate secret and the zone the node's name is in (node-public-name.ts). */
  readonly TLS_CERT_SECRET_ARN?: string;
  readonly DNS_HOSTED_ZONE_ID?: string;
  readonly DNS_ZONE_NAME?: string;
  /** Sidecar mode's upstream on the node's host; absent: the node hosts its bundled app. */
  readonly UPSTREAM_URL?: string;
}

export const NODE_INSTALL_DIR = '/opt/wslb/node';
export const NODE_LOG_FILE = '/var/log/wslb/node.log';
export const NODE_UNIT_NAME = 'wslb-node.service';
/** The node binary the AL2023 `nodejs22` package installs. */
export const NODE_BINARY = '/usr/bin/node-22';

/** Seconds systemd waits after SIGTERM beyond the drain window before it sends SIGKILL. */
const STOP_GRACE_SECONDS = 15;

/** `KEY=value` lines; values are plain identifiers, ARNs and numbers, never secrets. */
export function renderEnvFile(env: NodeEnvironment): string {
  return envFileText(env);
}

export interface NodeUnitInput {
  /** Drain window the service gets after SIGTERM. */
  readonly drainSeconds: number;
  /** Open-file limit: one descriptor per WebSocket plus headroom. */
  readonly maxConnections: number;
  /** Sidecar mode: each client also holds a socket to the upstream. @default false */
  readonly upstream?: boolean;
}

export function renderNodeUnit(input: NodeUnitInput): string {
  return renderUnit({
    description: 'wslb WebSocket node',
    wants: ['network-online.target'],
    after: ['network-online.target'],
    service: {
      Type: 'simple',
      User: 'wslb',
      Group: 'wslb',
      EnvironmentFile: NODE_ENV_FILE,
      ExecStart: `${NODE_BINARY} --enable-source-maps ${NODE_INSTALL_DIR}/main.js`,
      Restart: 'on-failure',
      RestartSec: 2,
      // The service drains on SIGTERM and exits 0; systemd must wait out the whole drain.
      KillSignal: 'SIGTERM',
      KillMode: 'mixed',
      TimeoutStopSec: input.drainSeconds + STOP_GRACE_SECONDS,
      LimitNOFILE: Math.max(65_536, input.maxConnections * (input.upstream ? 2 : 1) + 4096),
      StandardOutput: `append:${NODE_LOG_FILE}`,
      StandardError: `append:${NODE_LOG_FILE}`,
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
    },
  });
}
