import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import {
  HAPROXY_CONFIG_PATH,
  HAPROXY_ENV_FILE,
  HAPROXY_MASTER_SOCKET,
  HAPROXY_PID_FILE,
  KEEPALIVED_CONFIG_PATH,
} from '../../runtime/contract/paths';
import { envFileText, s3CopyCommand, writeFileCommand } from '../shell';

export const HAPROXY_INSTALL_DIR = '/opt/wslb/haproxy';
export const AGENT_UNIT_NAME = 'wslb-haproxy-agent.service';
/** Keepalived's notify_master/backup/fault/stop program (a wrapper around the failover bundle). */
export const FAILOVER_COMMAND = '/usr/local/sbin/wslb-failover';
/** The rendered configs start with this line; the boot script waits for it before starting the daemons. */
export const RENDERED_MARK = '# Rendered by wslb runtime/haproxy';
/** Written by the master (`-p`): the pid SIGUSR2 reloads. */
/** The master CLI (`-S`): the agent confirms each reload through `show proc` on it. */
const HAPROXY_DROP_IN_DIR = '/etc/systemd/system/haproxy.service.d';

/**
 * The environment of the discovery agent and the failover program on one instance of the pair, named as
 * runtime/haproxy/agent/settings.ts and failover/settings.ts read them; values may be CDK tokens.
 */
export interface HaproxyEnvironment {
  /** The nodes' port. */
  readonly WS_PORT: number;
  /** Client-facing port. */
  readonly LISTEN_PORT: number;
  /** TLS: the bundle's secret, and the file the agent writes it to (lib/haproxy/pair-tls.ts). */
  readonly TLS_CERT_SECRET_ARN?: string;
  readonly TLS_CERT_FILE?: string;
  /** Process-wide client connection cap: the connections the pair is sized for. */
  readonly MAXCONN: number;
  /** Connections the pair is sized for (the agent warns when the source IPs cannot hold them). */
  readonly TARGET_CONNECTIONS: number;
  /** The nodes' cap: with TARGET_CONNECTIONS, the agent's source-IP check is the stack's sizing. */
  readonly MAX_CONNECTIONS_PER_NODE: number;
  /** Tag that marks the nodes: DescribeInstances filters on it. */
  readonly FLEET_TAG_KEY: string;
  readonly FLEET_TAG_VALUE: string;
  /** This instance's secondary private IPs, comma-separated: one `source` per backend `server` line. */
  readonly SOURCE_IPS: string;
  /** The floating private VIP (keepalived's virtual_ipaddress; never a source address). */
  readonly VIP_PRIVATE_IP: string;
  /** The public VIP: the failover program associates it with VIP_PRIVATE_IP on this ENI. */
  readonly VIP_ALLOCATION_ID: string;
  /** This instance's ENI: the failover program assigns the VIP to it. */
  readonly NETWORK_INTERFACE_ID: string;
  readonly AWS_REGION: string;
  /** Inputs of keepalived.conf: this instance's and the peer's primary IPs (unicast VRRP). */
  readonly OWN_IP: string;
  readonly PEER_IP: string;
  /** Interface VRRP runs on and the VIP is added to. */
  readonly VRRP_INTERFACE: string;
  /** Both sides start BACKUP with nopreempt; the higher priority wins a simultaneous start. */
  readonly KEEPALIVED_PRIORITY: number;
  /** The peer's priority: in a split brain the failover program of the side VRRP keeps keeps the VIP. */
  readonly PEER_KEEPALIVED_PRIORITY: number;
  /** notify_master/backup/fault/stop program. */
  readonly FAILOVER_COMMAND: string;
  /** The master's pid file and CLI socket, as the haproxy.service drop-in starts it. */
  readonly HAPROXY_PID_FILE: string;
  readonly HAPROXY_MASTER_SOCKET: string;
}

/** Keepalived's package default config holds sample VIPs: never start it with that. */
export const RECONCILE_UNIT_NAME = 'wslb-haproxy-reconcile.service';

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

/** While MASTER, the failover program re-asserts the VIP every few seconds (a lost call, a manual move). */
export function renderReconcileUnit(): string {
  return [
    '[Unit]',
    'Description=wslb VIP reconciler (keeps the VIP on this instance while it is MASTER)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${FAILOVER_COMMAND} --reconcile`,
    'Restart=always',
    'RestartSec=5',
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

/**
 * A drop-in for the package's haproxy.service: one descriptor per client and one per backend connection,
 * and /run/haproxy for the runtime API socket the rendered config declares.
 */
export function renderHaproxyDropIn(targetConnections: number): string {
  return [
    '[Service]',
    `LimitNOFILE=${Math.max(65_536, 2 * targetConnections + 4096)}`,
    'RuntimeDirectory=haproxy',
    'RuntimeDirectoryMode=0750',
    '',
  ].join('\n');
}

/**
 * A drop-in that replaces the package's command lines (docs/decisions/0026-haproxy-master-socket.md):
 * AL2023's haproxy.service starts `-Ws` without `-S`, so there is no master CLI to confirm a reload on.
 * Reload stays SIGUSR2 to the master, as the agent itself sends it.
 */
export function renderHaproxyMasterDropIn(): string {
  return [
    '[Service]',
    'Type=notify',
    'KillMode=mixed',
    'ExecStartPre=',
    `ExecStartPre=/usr/sbin/haproxy -f ${HAPROXY_CONFIG_PATH} -c -q`,
    'ExecStart=',
    `ExecStart=/usr/sbin/haproxy -Ws -f ${HAPROXY_CONFIG_PATH} -p ${HAPROXY_PID_FILE} -S ${HAPROXY_MASTER_SOCKET}`,
    'ExecReload=',
    `ExecReload=/usr/sbin/haproxy -f ${HAPROXY_CONFIG_PATH} -c -q`,
    'ExecReload=/bin/kill -USR2 $MAINPID',
    '',
  ].join('\n');
}

/** /run/wslb holds the failover program's VRRP state file; /run is empty after every boot. */
const TMPFILES = 'd /run/wslb 0755 root root -\n';

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
    writeFileCommand(HAPROXY_ENV_FILE, envFileText(input.env), '0640'),
    writeFileCommand(FAILOVER_COMMAND, renderFailoverWrapper(), '0755'),
    writeFileCommand(`/etc/systemd/system/${AGENT_UNIT_NAME}`, renderAgentUnit()),
    writeFileCommand(`/etc/systemd/system/${RECONCILE_UNIT_NAME}`, renderReconcileUnit()),
    writeFileCommand(`${HAPROXY_DROP_IN_DIR}/wslb.conf`, renderHaproxyDropIn(input.env.TARGET_CONNECTIONS)),
    writeFileCommand(`${HAPROXY_DROP_IN_DIR}/wslb-master.conf`, renderHaproxyMasterDropIn()),
    writeFileCommand('/etc/tmpfiles.d/wslb.conf', TMPFILES),
    'systemd-tmpfiles --create /etc/tmpfiles.d/wslb.conf',
    'systemctl daemon-reload',
    `systemctl enable --now ${AGENT_UNIT_NAME}`,
    'wait_rendered() {',
    `  for _ in $(seq 120); do grep -qs '^${RENDERED_MARK}' "$1" && return 0; sleep 1; done`,
    `  echo "wslb: $1 was not rendered; not starting the daemon that reads it" >&2`,
    '  return 1',
    '}',
    `wait_rendered ${HAPROXY_CONFIG_PATH}`,
    'systemctl enable --now haproxy.service',
    `wait_rendered ${KEEPALIVED_CONFIG_PATH}`,
    `systemctl enable --now keepalived.service ${RECONCILE_UNIT_NAME}`,
  );
  return userData;
}
