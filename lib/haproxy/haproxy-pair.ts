import { Arn, ArnFormat, Duration, Lazy, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { InvalidInputError } from '../../runtime/contract/errors';
import { HAPROXY_MASTER_SOCKET, HAPROXY_PID_FILE } from '../../runtime/contract/paths';
import { acknowledgeAssetRead, RuntimeBundle } from '../runtime-bundle';
import { maxSecondaryIps, maxSourceIps } from '../source-ips';
import { cidrContains, planSide, type SidePlan } from './address-plan';
import { FAILOVER_COMMAND, haproxyUserData, type PairSide } from './haproxy-user-data';
import { type PairTls, pairListener } from './pair-tls';

/** Bundle entries of the HAProxy tier's programs. */
export const HAPROXY_ENTRIES = {
  agent: 'runtime/haproxy/agent/main.ts',
  failover: 'runtime/haproxy/failover/main.ts',
  lifecycle: 'runtime/haproxy/lifecycle/main.ts',
} as const;

/** Primary interface name of AL2023 on Nitro instances. */
const NITRO_INTERFACE = 'ens5';
/** Keepalived priorities of the two sides. */
const PRIORITIES = [150, 100] as const;
const SIDE_NAMES = ['a', 'b'] as const;

/** Names of the lifecycle hooks both sides' groups carry (runtime/haproxy/lifecycle reads them from env). */
export const PAIR_HOOKS = { launch: 'wslb-pair-launch', terminate: 'wslb-pair-terminate' } as const;

/** The default overlay IP: outside the default VPC CIDR and outside 10/8 and 172.16/12, where VPCs usually live. */
export const DEFAULT_OVERLAY_IP = '192.168.254.1';

/**
 * How long a boot may take before it gives up (retries end, CloudFormation gets FAILURE), how long the
 * launch hook waits for it, and how long CloudFormation waits for a replacement's signal.
 */
const BOOT_DEADLINE = Duration.minutes(25);
const LAUNCH_HOOK_TIMEOUT = Duration.minutes(30);
/** The active side heartbeats every 2 min while it waits for the peer (RollDeps HEARTBEAT_SECONDS). */
const TERMINATE_HOOK_TIMEOUT = Duration.minutes(10);
/**
 * CloudFormation's longest pause: the active side's group waits for the standby side's replacement to boot
 * before its own old instance goes (docs/decisions/0135-haproxy-pair-rolls-standby-first.md).
 */
const ROLL_PAUSE = Duration.hours(1);

export interface HaproxyPairProps {
  /** The VPC of the pair. */
  readonly vpc: ec2.IVpc;
  /**
   * One subnet per side, in two AZs, used by nothing else: the upper half of each is reserved for the
   * addresses the pair assigns itself (its pair address and source IPs).
   */
  readonly subnets: readonly [ec2.ISubnet, ec2.ISubnet];
  /** EC2 instance type of each HAProxy instance (arm64). */
  readonly instanceType: string;
  /** Secondary private IPs per instance, used as backend source addresses (context key `haproxySourceIps`). */
  readonly sourceIps: number;
  /** Connections the pair is sized for. */
  readonly targetConnections: number;
  /** The nodes' connection cap: the agent checks its source IPs with the stack's own model. */
  readonly maxConnectionsPerNode: number;
  /** Client port and node port. */
  readonly wsPort: number;
  /** Tag key the nodes carry, for discovery. */
  readonly fleetTagKey: string;
  /** Tag value of this stack's nodes. */
  readonly fleetTagValue: string;
  /** Terminate TLS on 443 with a bundle from Secrets Manager. @default - plain ws on `wsPort` */
  readonly tls?: PairTls;
  /**
   * The private VIP for clients inside the VPC: an address outside the VPC's CIDR that a route in each of
   * `overlayRouteTables` sends to the active instance (context key `haproxyOverlayIp`).
   * @default {@link DEFAULT_OVERLAY_IP}
   */
  readonly overlayIp?: string;
  /**
   * Route tables whose overlay route follows the active instance: the subnets private clients live in.
   * @default - the route table of every subnet of the VPC
   */
  readonly overlayRouteTables?: readonly string[];
}

/**
 * Two HAProxy instances (active/standby) in two AZs, each the only instance of its own Auto Scaling group,
 * all launched from one launch template. Keepalived (unicast VRRP between the sides' fixed pair addresses)
 * elects the active one; its notify_master program moves the Elastic IP (internet clients) and the overlay
 * routes (clients inside the VPC) to its ENI. An AMI, user data or bundle change is a new launch template
 * version that both groups roll in parallel, one instance each; the termination hook holds the active side
 * until the standby side's replacement is in service, so the standby goes first and clients move once.
 */
export class HaproxyPair extends Construct implements ec2.IConnectable {
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly role: iam.Role;
  readonly eip: ec2.CfnEIP;
  readonly launchTemplate: ec2.LaunchTemplate;
  /** The two sides' groups, side a (priority 150) first. */
  readonly groups: readonly [autoscaling.AutoScalingGroup, autoscaling.AutoScalingGroup];
  /** The private VIP (outside the VPC CIDR). */
  readonly overlayIp: string;
  /** The port clients connect to: 443 with TLS, else `wsPort`. */
  readonly listenPort: number;

  constructor(scope: Construct, id: string, props: HaproxyPairProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.overlayIp = props.overlayIp ?? DEFAULT_OVERLAY_IP;
    const problems = this.checkProps(props);
    this.node.addValidation({ validate: () => problems });
    const plans = props.subnets.map((subnet) => this.plan(subnet, props.sourceIps, problems)) as [
      SidePlan,
      SidePlan,
    ];
    const groupNames = SIDE_NAMES.map((side) => `${stack.stackName}-haproxy-${side}`) as [string, string];
    const routeTables = props.overlayRouteTables ?? allRouteTables(props.vpc);
    const bundle = new RuntimeBundle(this, 'Bundle', { entries: HAPROXY_ENTRIES });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'wslb HAProxy pair',
      allowAllOutbound: true,
    });
    this.connections = this.securityGroup.connections;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    const listener = pairListener(this.role, props.wsPort, props.tls);
    this.listenPort = listener.port;
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(listener.port), 'clients');
    this.securityGroup.addIngressRule(
      this.securityGroup,
      new ec2.Port({ protocol: ec2.Protocol.VRRP, stringRepresentation: 'VRRP' }),
      'keepalived unicast VRRP between the pair',
    );

    this.eip = new ec2.CfnEIP(this, 'Eip', { domain: 'vpc' });
    Tags.of(this.eip).add('Name', `${stack.stackName}-vip`);

    props.subnets.forEach((subnet, side) => {
      const reservation = new ec2.CfnSubnetCidrReservation(
        this,
        `Reserved${SIDE_NAMES[side].toUpperCase()}`,
        {
          subnetId: subnet.subnetId,
          cidr: plans[side].reservation,
          reservationType: 'explicit',
          description: `wslb HAProxy side ${SIDE_NAMES[side]}: pair address and source IPs, assigned at boot`,
        },
      );
      // The type is in the CloudFormation Template Reference; cfn-lint 1.51's region schemas predate it.
      reservation.addMetadata('cfn-lint', { config: { ignore_checks: ['E3006'] } });
      // Same for the CDK's own template validation in a stack pinned to a region.
      Validations.of(reservation).acknowledge({
        id: 'CloudFormation-Validate::F3006',
        reason:
          'AWS::EC2::SubnetCidrReservation is in the CloudFormation Template Reference; the bundled schema predates it',
      });
    });

    bundle.asset.grantRead(this.role);
    this.grant(props.subnets, routeTables, groupNames);

    // The shared user data names both groups' logical ids (for the boot signal); the groups come later.
    const cfnGroups: autoscaling.CfnAutoScalingGroup[] = [];
    const sides = SIDE_NAMES.map((_, side): PairSide => {
      const peer = side === 0 ? 1 : 0;
      return {
        subnetId: props.subnets[side]!.subnetId,
        logicalId: Lazy.string({ produce: () => stack.getLogicalId(cfnGroups[side]!) }),
        addresses: [plans[side]!.pairAddress, ...plans[side]!.sources],
        env: {
          SOURCE_IPS: plans[side]!.sources.join(','),
          OWN_IP: plans[side]!.pairAddress,
          PEER_IP: plans[peer]!.pairAddress,
          ELASTIC_IP_PRIVATE_IP: plans[side]!.pairAddress,
          KEEPALIVED_PRIORITY: PRIORITIES[side]!,
          PEER_KEEPALIVED_PRIORITY: PRIORITIES[peer]!,
          PAIR_GROUP: groupNames[side]!,
          PEER_GROUP: groupNames[peer]!,
        },
      };
    }) as unknown as [PairSide, PairSide];

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      instanceType: new ec2.InstanceType(props.instanceType),
      role: this.role,
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
      userData: haproxyUserData({
        bundle: bundle.asset,
        bootDeadlineSeconds: BOOT_DEADLINE.toSeconds(),
        sides,
        env: {
          WS_PORT: props.wsPort,
          LISTEN_PORT: listener.port,
          ...listener.env,
          MAXCONN: props.targetConnections,
          TARGET_CONNECTIONS: props.targetConnections,
          MAX_CONNECTIONS_PER_NODE: props.maxConnectionsPerNode,
          FLEET_TAG_KEY: props.fleetTagKey,
          FLEET_TAG_VALUE: props.fleetTagValue,
          VIP_ALLOCATION_ID: this.eip.attrAllocationId,
          OVERLAY_IP: this.overlayIp,
          OVERLAY_ROUTE_TABLE_IDS: routeTables.join(','),
          AWS_REGION: stack.region,
          VRRP_INTERFACE: NITRO_INTERFACE,
          FAILOVER_COMMAND,
          HAPROXY_PID_FILE,
          HAPROXY_MASTER_SOCKET,
          LAUNCH_HOOK: PAIR_HOOKS.launch,
          TERMINATE_HOOK: PAIR_HOOKS.terminate,
        },
      }),
    });

    this.groups = SIDE_NAMES.map((side, index) => {
      const group = new autoscaling.AutoScalingGroup(this, `Side${side.toUpperCase()}`, {
        vpc: props.vpc,
        vpcSubnets: { subnets: [props.subnets[index]!] },
        launchTemplate: this.launchTemplate,
        autoScalingGroupName: groupNames[index],
        minCapacity: 1,
        maxCapacity: 1,
        // Break before make inside a side (its pair address has one owner); the termination hook, not
        // CloudFormation's order, makes the active side wait for the standby side's replacement.
        updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
          maxBatchSize: 1,
          minInstancesInService: 0,
          waitOnResourceSignals: true,
          pauseTime: ROLL_PAUSE,
        }),
        signals: autoscaling.Signals.waitForAll({ timeout: LAUNCH_HOOK_TIMEOUT }),
      });
      const cfn = group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
      cfnGroups.push(cfn);
      // In the group's own properties, so they hold for the very first launch too.
      cfn.lifecycleHookSpecificationList = [
        {
          lifecycleHookName: PAIR_HOOKS.launch,
          lifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          heartbeatTimeout: LAUNCH_HOOK_TIMEOUT.toSeconds(),
          defaultResult: 'ABANDON',
        },
        {
          lifecycleHookName: PAIR_HOOKS.terminate,
          lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          heartbeatTimeout: TERMINATE_HOOK_TIMEOUT.toSeconds(),
          defaultResult: 'CONTINUE',
        },
      ];
      Tags.of(group).add('Name', `${stack.stackName}-haproxy-${side}`, { applyToLaunchedInstances: true });
      Validations.of(group).acknowledge({
        id: 'AwsSolutions-AS3',
        reason: 'Scaling events are in the group activity history; this app has no operator topic to notify.',
      });
      return group;
    }) as unknown as [autoscaling.AutoScalingGroup, autoscaling.AutoScalingGroup];

    acknowledgeAssetRead(this.role);
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The pair is the public WebSocket entry point: clients connect from anywhere.',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'Session Manager is the only shell access (no SSH); this is the policy AWS maintains for it.',
    });
  }

  /** Every problem with the props, each naming the context key it comes from. */
  private checkProps(props: HaproxyPairProps): string[] {
    const problems: string[] = [];
    const most = maxSourceIps(props.instanceType);
    if (!Number.isInteger(props.sourceIps) || props.sourceIps < 1 || props.sourceIps > most) {
      problems.push(
        `haproxySourceIps: got ${props.sourceIps}; accepted: 1 to ${most} for ${props.instanceType} ` +
          `(${maxSecondaryIps(props.instanceType)} secondary IPv4 addresses per ENI: the side's pair ` +
          'address, then the source IPs); pick a larger haproxyInstanceType for more',
      );
    }
    const [a, b] = props.subnets;
    if (!Token.isUnresolved(a.availabilityZone) && a.availabilityZone === b.availabilityZone) {
      problems.push(`HaproxyPair subnets: both in ${a.availabilityZone}; accepted: two subnets in two AZs`);
    }
    // The L1 VPC holds the CIDR as written; IVpc.vpcCidrBlock is a deploy-time attribute.
    const cfnVpc = props.vpc.node.defaultChild;
    const vpcCidr =
      cfnVpc instanceof ec2.CfnVPC && cfnVpc.cidrBlock ? cfnVpc.cidrBlock : props.vpc.vpcCidrBlock;
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(this.overlayIp)) {
      problems.push(
        `haproxyOverlayIp: got ${this.overlayIp}; accepted: an IPv4 address outside the VPC CIDR`,
      );
    } else if (!Token.isUnresolved(vpcCidr) && cidrContains(vpcCidr, this.overlayIp)) {
      problems.push(
        `haproxyOverlayIp: got ${this.overlayIp}; accepted: an IPv4 address outside the VPC CIDR ${vpcCidr} ` +
          '(a route can only send addresses outside it to an instance)',
      );
    }
    return problems;
  }

  private plan(subnet: ec2.ISubnet, sourceIps: number, problems: string[]): SidePlan {
    try {
      return planSide(subnet.ipv4CidrBlock, Math.max(1, sourceIps));
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(...error.problems.map((problem) => `HaproxyPair subnets: ${problem}`));
      return { reservation: subnet.ipv4CidrBlock, pairAddress: '0.0.0.0', sources: [] };
    }
  }

  /**
   * What the pair's programs call. Describe* cannot be scoped; every write is limited to the pair's own
   * subnets, Elastic IP, route tables, groups and stack.
   */
  private grant(
    subnets: HaproxyPairProps['subnets'],
    routeTables: readonly string[],
    groups: string[],
  ): void {
    const stack = Stack.of(this);
    const ec2Arn = (resource: string, resourceName: string) =>
      Arn.format({ service: 'ec2', resource, resourceName }, stack);
    const ownEnis = {
      resources: [ec2Arn('network-interface', '*')],
      conditions: { StringEquals: { 'ec2:Subnet': subnets.map((s) => ec2Arn('subnet', s.subnetId)) } },
    };
    const statements: iam.PolicyStatementProps[] = [
      {
        sid: 'Describe',
        actions: [
          'autoscaling:DescribeAutoScalingGroups',
          'ec2:DescribeAddresses',
          'ec2:DescribeInstances',
          'ec2:DescribeRouteTables',
        ],
        resources: ['*'],
      },
      {
        sid: 'ClaimSideAddresses',
        actions: ['ec2:AssignPrivateIpAddresses', 'ec2:ModifyNetworkInterfaceAttribute'],
        ...ownEnis,
      },
      { sid: 'MoveEipToPairEni', actions: ['ec2:AssociateAddress'], ...ownEnis },
      {
        sid: 'MoveEip',
        actions: ['ec2:AssociateAddress'],
        resources: [ec2Arn('elastic-ip', this.eip.attrAllocationId)],
      },
      {
        sid: 'MoveOverlayRoute',
        actions: ['ec2:CreateRoute', 'ec2:ReplaceRoute'],
        resources: routeTables.map((id) => ec2Arn('route-table', id)),
      },
      {
        sid: 'PairLifecycle',
        actions: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
        resources: groups.map((name) =>
          Arn.format(
            {
              service: 'autoscaling',
              resource: 'autoScalingGroup',
              resourceName: `*:autoScalingGroupName/${name}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            },
            stack,
          ),
        ),
      },
      {
        sid: 'SignalBoot',
        actions: ['cloudformation:SignalResource'],
        resources: [
          stack.formatArn({
            service: 'cloudformation',
            resource: 'stack',
            resourceName: `${stack.stackName}/*`,
          }),
        ],
      },
    ];
    for (const statement of statements) this.role.addToPolicy(new iam.PolicyStatement(statement));
    const acknowledge = (finding: string, reason: string) =>
      Validations.of(this.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
    const account = '<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>';
    acknowledge(
      '*',
      'Describe* calls (discovery, failover checks, the pair view) take no resource-level permissions.',
    );
    acknowledge(
      `arn:${account.replace('{service}', 'ec2')}:network-interface/*`,
      "The instances' ENIs are created at launch; the statement is limited to ENIs in the pair's two subnets (ec2:Subnet).",
    );
    for (const name of groups) {
      acknowledge(
        `arn:${account.replace('{service}', 'autoscaling')}:autoScalingGroup:*:autoScalingGroupName/${name}`,
        'A group ARN holds a generated id; the group name (set by this construct) pins it.',
      );
    }
    acknowledge(
      `arn:${account.replace('{service}', 'cloudformation')}:stack/${stack.stackName}/*`,
      "A stack ARN ends in a generated id; the boot signal can reach this stack's resources only.",
    );
  }
}

/** Every distinct route table of the VPC's subnets. */
function allRouteTables(vpc: ec2.IVpc): string[] {
  const subnets = [...vpc.publicSubnets, ...vpc.privateSubnets, ...vpc.isolatedSubnets];
  return [...new Set(subnets.map((s) => s.routeTable.routeTableId))];
}
