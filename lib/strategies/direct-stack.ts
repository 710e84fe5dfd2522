import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { AuthService } from '../auth-service';
import type { WslbConfig } from '../config';
import { WslbCore } from '../core';
import { WslbDashboard } from '../dashboard';
import { WsFleet } from '../fleet/ws-fleet';

export interface DirectStackProps extends StackProps {
  /** The app's validated context. */
  readonly config: WslbConfig;
}

/**
 * `direct`: no WebSocket load balancer. Nodes sit in public subnets with public addresses and the WS
 * port open to the world (IPv4 and IPv6); the auth service hands out the chosen node's endpoint.
 */
export class DirectStack extends Stack {
  constructor(scope: Construct, id: string, props: DirectStackProps) {
    super(scope, id, props);
    const { config } = props;
    const core = new WslbCore(this, 'Core', { privateNodes: false });

    const fleet = new WsFleet(this, 'Fleet', {
      vpc: core.network.vpc,
      subnets: core.network.nodeSubnets,
      publicIp: true,
      instanceType: config.instanceType,
      nodes: config.nodes,
      wsPort: config.wsPort,
      maxConnectionsPerNode: config.maxConnectionsPerNode,
      pingSeconds: config.pingSeconds,
      drainSeconds: config.drainSeconds,
      endpointSource: 'imds-public',
      tokenSecret: core.tokenSecret.secret,
      registry: core.registry,
      logGroup: core.nodeLogs,
      fleetTag: this.stackName,
    });
    fleet.connections.allowFrom(ec2.Peer.anyIpv4(), ec2.Port.tcp(config.wsPort), 'clients (IPv4)');
    fleet.connections.allowFrom(ec2.Peer.anyIpv6(), ec2.Port.tcp(config.wsPort), 'clients (IPv6)');
    Validations.of(fleet.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'direct has no balancer: clients connect to the nodes themselves, from anywhere.',
    });

    const auth = new AuthService(this, 'Auth', {
      strategy: 'direct',
      tokenSecret: core.tokenSecret.secret,
      usersSecret: core.usersSecret.secret,
      registry: core.registry,
      allowedOrigins: config.allowedOrigins,
    });

    new WslbDashboard(this, 'Dashboard', { fleet: this.stackName });

    new CfnOutput(this, 'AuthUrl', { value: auth.url.url });
  }
}
