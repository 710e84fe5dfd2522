import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface AwsApiEndpointsProps {
  /** The VPC the endpoints serve (private DNS makes them answer for the whole VPC). */
  readonly vpc: ec2.IVpc;
  /** Subnets the endpoints' interfaces sit in, one per AZ. */
  readonly subnets: ec2.SubnetSelection;
  /** Construct id to AWS service. */
  readonly services: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>>;
}

/**
 * Interface VPC endpoints with private DNS for hosts without a route to the internet. Closed by default:
 * only the peers given to {@link allowFrom} reach them (HTTPS).
 */
export class AwsApiEndpoints extends Construct {
  readonly endpoints: readonly ec2.InterfaceVpcEndpoint[];

  constructor(scope: Construct, id: string, props: AwsApiEndpointsProps) {
    super(scope, id);
    this.endpoints = Object.entries(props.services).map(
      ([name, service]) =>
        new ec2.InterfaceVpcEndpoint(this, name, {
          vpc: props.vpc,
          service,
          subnets: props.subnets,
          privateDnsEnabled: true,
          open: false,
        }),
    );
  }

  /** Let `peer` reach every endpoint here on HTTPS. */
  allowFrom(peer: ec2.IConnectable): void {
    for (const endpoint of this.endpoints)
      endpoint.connections.allowDefaultPortFrom(peer, 'AWS APIs through the VPC');
  }

  /**
   * Make `dependent` wait for the endpoints: a host that boots before them fails its first AWS calls. Only the
   * endpoints themselves (minutes to create), not the rules other peers add to their groups.
   */
  requiredBy(dependent: Construct): void {
    for (const endpoint of this.endpoints) dependent.node.addDependency(endpoint.node.defaultChild!);
  }
}
