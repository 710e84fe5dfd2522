import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface WslbNetworkProps {
  /** IPv4 range of the VPC. @default '10.40.0.0/16' */
  readonly cidr?: string;
}

/** Subnet group of the NLB and of public nodes (`direct`). */
export const PUBLIC_SUBNET_GROUP = 'public';
/** Subnet group of the HAProxy pair, one subnet per side: the upper half of each is reserved for its own addresses. */
export const PAIR_SUBNET_GROUP = 'pair';
/** Subnet group of private nodes: isolated, AWS reached only through VPC endpoints. */
export const NODE_SUBNET_GROUP = 'nodes';

/**
 * The VPC every strategy keeps: two AZs, dual-stack, no NAT gateway, with all three subnet groups whatever the
 * strategy (public, the HAProxy pair's, isolated node subnets), so that a switch never renumbers a subnet. S3
 * and DynamoDB gateway endpoints serve every subnet (AL2023's dnf repositories and the bundles are in S3).
 */
export class WslbNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** Public subnets: the NLB, and the nodes under `direct`. */
  readonly publicSubnets: ec2.SubnetSelection = { subnetGroupName: PUBLIC_SUBNET_GROUP };
  /** Isolated subnets: the nodes under `nlb` and `haproxy`, and the interface endpoints they use. */
  readonly isolatedSubnets: ec2.SubnetSelection = { subnetGroupName: NODE_SUBNET_GROUP };

  constructor(scope: Construct, id: string, props: WslbNetworkProps = {}) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.40.0.0/16'),
      // Public nodes (direct) are reachable on IPv6 too. Isolated subnets get an IPv6 range but assign no
      // address, so nothing there tries a v6 route they lack.
      ipProtocol: ec2.IpProtocol.DUAL_STACK,
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        {
          name: PUBLIC_SUBNET_GROUP,
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: 24,
          mapPublicIpOnLaunch: false,
        },
        {
          name: PAIR_SUBNET_GROUP,
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: 25,
          mapPublicIpOnLaunch: false,
          ipv6AssignAddressOnCreation: false,
        },
        {
          name: NODE_SUBNET_GROUP,
          subnetType: ec2.SubnetType.PRIVATE_ISOLATED,
          cidrMask: 22,
          ipv6AssignAddressOnCreation: false,
        },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    this.vpc.addFlowLog('FlowLog', { trafficType: ec2.FlowLogTrafficType.REJECT });
  }
}
