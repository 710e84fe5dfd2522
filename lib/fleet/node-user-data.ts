import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { NODE_ENV_FILE } from '../../runtime/contract/paths';
import { s3CopyCommand, writeFileCommand } from '../shell';
import {
  DRAIN_WATCH_SCRIPT,
  DRAIN_WATCH_UNIT_NAME,
  renderDrainWatchScript,
  renderDrainWatchUnit,
} from './drain-watch';
import { NODE_READY_SCRIPT, type NodeReadyInput, renderNodeReadyScript } from './node-ready';
import type { NodeShellInput } from './node-shell';
import {
  NODE_INSTALL_DIR,
  NODE_LOG_FILE,
  NODE_UNIT_NAME,
  type NodeEnvironment,
  renderEnvFile,
  renderNodeUnit,
} from './node-unit';

export const CW_AGENT_CONFIG = '/opt/aws/amazon-cloudwatch-agent/etc/wslb.json';

export interface NodeUserDataInput {
  readonly bundle: s3assets.Asset;
  readonly env: NodeEnvironment;
  /** CloudWatch Logs group the agent ships the node's log (and its EMF metric lines) to. */
  readonly logGroupName: string;
  /** Where the readiness signal goes and how long readiness may take. */
  readonly ready: Omit<NodeReadyInput, keyof NodeShellInput>;
}

/** Attempts of a boot step that reaches the network (packages, the bundle) before the boot counts as failed. */
const BOOT_STEP_ATTEMPTS = 6;

/** The CloudWatch agent tails the node's JSON log; CloudWatch Logs extracts EMF lines as metrics. */
export function renderCloudWatchAgentConfig(logGroupName: string): string {
  return JSON.stringify(
    {
      logs: {
        logs_collected: {
          files: {
            collect_list: [
              { file_path: NODE_LOG_FILE, log_group_name: logGroupName, log_stream_name: '{instance_id}' },
            ],
          },
        },
      },
    },
    null,
    2,
  );
}

/**
 * Boot script of a WS node: install Node.js, fetch the bundle, write unit and env, start the service, then
 * signal readiness. Steps that reach the network are retried; any step that still fails signals FAILURE at
 * once, so a rolling update stops and rolls back instead of waiting out its timeout.
 */
export function nodeUserData(input: NodeUserDataInput): ec2.UserData {
  const shell = { region: input.env.AWS_REGION, port: input.env.PORT };
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'set -euo pipefail',
    writeFileCommand(NODE_READY_SCRIPT, renderNodeReadyScript({ ...shell, ...input.ready }), '0755'),
    `trap '${NODE_READY_SCRIPT} --failed' ERR`,
    'retry() {',
    `  local attempt`,
    `  for attempt in $(seq ${BOOT_STEP_ATTEMPTS}); do`,
    '    "$@" && return 0',
    '    echo "wslb boot: attempt $attempt of $* failed" >&2',
    '    sleep $((attempt * 10))',
    '  done',
    '  return 1',
    '}',
    'retry dnf install -y nodejs22 amazon-cloudwatch-agent unzip',
    'id wslb >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin wslb',
    `install -d -o wslb -g wslb -m 0755 ${NODE_INSTALL_DIR} /var/log/wslb`,
  );
  const zip = '/tmp/wslb-node.zip';
  userData.addCommands(
    `retry ${s3CopyCommand(input.bundle.s3BucketName, input.bundle.s3ObjectKey, zip, Stack.of(input.bundle).region)}`,
    `unzip -o -q ${zip} -d ${NODE_INSTALL_DIR}`,
    writeFileCommand(NODE_ENV_FILE, renderEnvFile(input.env), '0640'),
    writeFileCommand(
      `/etc/systemd/system/${NODE_UNIT_NAME}`,
      renderNodeUnit({
        drainSeconds: input.env.DRAIN_SECONDS,
        maxConnections: input.env.MAX_CONNECTIONS,
        upstream: input.env.UPSTREAM_URL !== undefined,
      }),
    ),
    writeFileCommand(CW_AGENT_CONFIG, renderCloudWatchAgentConfig(input.logGroupName)),
    `retry /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${CW_AGENT_CONFIG}`,
    writeFileCommand(DRAIN_WATCH_SCRIPT, renderDrainWatchScript(shell), '0755'),
    writeFileCommand(`/etc/systemd/system/${DRAIN_WATCH_UNIT_NAME}`, renderDrainWatchUnit()),
    'systemctl daemon-reload',
    `systemctl enable --now ${NODE_UNIT_NAME} ${DRAIN_WATCH_UNIT_NAME}`,
    'trap - ERR',
    NODE_READY_SCRIPT,
  );
  return userData;
}
