import { CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { AuthService } from '../auth-service';
import { WslbCore } from '../core';
import { WslbDashboard } from '../dashboard';
import { WsFleet } from '../fleet/ws-fleet';
import type { StrategyStackProps } from './strategy-stack-props';

/**
 * `direct`: no WebSocket load balancer. Nodes sit in public subnets with public addresses and the WS
 * port open to the world (IPv4 and IPv6); the auth service hands out the chosen node's endpoint.
 */
export class DirectStack extends Stack {
  constructor(scope: Construct, id: string, props: StrategyStackProps) {
    super(scope, id, props);
    const { config } = props;
    const core = new WslbCore(this, 'Core', {
      config,
      privateNodes: false,
    });

    const fleet = new WsFleet(this, 'Fleet', {
      ...core.fleetProps(),
      publicIp: true,
      endpointSource: 'imds-public',
    });
    fleet.connections.allowFrom(ec2.Peer.anyIpv4(), ec2.Port.tcp(config.wsPort), 'clients (IPv4)');
    fleet.connections.allowFrom(ec2.Peer.anyIpv6(), ec2.Port.tcp(config.wsPort), 'clients (IPv6)');
    Validations.of(fleet.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'direct has no balancer: clients connect to the nodes themselves, from anywhere.',
    });

    const auth = new AuthService(this, 'Auth', {
      strategy: 'direct',
      ...core.authProps(),
    });

    new WslbDashboard(this, 'Dashboard', { fleet: this.stackName });

    new CfnOutput(this, 'AuthUrl', { value: auth.url.url });
  }
}
