import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { deployTimeUrl } from '../../runtime/contract/url';
import type { ClientPath } from '../auth-service';
import { AwsApiEndpoints } from '../aws-api-endpoints';
import { FLEET_TAG_KEY } from '../fleet/ws-fleet';
import { HaproxyPair } from '../haproxy/haproxy-pair';
import { PAIR_SUBNET_GROUP } from '../network';
import { ingressRule } from './ingress';
import type { StrategyTier, StrategyTierProps } from './tier';

/**
 * `haproxy`: a Keepalived pair of HAProxy instances in two AZs behind one Elastic IP (internet clients) and
 * one overlay IP (clients inside the VPC), in front of the nodes, which the pair discovers by their fleet tag. Each instance leaves for the nodes from `haproxySourceIps` addresses.
 */
export class HaproxyTier extends Construct implements StrategyTier {
  readonly path: ClientPath;
  readonly pair: HaproxyPair;

  constructor(scope: Construct, id: string, props: StrategyTierProps) {
    super(scope, id);
    const { core, config } = props;
    const { fleet, network } = core;
    const { vpc } = network;
    const [sideA, sideB] = vpc.selectSubnets({ subnetGroupName: PAIR_SUBNET_GROUP }).subnets;
    this.pair = new HaproxyPair(this, 'Pair', {
      vpc,
      subnets: [sideA!, sideB!],
      overlayIp: config.haproxyOverlayIp,
      instanceType: config.haproxyInstanceType,
      sourceIps: config.haproxySourceIps,
      targetConnections: config.targetConnections,
      maxConnectionsPerNode: config.maxConnectionsPerNode,
      wsPort: config.wsPort,
      fleetTagKey: FLEET_TAG_KEY,
      fleetTagValue: fleet.fleetTag,
      ...(config.tls.haproxyCertificateSecretArn
        ? { tls: { certificateSecretArn: config.tls.haproxyCertificateSecretArn } }
        : {}),
    });
    ingressRule(this, 'NodesFromPair', {
      group: fleet.securityGroup,
      peer: this.pair.securityGroup,
      port: ec2.Port.tcp(config.wsPort),
      description: 'HAProxy to nodes and health checks',
    });

    // The pair's addresses have no public IP: its AWS calls go through the VPC. EC2 (claiming its addresses,
    // discovery, failover) is the tier's own; Auto Scaling (lifecycle hooks) and CloudFormation (the boot
    // signal) are the private nodes' endpoints, which exist whenever this tier is current: a second endpoint
    // of a service with private DNS in the same VPC is refused.
    const endpoints = new AwsApiEndpoints(this, 'Endpoints', {
      vpc,
      subnets: network.isolatedSubnets,
      services: { Ec2: ec2.InterfaceVpcEndpointAwsService.EC2 },
    });
    endpoints.allowFrom(this.pair);
    // Session Manager, Auto Scaling, CloudFormation and the rest of what the nodes use, when they are there.
    props.nodeEndpoints?.allowFrom(this.pair);
    for (const group of this.pair.groups) endpoints.requiredBy(group);

    this.path = {
      strategy: 'haproxy',
      // With TLS, config.ts made sure of publicHostname: the name the certificate covers.
      publicUrl: config.tls.haproxyCertificateSecretArn
        ? deployTimeUrl('wss', config.publicHostname ?? this.pair.eip.ref)
        : deployTimeUrl('ws', config.publicHostname ?? this.pair.eip.ref, config.wsPort),
    };
    new CfnOutput(Stack.of(this), 'HaproxyUrl', { value: this.path.publicUrl! });
    new CfnOutput(Stack.of(this), 'HaproxyPublicVip', { value: this.pair.eip.ref });
    new CfnOutput(Stack.of(this), 'HaproxyPrivateVip', { value: this.pair.overlayIp });
  }
}
