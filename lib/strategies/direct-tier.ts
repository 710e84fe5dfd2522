import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { ClientPath } from '../auth-service';
import { ingressRule } from './ingress';
import type { StrategyTier, StrategyTierProps } from './tier';

/**
 * `direct`: no WebSocket load balancer. The auth service hands out the chosen node's own endpoint; this tier
 * opens the WS port of the (public) nodes to the world, on IPv4 and IPv6.
 */
export class DirectTier extends Construct implements StrategyTier {
  readonly path: ClientPath = { strategy: 'direct' };

  constructor(scope: Construct, id: string, props: StrategyTierProps) {
    super(scope, id);
    const { fleet } = props.core;
    const port = ec2.Port.tcp(props.config.wsPort);
    const rules = [
      ingressRule(this, 'ClientsIpv4', {
        group: fleet.securityGroup,
        peer: ec2.Peer.anyIpv4(),
        port,
        description: 'clients (IPv4)',
      }),
      ingressRule(this, 'ClientsIpv6', {
        group: fleet.securityGroup,
        peer: ec2.Peer.anyIpv6(),
        port,
        description: 'clients (IPv6)',
      }),
    ];
    for (const rule of rules) {
      Validations.of(rule).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'direct has no balancer: clients connect to the nodes themselves, from anywhere.',
      });
    }
  }
}
