import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { Strategy } from '../runtime/contract/strategies';
import { AwsApiEndpoints } from './aws-api-endpoints';
import type { WslbConfig } from './config';
import { WslbCore } from './core';
import { DirectTier } from './strategies/direct-tier';
import { HaproxyTier } from './strategies/haproxy-tier';
import { NlbTier } from './strategies/nlb-tier';
import { NODE_PLACEMENT, type StrategyTier, type StrategyTierProps, TIER_ID } from './strategies/tier';

export interface WslbStackProps extends StackProps {
  /** The app's validated context. */
  readonly config: WslbConfig;
}

const TIERS: Readonly<
  Record<Strategy, new (scope: Construct, id: string, props: StrategyTierProps) => StrategyTier>
> = { nlb: NlbTier, haproxy: HaproxyTier, direct: DirectTier };

/** What private nodes reach through the VPC: secrets, Session Manager, logs, their own signals and group. */
const PRIVATE_NODE_SERVICES = {
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
  SsmMessages: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
  Ec2Messages: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  // The readiness signal, and the node's own group (which target groups to be healthy in, to drain from).
  CloudFormation: ec2.InterfaceVpcEndpointAwsService.CLOUDFORMATION,
  AutoScaling: ec2.InterfaceVpcEndpointAwsService.AUTOSCALING,
} as const;

/**
 * One deployment: the core, the tier of `config.strategy`, and during a switch the tier of `config.retiring`.
 * The stack only wires; a tier keeps its construct id (and so its resources) whether current or retiring.
 */
export class WslbStack extends Stack {
  readonly core: WslbCore;
  readonly tiers: readonly StrategyTier[];

  constructor(scope: Construct, id: string, props: WslbStackProps) {
    super(scope, id, props);
    const { config } = props;
    const nodePlacement = NODE_PLACEMENT[config.strategy];
    this.core = new WslbCore(this, 'Core', { config, nodePlacement });

    let nodeEndpoints: AwsApiEndpoints | undefined;
    if (nodePlacement === 'private') {
      const { network, fleet } = this.core;
      nodeEndpoints = new AwsApiEndpoints(this, 'PrivateNodes', {
        vpc: network.vpc,
        subnets: network.isolatedSubnets,
        services: PRIVATE_NODE_SERVICES,
      });
      nodeEndpoints.allowFrom(fleet);
      nodeEndpoints.requiredBy(fleet.asg);
    }

    const strategies = config.retiring ? [config.strategy, config.retiring] : [config.strategy];
    this.tiers = strategies.map(
      (strategy) => new TIERS[strategy](this, TIER_ID[strategy], { core: this.core, config, nodeEndpoints }),
    );
    this.core.auth.handOut(this.tiers[0]!.path, this.tiers[1]?.path);
    // To or from direct the group rolls, and each old node's drain moves its clients: the nodes are told to
    // move the rest only after the roll, so none is moved while no node on the new path is up (decision 0150).
    this.core.auth.currentPath!.writeAfter(this.core.fleet.asg);
  }
}
