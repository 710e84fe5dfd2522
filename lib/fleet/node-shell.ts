/**
 * Shell functions the node's boot-time and watch scripts share: instance metadata (IMDSv2) and the node's own
 * standing with its Auto Scaling group and target groups. Each script embeds them, so a script is one file
 * that shellcheck checks whole.
 */

const IMDS = 'http://169.254.169.254/latest';

export interface NodeShellInput {
  /** Region of the AWS calls (the CLI does not read it from instance metadata). */
  readonly region: string;
  /** The node's port, as registered in target groups. */
  readonly port: number;
}

/**
 * Defines `REGION`, `PORT`, `imds PATH`, `target_groups` (one ARN a line: the target groups the node's group
 * registers it with; none outside `nlb`; fails when the group cannot be read) and `target_state ARN` (this
 * instance's state there: initial, healthy, unhealthy, draining, unused…). `target_state` needs
 * `INSTANCE_ID`.
 */
export function renderNodeShellFunctions(input: NodeShellInput): string {
  return [
    `readonly REGION='${input.region}'`,
    `readonly PORT=${input.port}`,
    `readonly IMDS=${IMDS}`,
    'imds() {',
    '  local token',
    '  token=$(curl -sf --max-time 2 -X PUT -H \'X-aws-ec2-metadata-token-ttl-seconds: 300\' "$IMDS/api/token") || return 1',
    '  curl -sf --max-time 2 -H "X-aws-ec2-metadata-token: $token" "$IMDS/meta-data/$1"',
    '}',
    'target_groups() {',
    '  local group arns',
    // Instance tags in metadata (the launch template allows them) name the group without an EC2 call.
    '  group=$(imds tags/instance/aws:autoscaling:groupName) || return 1',
    '  arns=$(aws autoscaling describe-auto-scaling-groups --region "$REGION" --auto-scaling-group-names "$group" \\',
    "    --query 'AutoScalingGroups[0].TargetGroupARNs' --output text) || return 1",
    "  tr -s '\\t ' '\\n' <<<\"$arns\" | grep '^arn:' || true",
    '}',
    'target_state() {',
    '  aws elbv2 describe-target-health --region "$REGION" --target-group-arn "$1" \\',
    '    --targets "Id=$INSTANCE_ID,Port=$PORT" --query \'TargetHealthDescriptions[0].TargetHealth.State\' --output text',
    '}',
  ].join('\n');
}
