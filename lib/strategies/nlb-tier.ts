import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { deployTimeUrl } from '../../runtime/contract/url';
import type { ClientPath } from '../auth-service';
import { AwsApiEndpoints } from '../aws-api-endpoints';
import { NlbBalancer } from '../nlb/nlb-balancer';
import { ingressRule } from './ingress';
import type { StrategyTier, StrategyTierProps } from './tier';

/**
 * `nlb`: an internet-facing Network Load Balancer in front of the nodes; TLS on 443 when a certificate is
 * given. The target group's deregistration delay outlasts the nodes' drain (see lib/fleet/drain-watch.ts).
 */
export class NlbTier extends Construct implements StrategyTier {
  readonly path: ClientPath;
  readonly balancer: NlbBalancer;

  constructor(scope: Construct, id: string, props: StrategyTierProps) {
    super(scope, id);
    const { core, config } = props;
    const { fleet, network } = core;
    this.balancer = new NlbBalancer(this, 'Balancer', {
      vpc: network.vpc,
      vpcSubnets: network.publicSubnets,
      targetPort: config.wsPort,
      certificateArn: config.certificateArn,
      plaintextListener: config.certificateArn ? config.plaintextListener : true,
      idleTimeout:
        !config.certificateArn || config.plaintextListener
          ? Duration.seconds(config.idleTimeoutSeconds)
          : undefined,
      deregistrationDelay: fleet.deregistrationDelay,
    });
    fleet.attachToNetworkTargetGroup(this.balancer.targetGroup);
    this.balancer.allowTo(fleet.securityGroup, config.wsPort);
    ingressRule(this, 'NodesFromNlb', {
      group: fleet.securityGroup,
      peer: this.balancer.securityGroup,
      port: ec2.Port.tcp(config.wsPort),
      description: 'NLB to nodes and health checks',
    });

    // Nodes read their target health (readiness, drain) through the VPC when they have no internet route.
    const endpoints = new AwsApiEndpoints(this, 'Endpoints', {
      vpc: network.vpc,
      subnets: network.isolatedSubnets,
      services: { ElasticLoadBalancing: ec2.InterfaceVpcEndpointAwsService.ELASTIC_LOAD_BALANCING },
    });
    endpoints.allowFrom(fleet);
    endpoints.requiredBy(fleet.asg);

    const host = config.publicHostname ?? this.balancer.dnsName;
    this.path = {
      strategy: 'nlb',
      publicUrl: config.certificateArn
        ? deployTimeUrl('wss', host)
        : deployTimeUrl('ws', host, config.wsPort),
    };

    const { loadBalancer, targetGroup } = this.balancer;
    core.dashboard.addRow(
      new cloudwatch.GraphWidget({
        title: 'NLB flows',
        width: 24,
        left: [loadBalancer.metrics.activeFlowCount(), loadBalancer.metrics.newFlowCount()],
        right: [targetGroup.metrics.healthyHostCount()],
      }),
    );
    new CfnOutput(Stack.of(this), 'NlbUrl', { value: this.path.publicUrl! });
  }
}
