import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { AuthService } from '../auth-service';
import { WslbCore } from '../core';
import { WslbDashboard } from '../dashboard';
import { FLEET_TAG_KEY, WsFleet } from '../fleet/ws-fleet';
import { HaproxyPair } from '../haproxy/haproxy-pair';
import { PAIR_SUBNET_GROUP } from '../network';
import type { StrategyStackProps } from './strategy-stack-props';

/**
 * `haproxy`: a Keepalived pair of HAProxy instances behind one Elastic IP, in front of private nodes
 * that the pair discovers by tag. Each instance leaves for the nodes from `haproxySourceIps` addresses.
 */
export class HaproxyStack extends Stack {
  constructor(scope: Construct, id: string, props: StrategyStackProps) {
    super(scope, id, props);
    const { config } = props;
    const core = new WslbCore(this, 'Core', {
      config,
      privateNodes: true,
      haproxyPair: true,
    });
    const { vpc } = core.network;

    const fleet = new WsFleet(this, 'Fleet', {
      ...core.fleetProps(),
      endpointSource: 'imds-private',
      tokenAudience: this.stackName,
    });

    const pair = new HaproxyPair(this, 'Haproxy', {
      vpc,
      subnet: vpc.selectSubnets({ subnetGroupName: PAIR_SUBNET_GROUP }).subnets[0]!,
      instanceType: config.haproxyInstanceType,
      sourceIps: config.haproxySourceIps,
      targetConnections: config.targetConnections,
      wsPort: config.wsPort,
      fleetTagKey: FLEET_TAG_KEY,
      fleetTagValue: this.stackName,
    });
    core.network.allowEndpointsFrom(fleet);
    core.network.allowEndpointsFrom(pair);
    fleet.connections.allowFrom(pair, ec2.Port.tcp(config.wsPort), 'HAProxy to nodes and health checks');

    const publicUrl = `ws://${config.publicHostname ?? pair.eip.ref}:${config.wsPort}`;
    const auth = new AuthService(this, 'Auth', {
      strategy: 'haproxy',
      publicUrl,
      balancerName: this.stackName,
      ...core.authProps(),
    });

    new WslbDashboard(this, 'Dashboard', { fleet: this.stackName });

    new CfnOutput(this, 'AuthUrl', { value: auth.url.url });
    new CfnOutput(this, 'WsUrl', { value: publicUrl });
    new CfnOutput(this, 'PublicVip', { value: pair.eip.ref });
  }
}
