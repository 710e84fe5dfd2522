import { NODE_UNIT_NAME } from './node-unit';

/**
 * Scale-in drain without any AWS call from the node: the Auto Scaling group holds a terminating node in
 * Terminating:Wait (a lifecycle hook that simply times out), IMDS shows the target state `Terminated`,
 * and this watcher stops the node service, whose SIGTERM handler drains the clients.
 */
export const DRAIN_WATCH_SCRIPT = '/usr/local/sbin/wslb-drain-watch';
export const DRAIN_WATCH_UNIT_NAME = 'wslb-drain-watch.service';

const IMDS = 'http://169.254.169.254/latest';

export function renderDrainWatchScript(pollSeconds = 5): string {
  return [
    '#!/bin/bash',
    'set -uo pipefail',
    'while true; do',
    `  token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' ${IMDS}/api/token || true)`,
    '  state=$(curl -sf -H "X-aws-ec2-metadata-token: $token" ' +
      `${IMDS}/meta-data/autoscaling/target-lifecycle-state || true)`,
    '  if [ "$state" = "Terminated" ]; then',
    '    echo "lifecycle target state Terminated: draining the node service"',
    `    exec systemctl stop ${NODE_UNIT_NAME}`,
    '  fi',
    `  sleep ${pollSeconds}`,
    'done',
    '',
  ].join('\n');
}

export function renderDrainWatchUnit(): string {
  return [
    '[Unit]',
    'Description=wslb drain on Auto Scaling termination (watches the lifecycle state in IMDS)',
    `After=${NODE_UNIT_NAME}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${DRAIN_WATCH_SCRIPT}`,
    'Restart=on-failure',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
