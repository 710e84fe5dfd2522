import type { Duration } from 'aws-cdk-lib';
import { type NodeShellInput, renderNodeShellFunctions } from './node-shell';

/**
 * Tells CloudFormation whether a new node came up (a resource signal on the node group, decision 0127):
 * SUCCESS once the node answers `/healthz` on its port and is `healthy` in every target group its group
 * registers it with (under `nlb`: the NLB routes to it); FAILURE when boot failed (`--failed`) or readiness
 * took longer than the deadline. Outside a stack operation nobody waits for the signal and CloudFormation
 * refuses it; the script says so and exits 0.
 */
export const NODE_READY_SCRIPT = '/usr/local/sbin/wslb-node-ready';

export interface NodeReadyInput extends NodeShellInput {
  /** The stack name (a CloudFormation token). */
  readonly stackName: string;
  /** Logical id of the node group, the resource that waits for the signal. */
  readonly groupLogicalId: string;
  /** How long readiness may take once the node service runs. */
  readonly deadline: Duration;
}

export function renderNodeReadyScript(input: NodeReadyInput): string {
  return [
    '#!/bin/bash',
    '# wslb node readiness: resource signal SUCCESS or FAILURE for this instance.',
    'set -uo pipefail',
    renderNodeShellFunctions(input),
    `readonly STACK='${input.stackName}'`,
    `readonly RESOURCE='${input.groupLogicalId}'`,
    `readonly DEADLINE_SECONDS=${input.deadline.toSeconds()}`,
    'INSTANCE_ID=$(imds instance-id) || INSTANCE_ID=unknown',
    'signal() {',
    '  if aws cloudformation signal-resource --region "$REGION" --stack-name "$STACK" \\',
    '      --logical-resource-id "$RESOURCE" --unique-id "$INSTANCE_ID" --status "$1"; then',
    '    echo "wslb-node-ready: signalled $1"',
    '  else',
    '    echo "wslb-node-ready: signal $1 not taken (no stack operation waits for it)"',
    '  fi',
    '}',
    'ready() {',
    '  curl -sf --max-time 2 "http://127.0.0.1:$PORT/healthz" >/dev/null || return 1',
    '  local groups group',
    '  groups=$(target_groups) || return 1',
    '  for group in $groups; do',
    '    [ "$(target_state "$group")" = "healthy" ] || return 1',
    '  done',
    '}',
    'if [ "$#" -gt 0 ] && [ "$1" = "--failed" ]; then',
    '  signal FAILURE',
    '  exit 0',
    'fi',
    'deadline=$((SECONDS + DEADLINE_SECONDS))',
    'until ready; do',
    '  if [ "$SECONDS" -ge "$deadline" ]; then',
    '    echo "wslb-node-ready: not ready after $DEADLINE_SECONDS s"',
    '    signal FAILURE',
    '    exit 1',
    '  fi',
    '  sleep 5',
    'done',
    'signal SUCCESS',
    '',
  ].join('\n');
}
