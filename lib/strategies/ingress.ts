import { CfnSecurityGroupIngress, type IPeer, type ISecurityGroup, type Port } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

export interface IngressRuleProps {
  /** The group the rule opens. */
  readonly group: ISecurityGroup;
  /** Who may connect: a CIDR peer or another group. */
  readonly peer: IPeer;
  readonly port: Port;
  readonly description: string;
}

/**
 * An ingress rule as its own resource in `scope`. `connections.allowFrom` would put the rule inside the
 * opened group's construct (the core's); a tier's rules live in the tier, so adding or removing a tier
 * leaves every core resource as it was.
 */
export function ingressRule(scope: Construct, id: string, props: IngressRuleProps): CfnSecurityGroupIngress {
  return new CfnSecurityGroupIngress(scope, id, {
    groupId: props.group.securityGroupId,
    description: props.description,
    ...props.peer.toIngressRuleConfig(),
    ...props.port.toRuleJson(),
  });
}
