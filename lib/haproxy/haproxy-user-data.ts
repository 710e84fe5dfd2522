import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { s3CopyCommand, writeFileCommand } from '../shell';

export const HAPROXY_INSTALL_DIR = '/opt/wslb/haproxy';
export const HAPROXY_ENV_FILE = '/etc/wslb/haproxy.env';
export const AGENT_UNIT_NAME = 'wslb-haproxy-agent.service';
/** Keepalived's notify_master/backup/fault/stop program (a wrapper around the failover bundle). */
export const FAILOVER_COMMAND = '/usr/local/sbin/wslb-failover';
/** The rendered configs start with this line; the boot script waits for it before starting the daemons. */
export const RENDERED_MARK = '# Rendered by wslb runtime/haproxy';

/**
 * The environment of the discovery agent and the failover program on one instance of the pair. The
 * agent renders haproxy.cfg and keepalived.conf from it; values may be CDK tokens.
 */
export interface HaproxyEnvironment {
  /** Client-facing port, and the port of every node. */
  readonly WS_PORT: number;
  /** Tag that marks the nodes: DescribeInstances filters on it. */
  readonly FLEET_TAG_KEY: string;
  readonly FLEET_TAG_VALUE: string;
  /** This instance's secondary private IPs, comma-separated: one `source` per backend `server` line. */
  readonly SOURCE_IPS: string;
  /** Connections the pair is sized for (the agent warns when the source IPs cannot hold them). */
  readonly TARGET_CONNECTIONS: number;
  /** This instance's and the peer's primary private IPs (VRRP unicast). */
  readonly OWN_IP: string;
  readonly PEER_IP: string;
  /** The floating private VIP and its interface. */
  readonly VIP: string;
  readonly VRRP_INTERFACE: string;
  /** Keepalived priority; both sides start BACKUP, the higher wins a simultaneous start. */
  readonly KEEPALIVED_PRIORITY: number;
  /** This instance's ENI: the failover program assigns the VIP to it. */
  readonly NETWORK_INTERFACE_ID: string;
  /** The public VIP: the failover program associates it with the VIP on this ENI. */
  readonly EIP_ALLOCATION_ID: string;
  readonly FAILOVER_COMMAND: string;
  readonly AWS_REGION: string;
}

export function renderHaproxyEnvFile(env: HaproxyEnvironment): string {
  return `${Object.entries(env)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

export function renderAgentUnit(): string {
  return [
    '[Unit]',
    'Description=wslb HAProxy discovery agent (renders haproxy.cfg and keepalived.conf, reloads HAProxy)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `EnvironmentFile=${HAPROXY_ENV_FILE}`,
    `ExecStart=/usr/bin/node-22 --enable-source-maps ${HAPROXY_INSTALL_DIR}/agent.js`,
    'Restart=always',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Keepalived runs notify scripts without our environment: the wrapper loads it. */
export function renderFailoverWrapper(): string {
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    'set -a',
    `. ${HAPROXY_ENV_FILE}`,
    'set +a',
    `exec /usr/bin/node-22 --enable-source-maps ${HAPROXY_INSTALL_DIR}/failover.js "$@"`,
    '',
  ].join('\n');
}

/** A drop-in: one descriptor per client and one per backend connection. */
export function renderHaproxyLimits(targetConnections: number): string {
  return ['[Service]', `LimitNOFILE=${Math.max(65_536, 2 * targetConnections + 4096)}`, ''].join('\n');
}

export interface HaproxyUserDataInput {
  readonly bundle: s3assets.Asset;
  readonly env: HaproxyEnvironment;
}

/**
 * Boot script of one HAProxy instance: install haproxy, keepalived and Node.js, fetch the agent and
 * failover bundle, start the agent, wait until it has rendered both configs, then start the daemons.
 */
export function haproxyUserData(input: HaproxyUserDataInput): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'set -euo pipefail',
    'dnf install -y haproxy keepalived nodejs22 unzip',
    `install -d -m 0755 ${HAPROXY_INSTALL_DIR}`,
  );
  const zip = '/tmp/wslb-haproxy.zip';
  userData.addCommands(
    s3CopyCommand(input.bundle.s3BucketName, input.bundle.s3ObjectKey, zip, Stack.of(input.bundle).region),
    `unzip -o -q ${zip} -d ${HAPROXY_INSTALL_DIR}`,
    writeFileCommand(HAPROXY_ENV_FILE, renderHaproxyEnvFile(input.env), '0640'),
    writeFileCommand(FAILOVER_COMMAND, renderFailoverWrapper(), '0755'),
    writeFileCommand(`/etc/systemd/system/${AGENT_UNIT_NAME}`, renderAgentUnit()),
    writeFileCommand(
      '/etc/systemd/system/haproxy.service.d/limits.conf',
      renderHaproxyLimits(input.env.TARGET_CONNECTIONS),
    ),
    'systemctl daemon-reload',
    `systemctl enable --now ${AGENT_UNIT_NAME}`,
    'for _ in $(seq 120); do',
    `  if grep -qs '^${RENDERED_MARK}' /etc/haproxy/haproxy.cfg && grep -qs '^${RENDERED_MARK}' /etc/keepalived/keepalived.conf; then break; fi`,
    '  sleep 1',
    'done',
    'systemctl enable --now haproxy.service keepalived.service',
  );
  return userData;
}
