import { Duration } from 'aws-cdk-lib';
import { renderUnit } from '../systemd-unit';
import { type NodeShellInput, renderNodeShellFunctions } from './node-shell';
import { NODE_UNIT_NAME } from './node-unit';

/**
 * The node starts its drain (stops the node service, whose SIGTERM handler closes clients with 1012 over the
 * drain window) as soon as it is leaving, whichever it sees first (decisions 0025, 0128):
 * - a target group it is registered with has started deregistering it (target state `draining`). Under `nlb`
 *   Auto Scaling deregisters a terminating instance *before* the termination lifecycle hook; the NLB keeps its
 *   open flows for the deregistration delay, then resets what is left;
 * - Auto Scaling is terminating it: IMDS shows the lifecycle target state `Terminated` (at the latest in
 *   Terminating:Wait, which a hook that simply times out holds for the drain window).
 * Nothing here needs permission to change anything: it reads metadata and its own target health.
 */
export const DRAIN_WATCH_SCRIPT = '/usr/local/sbin/wslb-drain-watch';
export const DRAIN_WATCH_UNIT_NAME = 'wslb-drain-watch.service';

/** How often the watcher reads its lifecycle state from IMDS (local, free). */
export const LIFECYCLE_POLL = Duration.seconds(5);
/** How often it reads its target health (an API call per target group). */
export const TARGET_HEALTH_POLL = Duration.seconds(10);
/** How often it re-reads which target groups its group registers it with (a tier may be added live). */
const TARGET_GROUPS_REFRESH = Duration.seconds(60);
/**
 * The longest a leaving node takes to start its drain: one target-health poll, plus the call itself and
 * `systemctl stop` reaching the service. A balancer must keep a deregistering node's flows for at least the
 * drain window plus this.
 */
export const DRAIN_NOTICE = Duration.seconds(TARGET_HEALTH_POLL.toSeconds() + 5);

export function renderDrainWatchScript(input: NodeShellInput): string {
  return [
    '#!/bin/bash',
    '# wslb drain watch: stop the node service (it drains on SIGTERM) once the node is leaving.',
    'set -uo pipefail',
    renderNodeShellFunctions(input),
    'drain() {',
    '  echo "wslb-drain-watch: $1: draining the node service"',
    `  exec systemctl stop ${NODE_UNIT_NAME}`,
    '}',
    'INSTANCE_ID=""',
    'groups=""',
    `groups_at=-${TARGET_GROUPS_REFRESH.toSeconds()}`,
    `health_at=-${TARGET_HEALTH_POLL.toSeconds()}`,
    'while true; do',
    '  if [ "$(imds autoscaling/target-lifecycle-state)" = "Terminated" ]; then',
    '    drain "lifecycle target state Terminated"',
    '  fi',
    '  [ -n "$INSTANCE_ID" ] || INSTANCE_ID=$(imds instance-id) || INSTANCE_ID=""',
    `  if [ $((SECONDS - groups_at)) -ge ${TARGET_GROUPS_REFRESH.toSeconds()} ]; then`,
    '    if fresh=$(target_groups); then groups=$fresh; groups_at=$SECONDS; fi',
    '  fi',
    `  if [ -n "$INSTANCE_ID" ] && [ $((SECONDS - health_at)) -ge ${TARGET_HEALTH_POLL.toSeconds()} ]; then`,
    '    health_at=$SECONDS',
    '    for group in $groups; do',
    // `unused` is also the state of a target not registered yet: only `draining` means leaving.
    '      if [ "$(target_state "$group")" = "draining" ]; then drain "deregistering from $group"; fi',
    '    done',
    '  fi',
    `  sleep ${LIFECYCLE_POLL.toSeconds()}`,
    'done',
    '',
  ].join('\n');
}

export function renderDrainWatchUnit(): string {
  return renderUnit({
    description: 'wslb drain when leaving (lifecycle state in IMDS, target health)',
    after: [NODE_UNIT_NAME],
    service: { Type: 'simple', ExecStart: DRAIN_WATCH_SCRIPT, Restart: 'on-failure' },
  });
}
