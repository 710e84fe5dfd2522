import { Annotations, Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { NodeCounts } from '../config';
import type { RegistryTable } from '../registry-table';
import { acknowledgeAssetRead, RuntimeBundle } from '../runtime-bundle';
import { nodeUserData } from './node-user-data';

/** Tag key HAProxy's discovery agent filters on; the value names one stack's fleet. */
export const FLEET_TAG_KEY = 'wslb:fleet';

/** Seconds a terminating node is kept beyond the drain window (watcher poll, stop grace). */
const DRAIN_HOOK_GRACE_SECONDS = 30;

/** How long a new node has before failed health checks count: boot installs Node.js and the agent. */
const HEALTH_CHECK_GRACE = Duration.minutes(5);

/** Bundle entry of the node service. */
export const NODE_ENTRY = 'runtime/node/main.ts';

export interface WsFleetProps {
  /** The VPC of the nodes. */
  readonly vpc: ec2.IVpc;
  /** Where the nodes run. */
  readonly subnets: ec2.SubnetSelection;
  /**
   * Give each node a public IPv4 and an IPv6 address, and have it report its public endpoint to the registry
   * (clients connect to nodes themselves: `direct`). Otherwise nodes report their private address.
   * @default false
   */
  readonly publicAddress?: boolean;
  /** EC2 instance type of a node; must be Graviton (arm64). */
  readonly instanceType: string;
  /** Auto Scaling group size. */
  readonly nodes: NodeCounts;
  /** Port the node service listens on. */
  readonly wsPort: number;
  /** Upgrades beyond this many open sockets get 503. */
  readonly maxConnectionsPerNode: number;
  /** Ping interval of the node service. */
  readonly pingSeconds: number;
  /** Drain window after SIGTERM. */
  readonly drainSeconds: number;
  /** Registry heartbeat interval; the auth service's freshness window is a few of these. */
  readonly heartbeatMs: number;
  /** Extra token audience the nodes accept (the balancers' name). @default - only the node id */
  readonly tokenAudience?: string;
  /** Token signing key; the nodes get read access and its ARN, never its value. */
  readonly tokenSecret: secretsmanager.ISecret;
  /** Registry the nodes heartbeat into. */
  readonly registry: RegistryTable;
  /** Log group the node log (with its EMF metric lines) goes to. */
  readonly logGroup: logs.ILogGroup;
  /** Value of the {@link FLEET_TAG_KEY} tag on every node. */
  readonly fleetTag: string;
}

/**
 * The WS nodes: an Auto Scaling group of AL2023 arm64 instances from a launch template with IMDSv2
 * required, no key pair and no SSH (Session Manager only), running the node service under systemd.
 */
export class WsFleet extends Construct implements ec2.IConnectable {
  readonly asg: autoscaling.AutoScalingGroup;
  readonly role: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  /** Value of the {@link FLEET_TAG_KEY} tag on every node. */
  readonly fleetTag: string;
  /**
   * How long a load balancer should keep a deregistering node's flows: long enough for the node to notice
   * and drain them itself.
   */
  readonly deregistrationDelay: Duration;

  constructor(scope: Construct, id: string, props: WsFleetProps) {
    super(scope, id);
    this.fleetTag = props.fleetTag;
    this.deregistrationDelay = Duration.seconds(props.drainSeconds);
    const bundle = new RuntimeBundle(this, 'Bundle', { entries: { main: NODE_ENTRY } });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    bundle.asset.grantRead(this.role);
    props.tokenSecret.grantRead(this.role);
    props.registry.grantHeartbeat(this.role);
    props.logGroup.grantWrite(this.role);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'wslb WS nodes',
      allowAllOutbound: true,
      allowAllIpv6Outbound: true,
    });
    this.connections = this.securityGroup.connections;

    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      instanceType: new ec2.InstanceType(props.instanceType),
      role: this.role,
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      associatePublicIpAddress: props.publicAddress ?? false,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
      userData: nodeUserData({
        bundle: bundle.asset,
        logGroupName: props.logGroup.logGroupName,
        env: {
          HOST: '0.0.0.0',
          PORT: props.wsPort,
          ENDPOINT_SOURCE: props.publicAddress ? 'imds-public' : 'imds-private',
          MAX_CONNECTIONS: props.maxConnectionsPerNode,
          PING_SECONDS: props.pingSeconds,
          DRAIN_SECONDS: props.drainSeconds,
          HEARTBEAT_MS: props.heartbeatMs,
          TOKEN_SECRET_ARN: props.tokenSecret.secretArn,
          REGISTRY_TABLE: props.registry.table.tableName,
          TOKEN_AUDIENCE: props.tokenAudience,
          AWS_REGION: Stack.of(this).region,
          METRICS_FLEET: props.fleetTag,
        },
      }),
    });

    this.asg = new autoscaling.AutoScalingGroup(this, 'Asg', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      launchTemplate,
      minCapacity: props.nodes.min,
      desiredCapacity: props.nodes.desired,
      maxCapacity: props.nodes.max,
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: HEALTH_CHECK_GRACE }),
      // A new bundle or setting is a new launch template version: roll it out one node at a time, each
      // old node draining on SIGTERM as it goes.
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        maxBatchSize: 1,
        minInstancesInService: Math.min(props.nodes.min, props.nodes.max - 1),
      }),
    });
    if (props.publicAddress) {
      // The launch template's interface overrides the subnet's IPv6 auto-assignment: ask for one.
      (launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride(
        'LaunchTemplateData.NetworkInterfaces.0.Ipv6AddressCount',
        1,
      );
    }
    // Terminating nodes wait here while they drain (see drain-watch.ts); the hook then times out and
    // the termination goes on, so nothing on the node needs permission to complete it.
    this.asg.addLifecycleHook('Drain', {
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_TERMINATING,
      heartbeatTimeout: Duration.seconds(props.drainSeconds + DRAIN_HOOK_GRACE_SECONDS),
      defaultResult: autoscaling.DefaultResult.CONTINUE,
    });
    Tags.of(this.asg).add(FLEET_TAG_KEY, props.fleetTag, { applyToLaunchedInstances: true });

    Annotations.of(this.asg).acknowledgeWarning(
      '@aws-cdk/aws-autoscaling:desiredCapacitySet',
      'nodes=MIN/DESIRED/MAX is an explicit parameter: a deploy that resets the size to it is intended',
    );
    Validations.of(this.asg).acknowledge({
      id: 'AwsSolutions-AS3',
      reason: 'Scaling events are in the group activity history; this app has no operator topic to notify.',
    });
    acknowledgeAssetRead(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'Session Manager is the only shell access (no SSH); this is the policy AWS maintains for it.',
    });
  }

  /**
   * Register every node with a Network Load Balancer target group, and replace nodes it reports unhealthy
   * (ELB health checks beside EC2's). Updates the group in place: no node is replaced.
   */
  attachToNetworkTargetGroup(targetGroup: elbv2.INetworkTargetGroup): void {
    this.asg.attachToNetworkTargetGroup(targetGroup);
    const cfn = this.asg.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    cfn.healthCheckType = 'ELB';
  }
}
