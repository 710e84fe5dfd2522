import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface WslbNetworkProps {
  /**
   * Whether WS nodes live in private subnets. Private nodes get isolated subnets that reach AWS
   * services only through VPC endpoints; public nodes reach them over the internet gateway.
   * @default true
   */
  readonly privateNodes?: boolean;
  /**
   * Add a public subnet group for the HAProxy pair (addresses planned statically, so nothing else may
   * launch there) and an EC2 API endpoint for the pair's discovery and failover calls.
   * @default false
   */
  readonly haproxyPair?: boolean;
  /** IPv4 range of the VPC. @default '10.40.0.0/16' */
  readonly cidr?: string;
}

export const PAIR_SUBNET_GROUP = 'pair';

/** Interface endpoints the private nodes use: secrets, Session Manager, and CloudWatch Logs for metrics. */
const INTERFACE_ENDPOINTS: ReadonlyArray<[string, ec2.InterfaceVpcEndpointAwsService]> = [
  ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
  ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
  ['SsmMessages', ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES],
  ['Ec2Messages', ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES],
  ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
];

/**
 * VPC over two AZs with public subnets and, when nodes are private, isolated subnets without a NAT
 * gateway: S3 and DynamoDB gateway endpoints (dnf repositories of AL2023 and the node bundle live in
 * S3) and interface endpoints for the rest.
 */
export class WslbNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** Subnets for the WS nodes. */
  readonly nodeSubnets: ec2.SubnetSelection;
  readonly privateNodes: boolean;
  private readonly endpoints: ec2.InterfaceVpcEndpoint[] = [];

  constructor(scope: Construct, id: string, props: WslbNetworkProps = {}) {
    super(scope, id);
    this.privateNodes = props.privateNodes ?? true;
    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
    ];
    if (props.haproxyPair) {
      subnetConfiguration.push({
        name: PAIR_SUBNET_GROUP,
        subnetType: ec2.SubnetType.PUBLIC,
        cidrMask: 25,
        mapPublicIpOnLaunch: false,
      });
    }
    if (this.privateNodes) {
      subnetConfiguration.push({ name: 'nodes', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 });
    }
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.40.0.0/16'),
      // Public nodes are reachable on IPv6 too; isolated subnets stay IPv4-only so nothing tries a v6 route they lack.
      ipProtocol: this.privateNodes ? ec2.IpProtocol.IPV4_ONLY : ec2.IpProtocol.DUAL_STACK,
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    this.vpc.addFlowLog('FlowLog', { trafficType: ec2.FlowLogTrafficType.REJECT });
    this.nodeSubnets = {
      subnetType: this.privateNodes ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PUBLIC,
    };
    if (this.privateNodes) {
      for (const [name, service] of INTERFACE_ENDPOINTS) {
        this.endpoints.push(
          this.vpc.addInterfaceEndpoint(name, {
            service,
            subnets: this.nodeSubnets,
            privateDnsEnabled: true,
            open: false,
          }),
        );
      }
    }
    if (props.haproxyPair) {
      // The pair's primary addresses have no public IP: EC2 calls go through the VPC.
      this.endpoints.push(
        this.vpc.addInterfaceEndpoint('Ec2', {
          service: ec2.InterfaceVpcEndpointAwsService.EC2,
          subnets: this.privateNodes ? this.nodeSubnets : { subnetGroupName: PAIR_SUBNET_GROUP },
          privateDnsEnabled: true,
          open: false,
        }),
      );
    }
  }

  /** Let `peer` reach the interface endpoints (HTTPS); nothing else in the VPC can. */
  allowEndpointsFrom(peer: ec2.IConnectable): void {
    for (const endpoint of this.endpoints)
      endpoint.connections.allowDefaultPortFrom(peer, 'AWS APIs through the VPC');
  }
}
