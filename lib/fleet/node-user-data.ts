import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { s3CopyCommand, writeFileCommand } from '../shell';
import {
  DRAIN_WATCH_SCRIPT,
  DRAIN_WATCH_UNIT_NAME,
  renderDrainWatchScript,
  renderDrainWatchUnit,
} from './drain-watch';
import {
  NODE_ENV_FILE,
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
}

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

/** Boot script of a WS node: install Node.js, fetch the bundle, write unit and env, start the service. */
export function nodeUserData(input: NodeUserDataInput): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'set -euo pipefail',
    'dnf install -y nodejs22 amazon-cloudwatch-agent unzip',
    'id wslb >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin wslb',
    `install -d -o wslb -g wslb -m 0755 ${NODE_INSTALL_DIR} /var/log/wslb`,
  );
  const zip = '/tmp/wslb-node.zip';
  userData.addCommands(
    s3CopyCommand(input.bundle.s3BucketName, input.bundle.s3ObjectKey, zip, Stack.of(input.bundle).region),
    `unzip -o -q ${zip} -d ${NODE_INSTALL_DIR}`,
    writeFileCommand(NODE_ENV_FILE, renderEnvFile(input.env), '0640'),
    writeFileCommand(
      `/etc/systemd/system/${NODE_UNIT_NAME}`,
      renderNodeUnit({
        drainSeconds: input.env.DRAIN_SECONDS,
        maxConnections: input.env.MAX_CONNECTIONS,
      }),
    ),
    writeFileCommand(CW_AGENT_CONFIG, renderCloudWatchAgentConfig(input.logGroupName)),
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${CW_AGENT_CONFIG}`,
    writeFileCommand(DRAIN_WATCH_SCRIPT, renderDrainWatchScript(), '0755'),
    writeFileCommand(`/etc/systemd/system/${DRAIN_WATCH_UNIT_NAME}`, renderDrainWatchUnit()),
    'systemctl daemon-reload',
    `systemctl enable --now ${NODE_UNIT_NAME} ${DRAIN_WATCH_UNIT_NAME}`,
  );
  return userData;
}
