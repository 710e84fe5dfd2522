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
import { renderUnit } from '../systemd-unit';

export const HAPROXY_INSTALL_DIR = '/opt/wslb/haproxy';
export const AGENT_UNIT_NAME = 'wslb-haproxy-agent.service';
/** Keepalived's notify_master/backup/fault/stop program (a wrapper around the failover bundle). */
export const FAILOVER_COMMAND = '/usr/local/sbin/wslb-failover';
/** The rendered configs start with this line; the boot script waits for it before starting the daemons. */
export const RENDERED_MARK = '# Rendered by wslb runtime/haproxy';
const HAPROXY_DROP_IN_DIR = '/etc/systemd/system/haproxy.service.d';

/**
 * What both sides of the pair share in their env file, named as runtime/haproxy/agent-settings.ts,
 * failover/settings.ts and lifecycle/settings.ts read them; values may be CDK tokens.
 */
export interface PairEnvironment {
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
  /** The public VIP: the failover program associates it with this side's pair address. */
  readonly VIP_ALLOCATION_ID: string;
  /** The private VIP for clients inside the VPC: an address outside its CIDR (keepalived's virtual address). */
  readonly OVERLAY_IP: string;
  /** Route tables whose OVERLAY_IP/32 route the failover program points at the active ENI. */
  readonly OVERLAY_ROUTE_TABLE_IDS: string;
  readonly AWS_REGION: string;
  /** Interface VRRP runs on and the overlay IP is added to. */
  readonly VRRP_INTERFACE: string;
  /** notify_master/backup/fault/stop program. */
  readonly FAILOVER_COMMAND: string;
  /** The master's pid file and CLI socket, as the haproxy.service drop-in starts it. */
  readonly HAPROXY_PID_FILE: string;
  readonly HAPROXY_MASTER_SOCKET: string;
  /** The lifecycle hooks of both sides' groups (same names in both). */
  readonly LAUNCH_HOOK: string;
  readonly TERMINATE_HOOK: string;
}

/** What differs between the two sides: written into each side's own env file. */
export interface SideEnvironment {
  /** This side's source IPs, comma-separated: one `source` per backend `server` line. */
  readonly SOURCE_IPS: string;
  /** keepalived.conf inputs: this side's and the peer's pair addresses (unicast VRRP). */
  readonly OWN_IP: string;
  readonly PEER_IP: string;
  /** The private address the Elastic IP maps to while this side is active: its pair address. */
  readonly ELASTIC_IP_PRIVATE_IP: string;
  /** Both sides start BACKUP with nopreempt; the higher priority wins a simultaneous start. */
  readonly KEEPALIVED_PRIORITY: number;
  /** The peer's priority: in a split brain the failover program of the side VRRP keeps keeps the VIP. */
  readonly PEER_KEEPALIVED_PRIORITY: number;
  /** This side's and the other side's Auto Scaling groups. */
  readonly PAIR_GROUP: string;
  readonly PEER_GROUP: string;
}

/** The env file both programs read: the pair's part and one side's part. */
export type HaproxyEnvironment = PairEnvironment & SideEnvironment;

/** Keepalived's package default config holds sample VIPs: never start it with that. */
export const RECONCILE_UNIT_NAME = 'wslb-haproxy-reconcile.service';

/** A long-running service of the pair: started at boot, restarted when it stops as `restart` says. */
function renderServiceUnit(unit: {
  description: string;
  after?: string;
  environmentFile?: string;
  execStart: string;
  restart: 'always' | 'on-failure';
  restartSec: number;
}): string {
  return renderUnit({
    description: unit.description,
    wants: ['network-online.target'],
    after: ['network-online.target', ...(unit.after ? [unit.after] : [])],
    service: {
      Type: 'simple',
      ...(unit.environmentFile ? { EnvironmentFile: unit.environmentFile } : {}),
      ExecStart: unit.execStart,
      Restart: unit.restart,
      RestartSec: unit.restartSec,
    },
  });
}

export function renderAgentUnit(): string {
  return renderServiceUnit({
    description: 'wslb HAProxy discovery agent (renders haproxy.cfg and keepalived.conf, reloads HAProxy)',
    environmentFile: HAPROXY_ENV_FILE,
    execStart: `/usr/bin/node-22 --enable-source-maps ${HAPROXY_INSTALL_DIR}/agent.js`,
    restart: 'always',
    restartSec: 2,
  });
}

/** While MASTER, the failover program re-asserts the VIP every few seconds (a lost call, a manual move). */
export function renderReconcileUnit(): string {
  return renderServiceUnit({
    description: 'wslb VIP reconciler (keeps the VIP on this instance while it is MASTER)',
    execStart: `${FAILOVER_COMMAND} --reconcile`,
    restart: 'always',
    restartSec: 5,
  });
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

/** One side of the pair as its boot script needs it. */
export interface PairSide {
  /** The side's subnet: the instance finds its side by the subnet its ENI is in. */
  readonly subnetId: string;
  /** Logical id of the side's Auto Scaling group (the CloudFormation signal names it). */
  readonly logicalId: string;
  /** Addresses the instance claims on its ENI: the pair address first, then the source IPs. */
  readonly addresses: readonly string[];
  readonly env: SideEnvironment;
}

export interface HaproxyUserDataInput {
  readonly bundle: s3assets.Asset;
  readonly env: PairEnvironment;
  readonly sides: readonly [PairSide, PairSide];
  /** How long the boot retries its steps before it signals failure, in seconds. */
  readonly bootDeadlineSeconds: number;
}

/** Keepalived's notify wrapper's sibling: the lifecycle program with the env file loaded. */
export const LIFECYCLE_COMMAND = '/usr/local/sbin/wslb-pair-lifecycle';
export const LIFECYCLE_UNIT_NAME = 'wslb-pair-lifecycle.service';
const PAIR_ENV_FILE = '/etc/wslb/pair.env';

/** Hands the VIP over before the group terminates this instance (runtime/haproxy/lifecycle). */
export function renderLifecycleUnit(): string {
  return renderServiceUnit({
    description: 'wslb pair lifecycle (hands the VIP over before this instance is terminated)',
    after: 'keepalived.service',
    execStart: `${LIFECYCLE_COMMAND} watch`,
    restart: 'on-failure',
    restartSec: 5,
  });
}

/** A wrapper that runs one bundle entry with the instance's env file loaded (keepalived's notify has none). */
function renderNodeWrapper(entry: string): string {
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    'set -a',
    `. ${HAPROXY_ENV_FILE}`,
    'set +a',
    `exec /usr/bin/node-22 --enable-source-maps ${HAPROXY_INSTALL_DIR}/${entry}.js "$@"`,
    '',
  ].join('\n');
}

/**
 * Boot script of a pair instance (both sides launch from one launch template). Every step that reaches the
 * network retries with back-off until it succeeds or the boot deadline passes; a boot that fails tells
 * CloudFormation (FAILURE signal) and Auto Scaling (ABANDON: the group replaces the instance) instead of
 * waiting out their timeouts. Steps: find the side from the subnet; install; fetch the bundle; claim the
 * side's addresses and turn the source/destination check off (the overlay IP is not the ENI's own); start
 * the agent, HAProxy, keepalived, the reconciler and the lifecycle watcher; complete the launch hook once
 * serving; signal CloudFormation.
 */
export function haproxyUserData(input: HaproxyUserDataInput): ec2.UserData {
  const region = Stack.of(input.bundle).region;
  const stackName = Stack.of(input.bundle).stackName;
  const [a, b] = input.sides;
  const sideCase = (side: PairSide, name: string) => [
    `  SIDE=${name}`,
    `  LOGICAL_ID='${side.logicalId}'`,
    `  PAIR_GROUP='${side.env.PAIR_GROUP}'`,
    `  ADDRESSES=(${side.addresses.join(' ')})`,
  ];
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'set -euo pipefail',
    `BOOT_DEADLINE=$(( $(date +%s) + ${input.bootDeadlineSeconds} ))`,
    'retry() {',
    '  local delay=2',
    '  until "$@"; do',
    '    if [ "$(date +%s)" -ge "$BOOT_DEADLINE" ]; then',
    '      echo "wslb: gave up on: $*" >&2',
    '      return 1',
    '    fi',
    '    echo "wslb: retrying in $delay s: $*" >&2',
    '    sleep "$delay"',
    '    delay=$(( delay < 30 ? delay * 2 : 30 ))',
    '  done',
    '}',
    'imds() {',
    '  local token',
    "  token=$(curl -fsS -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token) &&",
    '    curl -fsS -m 2 -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"',
    '}',
    'INSTANCE_ID=$(retry imds instance-id)',
    'MAC=$(retry imds mac)',
    'ENI_ID=$(retry imds "network/interfaces/macs/$MAC/interface-id")',
    'SUBNET_ID=$(retry imds "network/interfaces/macs/$MAC/subnet-id")',
    `if [ "$SUBNET_ID" = '${a.subnetId}' ]; then`,
    ...sideCase(a, 'a'),
    `elif [ "$SUBNET_ID" = '${b.subnetId}' ]; then`,
    ...sideCase(b, 'b'),
    'else',
    '  echo "wslb: subnet $SUBNET_ID is neither side of the pair" >&2',
    '  exit 1',
    'fi',
    'signal_failure() {',
    `  aws cloudformation signal-resource --region ${region} --stack-name '${stackName}' --logical-resource-id "$LOGICAL_ID" --unique-id "$INSTANCE_ID" --status FAILURE || true`,
    `  aws autoscaling complete-lifecycle-action --region ${region} --auto-scaling-group-name "$PAIR_GROUP" --lifecycle-hook-name '${input.env.LAUNCH_HOOK}' --instance-id "$INSTANCE_ID" --lifecycle-action-result ABANDON || true`,
    '}',
    'on_exit() {',
    '  local status=$?',
    '  if [ "$status" -ne 0 ]; then signal_failure; fi',
    '}',
    'trap on_exit EXIT',
    'retry dnf install -y haproxy keepalived nodejs22 unzip',
    `install -d -m 0755 ${HAPROXY_INSTALL_DIR}`,
  );
  const zip = '/tmp/wslb-haproxy.zip';
  userData.addCommands(
    `retry ${s3CopyCommand(input.bundle.s3BucketName, input.bundle.s3ObjectKey, zip, region)}`,
    `unzip -o -q ${zip} -d ${HAPROXY_INSTALL_DIR}`,
    // The side's addresses lie in the subnet's reserved half: only we assign them, so the claim never
    // takes an address EC2 gave someone else. AllowReassignment covers an old instance of this side whose
    // ENI is not deleted yet.
    `retry aws ec2 assign-private-ip-addresses --region ${region} --network-interface-id "$ENI_ID" --allow-reassignment --private-ip-addresses "\${ADDRESSES[@]}"`,
    `retry aws ec2 modify-network-interface-attribute --region ${region} --network-interface-id "$ENI_ID" --no-source-dest-check`,
    // amazon-ec2-net-utils adds secondary addresses from IMDS on a 60 s timer: ask it now, until all are up.
    'addresses_up() {',
    '  local address',
    `  for address in "\${ADDRESSES[@]}"; do`,
    `    if ! ip -4 -o addr show dev ${input.env.VRRP_INTERFACE} | grep -qF " \${address}/"; then`,
    `      systemctl start 'refresh-policy-routes@${input.env.VRRP_INTERFACE}.service' || true`,
    '      return 1',
    '    fi',
    '  done',
    '}',
    'retry addresses_up',
    writeFileCommand(PAIR_ENV_FILE, envFileText(input.env), '0640'),
    writeFileCommand('/etc/wslb/pair-a.env', envFileText(a.env), '0640'),
    writeFileCommand('/etc/wslb/pair-b.env', envFileText(b.env), '0640'),
    `cat ${PAIR_ENV_FILE} "/etc/wslb/pair-\${SIDE}.env" > ${HAPROXY_ENV_FILE}`,
    `chmod 0640 ${HAPROXY_ENV_FILE}`,
    writeFileCommand(FAILOVER_COMMAND, renderNodeWrapper('failover'), '0755'),
    writeFileCommand(LIFECYCLE_COMMAND, renderNodeWrapper('lifecycle'), '0755'),
    writeFileCommand(`/etc/systemd/system/${AGENT_UNIT_NAME}`, renderAgentUnit()),
    writeFileCommand(`/etc/systemd/system/${RECONCILE_UNIT_NAME}`, renderReconcileUnit()),
    writeFileCommand(`/etc/systemd/system/${LIFECYCLE_UNIT_NAME}`, renderLifecycleUnit()),
    writeFileCommand(`${HAPROXY_DROP_IN_DIR}/wslb.conf`, renderHaproxyDropIn(input.env.TARGET_CONNECTIONS)),
    writeFileCommand(`${HAPROXY_DROP_IN_DIR}/wslb-master.conf`, renderHaproxyMasterDropIn()),
    writeFileCommand('/etc/tmpfiles.d/wslb.conf', TMPFILES),
    'systemd-tmpfiles --create /etc/tmpfiles.d/wslb.conf',
    'systemctl daemon-reload',
    `systemctl enable --now ${AGENT_UNIT_NAME}`,
    // The agent renders both configs from the env file; a daemon never starts on the package's sample.
    `rendered() { grep -qs '^${RENDERED_MARK}' "$1"; }`,
    `retry rendered ${HAPROXY_CONFIG_PATH}`,
    'systemctl enable --now haproxy.service',
    `retry rendered ${KEEPALIVED_CONFIG_PATH}`,
    `systemctl enable --now keepalived.service ${RECONCILE_UNIT_NAME} ${LIFECYCLE_UNIT_NAME}`,
    // In service only once it serves: the active side of a rolling update waits for exactly this.
    `${LIFECYCLE_COMMAND} ready`,
    `retry aws cloudformation signal-resource --region ${region} --stack-name '${stackName}' --logical-resource-id "$LOGICAL_ID" --unique-id "$INSTANCE_ID" --status SUCCESS`,
  );
  return userData;
}
