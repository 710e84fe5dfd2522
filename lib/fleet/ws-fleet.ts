import { Annotations, Duration, Lazy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  DRAIN_SECONDS,
  HEARTBEAT_MS,
  MAX_CONNECTIONS_PER_NODE,
  PING_SECONDS,
  WS_PORT,
} from '../../runtime/contract/defaults';
import { NODE_METRICS } from '../dashboard';
import type { RegistryTable } from '../registry-table';
import { acknowledgeAssetRead, RuntimeBundle } from '../runtime-bundle';
import type { DirectTls } from '../tls-context';
import { DRAIN_NOTICE } from './drain-watch';
import { nodePublicName } from './node-public-name';
import { nodeUserData } from './node-user-data';
import { defaultScalingTarget, SCALING_POLICY } from './scaling-policy';

/** Tag key HAProxy's discovery agent filters on; the value names one stack's fleet. */
export const FLEET_TAG_KEY = 'wslb:fleet';

/** Bundle entry of the node service. */
export const NODE_ENTRY = 'runtime/node/main.ts';

/** Size of the node group. */
export interface NodeCounts {
  readonly min: number;
  readonly desired: number;
  readonly max: number;
}

/** What {@link WsFleet} does when a prop is left out (the app's context defaults are these too). */
export const WS_FLEET_DEFAULTS = {
  instanceType: 't4g.small',
  capacity: { min: 2, desired: 2, max: 4 } as NodeCounts,
  port: WS_PORT,
  maxConnectionsPerNode: MAX_CONNECTIONS_PER_NODE,
  pingInterval: Duration.seconds(PING_SECONDS),
  drainWindow: Duration.seconds(DRAIN_SECONDS),
  heartbeatInterval: Duration.millis(HEARTBEAT_MS),
  bootTimeout: Duration.minutes(15),
} as const;

/** How long a new node has before failed health checks count: boot installs Node.js and the agent. */
const HEALTH_CHECK_GRACE = Duration.minutes(5);
/** A terminating node is held this long beyond its drain window (watcher poll, systemd stop grace). */
const DRAIN_HOOK_GRACE = Duration.seconds(30);

export interface WsFleetProps {
  /** The VPC of the nodes. */
  readonly vpc: ec2.IVpc;
  /** Where the nodes run. @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Give each node a public IPv4 and an IPv6 address, and have it report its public endpoint to the registry
   * (clients connect to nodes themselves: `direct`). Otherwise nodes report their private address.
   * @default false
   */
  readonly publicAddress?: boolean;
  /** EC2 instance type of a node; arm64 (Graviton), as the image is. @default 't4g.small' */
  readonly instanceType?: string;
  /** Size of the group. @default { min: 2, desired: 2, max: 4 } */
  readonly capacity?: NodeCounts;
  /** Port the node service listens on (WebSockets and `/healthz`). @default 8080 */
  readonly port?: number;
  /** Upgrades beyond this many open sockets on a node get 503. @default 10000 */
  readonly maxConnectionsPerNode?: number;
  /**
   * Connections per node the group's target tracking keeps: the average of the nodes' `Connections` metric
   * (EMF, one line a minute per node). Above it the group adds nodes; below it removes one, which drains
   * first (the termination hook). Must stay below `maxConnectionsPerNode` by what arrives while a new node
   * boots (docs/deploy/scaling.md). An integer from 1 to maxConnectionsPerNode - 1.
   * @default 70 % of maxConnectionsPerNode
   */
  readonly scalingTargetPerNode?: number;
  /** Ping interval of the node service (whole seconds, 1-3600). @default Duration.seconds(25) */
  readonly pingInterval?: Duration;
  /** How long a leaving node takes to close its clients, in batches (whole seconds, 0-3600). @default Duration.seconds(30) */
  readonly drainWindow?: Duration;
  /** Registry heartbeat interval (100 ms-60 s); the auth service's freshness window is a few of these. @default Duration.seconds(2) */
  readonly heartbeatInterval?: Duration;
  /**
   * How long a new node may take from launch to ready (answers `/healthz`, healthy in its target groups)
   * before its launch, and the deploy that launched it, count as failed (1-60 minutes).
   * @default Duration.minutes(15)
   */
  readonly bootTimeout?: Duration;
  /**
   * An in-process app module (absolute path, resolved by lib/config.ts) bundled into the node service instead of
   * echo (docs/node-app.md). @default - the echo app
   */
  readonly app?: string;
  /**
   * Sidecar mode: each node pipes its clients to this upstream on its own host (`ws://127.0.0.1:9000`), which the
   * operator runs there (docs/node-app.md#sidecar-mode). @default - none: the node hosts `app`
   */
  readonly upstreamUrl?: string;
  /** Extra token audience the nodes accept (the balancers' name). @default - only the node id */
  readonly tokenAudience?: string;
  /** Token signing key; the nodes get read access and its ARN, never its value. */
  readonly tokenSecret: secretsmanager.ISecret;
  /** Registry the nodes heartbeat into. */
  readonly registry: RegistryTable;
  /** Log group the node log (with its EMF metric lines) goes to. */
  readonly logGroup: logs.ILogGroup;
  /** Value of the {@link FLEET_TAG_KEY} tag on every node. @default - the stack name */
  readonly fleetTag?: string;
  /**
   * Public nodes only: a name per node in this Route 53 zone and the wildcard certificate for it (wss).
   * @default - nodes are reached by their address, over ws
   */
  readonly publicName?: DirectTls;
}

/**
 * The WS nodes: an Auto Scaling group of AL2023 arm64 instances from a launch template with IMDSv2 required
 * (instance tags readable there), no key pair and no SSH (Session Manager only), running the node service
 * under systemd.
 *
 * Updates roll one node at a time: each new node signals when it is ready (decision 0127) and the group keeps
 * a minimum in service; each leaving node drains first, whether a load balancer deregisters it or Auto
 * Scaling terminates it (decisions 0025, 0128).
 * @throws Error naming every prop out of range, at once
 */
export class WsFleet extends Construct implements ec2.IConnectable {
  readonly asg: autoscaling.AutoScalingGroup;
  readonly role: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly port: number;
  /** Value of the {@link FLEET_TAG_KEY} tag on every node. */
  readonly fleetTag: string;
  readonly drainWindow: Duration;
  /**
   * How long a load balancer should keep a deregistering node's flows: the drain window plus the time the
   * node takes to notice it is deregistering, so the node has closed every client before the balancer would
   * reset one.
   */
  readonly deregistrationDelay: Duration;

  constructor(scope: Construct, id: string, props: WsFleetProps) {
    super(scope, id);
    const d = WS_FLEET_DEFAULTS;
    const instanceType = new ec2.InstanceType(props.instanceType ?? d.instanceType);
    const capacity = props.capacity ?? d.capacity;
    this.port = props.port ?? d.port;
    const maxConnections = props.maxConnectionsPerNode ?? d.maxConnectionsPerNode;
    const scalingTarget = props.scalingTargetPerNode ?? defaultScalingTarget(maxConnections);
    const pingInterval = props.pingInterval ?? d.pingInterval;
    this.drainWindow = props.drainWindow ?? d.drainWindow;
    const heartbeatInterval = props.heartbeatInterval ?? d.heartbeatInterval;
    const bootTimeout = props.bootTimeout ?? d.bootTimeout;
    const problems = checkProps({
      instanceType,
      capacity,
      port: this.port,
      maxConnections,
      scalingTarget,
      pingInterval,
      drainWindow: this.drainWindow,
      heartbeatInterval,
      bootTimeout,
    });
    if (problems.length > 0) throw new Error(`WsFleet ${this.node.path}:\n  ${problems.join('\n  ')}`);

    const stack = Stack.of(this);
    this.fleetTag = props.fleetTag ?? stack.stackName;
    this.deregistrationDelay = this.drainWindow.plus(DRAIN_NOTICE);
    const bundle = new RuntimeBundle(this, 'Bundle', { entries: { main: NODE_ENTRY }, nodeApp: props.app });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    bundle.asset.grantRead(this.role);
    props.tokenSecret.grantRead(this.role);
    props.registry.grantHeartbeat(this.role);
    props.registry.grantReadCurrentPath(this.role);
    props.logGroup.grantWrite(this.role);
    this.grantOwnStanding();
    const nameEnv = nodePublicName(this.role, props.publicAddress ? props.publicName : undefined);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'wslb WS nodes',
      allowAllOutbound: true,
      allowAllIpv6Outbound: true,
    });
    this.connections = this.securityGroup.connections;

    // The group's logical id, for the readiness signal: known only once the group exists.
    let groupLogicalId = '';
    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      instanceType,
      role: this.role,
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: true,
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
          // Public nodes have an IPv6 address and the IPv6 port open: listen on both families (dual stack).
          HOST: props.publicAddress ? '::' : '0.0.0.0',
          PORT: this.port,
          ENDPOINT_SOURCE: props.publicAddress ? 'imds-public' : 'imds-private',
          MAX_CONNECTIONS: maxConnections,
          PING_SECONDS: pingInterval.toSeconds(),
          DRAIN_SECONDS: this.drainWindow.toSeconds(),
          HEARTBEAT_MS: heartbeatInterval.toMilliseconds(),
          TOKEN_SECRET_ARN: props.tokenSecret.secretArn,
          REGISTRY_TABLE: props.registry.table.tableName,
          TOKEN_AUDIENCE: props.tokenAudience,
          AWS_REGION: stack.region,
          METRICS_FLEET: this.fleetTag,
          ...nameEnv,
          UPSTREAM_URL: props.upstreamUrl,
        },
        ready: {
          stackName: stack.stackName,
          groupLogicalId: Lazy.string({ produce: () => groupLogicalId }),
          // The signal must arrive before the group's timeout; boot itself takes the first few minutes.
          deadline: bootTimeout.minus(Duration.minutes(1)),
        },
      }),
    });

    this.asg = new autoscaling.AutoScalingGroup(this, 'Asg', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      launchTemplate,
      minCapacity: capacity.min,
      desiredCapacity: capacity.desired,
      maxCapacity: capacity.max,
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: HEALTH_CHECK_GRACE }),
      // Creation waits for every node; an update for each new one (WaitOnResourceSignals, PauseTime = the
      // timeout), one at a time, keeping `min` in service (one fewer when the group cannot grow past it).
      signals: autoscaling.Signals.waitForAll({ timeout: bootTimeout }),
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        maxBatchSize: 1,
        minInstancesInService: Math.min(capacity.min, capacity.max - 1),
      }),
    });
    groupLogicalId = stack.getLogicalId(this.asg.node.defaultChild as autoscaling.CfnAutoScalingGroup);
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
      heartbeatTimeout: this.drainWindow.plus(DRAIN_HOOK_GRACE),
      defaultResult: autoscaling.DefaultResult.CONTINUE,
    });
    Tags.of(this.asg).add(FLEET_TAG_KEY, this.fleetTag, { applyToLaunchedInstances: true });
    this.asg.scaleToTrackMetric('ConnectionsPerNode', {
      metric: new cloudwatch.Metric({
        namespace: NODE_METRICS.namespace,
        metricName: NODE_METRICS.connections,
        dimensionsMap: { Fleet: this.fleetTag },
        statistic: cloudwatch.Stats.AVERAGE,
        period: Duration.seconds(SCALING_POLICY.metricPeriodSeconds),
      }),
      targetValue: scalingTarget,
      // A new node counts in the average only once it reports; until then its launch is still in progress.
      estimatedInstanceWarmup: Duration.seconds(SCALING_POLICY.warmupSeconds),
    });

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

  /**
   * The readiness script and the drain watch read the node's own group (which target groups) and target
   * health; the two Describe calls take no resource-level permissions. (The group's `signals` grant the
   * role `cloudformation:SignalResource` on this stack.)
   */
  private grantOwnStanding(): void {
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnStanding',
        actions: ['autoscaling:DescribeAutoScalingGroups', 'elasticloadbalancing:DescribeTargetHealth'],
        resources: ['*'],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'autoscaling:DescribeAutoScalingGroups and elasticloadbalancing:DescribeTargetHealth support no ' +
        'resource-level permissions; both only read.',
    });
  }
}

interface CheckedProps {
  readonly instanceType: ec2.InstanceType;
  readonly capacity: NodeCounts;
  readonly port: number;
  readonly maxConnections: number;
  readonly scalingTarget: number;
  readonly pingInterval: Duration;
  readonly drainWindow: Duration;
  readonly heartbeatInterval: Duration;
  readonly bootTimeout: Duration;
}

function checkProps(p: CheckedProps): string[] {
  const problems: string[] = [];
  const intIn = (name: string, value: number, min: number, max: number, unit = '') => {
    if (!(Number.isInteger(value) && value >= min && value <= max)) {
      problems.push(`${name}: got ${value}${unit}; accepted: an integer from ${min} to ${max}${unit}`);
    }
  };
  if (p.instanceType.architecture !== ec2.InstanceArchitecture.ARM_64) {
    problems.push(
      `instanceType: got ${p.instanceType} (${p.instanceType.architecture}); accepted: an arm64 (Graviton) ` +
        'type, as the nodes boot the arm64 AL2023 image',
    );
  }
  const { min, desired, max } = p.capacity;
  intIn('capacity.min', min, 0, 100);
  intIn('capacity.desired', desired, 0, 100);
  intIn('capacity.max', max, 1, 100);
  if (!(min <= desired && desired <= max)) {
    problems.push(`capacity: got ${min}/${desired}/${max}; accepted: min <= desired <= max`);
  }
  intIn('port', p.port, 1, 65535);
  intIn('maxConnectionsPerNode', p.maxConnections, 1, 1_000_000);
  if (Number.isInteger(p.maxConnections) && p.maxConnections > 1)
    intIn('scalingTargetPerNode', p.scalingTarget, 1, p.maxConnections - 1);
  intIn('pingInterval', p.pingInterval.toSeconds({ integral: false }), 1, 3600, ' s');
  intIn('drainWindow', p.drainWindow.toSeconds({ integral: false }), 0, 3600, ' s');
  intIn('heartbeatInterval', p.heartbeatInterval.toMilliseconds({ integral: false }), 100, 60_000, ' ms');
  intIn('bootTimeout', p.bootTimeout.toMinutes({ integral: false }), 2, 60, ' min');
  return problems;
}
