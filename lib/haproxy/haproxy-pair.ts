import { Arn, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HAPROXY_MASTER_SOCKET, HAPROXY_PID_FILE } from '../../runtime/contract/paths';
import { acknowledgeAssetRead, RuntimeBundle } from '../runtime-bundle';
import { planPairAddresses } from './address-plan';
import { FAILOVER_COMMAND, haproxyUserData } from './haproxy-user-data';
import { type PairTls, pairListener } from './pair-tls';

/** Bundle entries of the HAProxy tier's programs. */
export const HAPROXY_ENTRIES = {
  agent: 'runtime/haproxy/agent/main.ts',
  failover: 'runtime/haproxy/failover/main.ts',
} as const;

/** Primary interface name of AL2023 on Nitro instances. */
const NITRO_INTERFACE = 'ens5';
/** Keepalived priorities of the two sides. */
const PRIORITIES = [150, 100] as const;

export interface HaproxyPairProps {
  /** The VPC of the pair. */
  readonly vpc: ec2.IVpc;
  /** The dedicated subnet the pair shares: a private VIP can only move inside one subnet. */
  readonly subnet: ec2.ISubnet;
  /** EC2 instance type of each HAProxy instance (arm64). */
  readonly instanceType: string;
  /** Secondary private IPs per instance, used as backend source addresses. */
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
}

/**
 * Two HAProxy instances (active/standby) in one subnet. Each owns an ENI with a planned primary address
 * and `sourceIps` secondary addresses. Keepalived (unicast VRRP) elects the active side; its
 * notify_master program moves the private VIP to its ENI and the Elastic IP onto the VIP.
 */
export class HaproxyPair extends Construct implements ec2.IConnectable {
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly role: iam.Role;
  readonly eip: ec2.CfnEIP;
  readonly interfaces: readonly [ec2.CfnNetworkInterface, ec2.CfnNetworkInterface];
  readonly instances: readonly [ec2.Instance, ec2.Instance];
  /** The floating private VIP. */
  readonly vip: string;
  /** The port clients connect to: 443 with TLS, else `wsPort`. */
  readonly listenPort: number;

  constructor(scope: Construct, id: string, props: HaproxyPairProps) {
    super(scope, id);
    const plan = planPairAddresses(props.subnet.ipv4CidrBlock, props.sourceIps);
    this.vip = plan.vip;
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
    Tags.of(this.eip).add('Name', `${Stack.of(this).stackName}-vip`);

    const makeEni = (side: 0 | 1) =>
      new ec2.CfnNetworkInterface(this, `Eni${side}`, {
        subnetId: props.subnet.subnetId,
        groupSet: [this.securityGroup.securityGroupId],
        description: `wslb HAProxy ${side === 0 ? 'a' : 'b'}: primary and backend source addresses`,
        privateIpAddresses: [
          { privateIpAddress: plan.primary[side], primary: true },
          ...plan.sources[side].map((ip) => ({ privateIpAddress: ip, primary: false })),
        ],
      });
    this.interfaces = [makeEni(0), makeEni(1)];

    bundle.asset.grantRead(this.role);
    this.grantFailover();

    const makeInstance = (side: 0 | 1) => {
      const instance = new ec2.Instance(this, `Instance${side}`, {
        vpc: props.vpc,
        vpcSubnets: { subnets: [props.subnet] },
        instanceType: new ec2.InstanceType(props.instanceType),
        machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
        role: this.role,
        securityGroup: this.securityGroup,
        requireImdsv2: true,
        detailedMonitoring: true,
        blockDevices: [
          {
            deviceName: '/dev/xvda',
            volume: ec2.BlockDeviceVolume.ebs(8, {
              encrypted: true,
              volumeType: ec2.EbsDeviceVolumeType.GP3,
            }),
          },
        ],
        userData: haproxyUserData({
          bundle: bundle.asset,
          env: {
            WS_PORT: props.wsPort,
            LISTEN_PORT: listener.port,
            ...listener.env,
            MAXCONN: props.targetConnections,
            FLEET_TAG_KEY: props.fleetTagKey,
            FLEET_TAG_VALUE: props.fleetTagValue,
            SOURCE_IPS: plan.sources[side].join(','),
            TARGET_CONNECTIONS: props.targetConnections,
            MAX_CONNECTIONS_PER_NODE: props.maxConnectionsPerNode,
            OWN_IP: plan.primary[side],
            PEER_IP: plan.primary[side === 0 ? 1 : 0],
            VIP_PRIVATE_IP: plan.vip,
            VRRP_INTERFACE: NITRO_INTERFACE,
            KEEPALIVED_PRIORITY: PRIORITIES[side],
            PEER_KEEPALIVED_PRIORITY: PRIORITIES[side === 0 ? 1 : 0],
            NETWORK_INTERFACE_ID: this.interfaces[side].ref,
            VIP_ALLOCATION_ID: this.eip.attrAllocationId,
            FAILOVER_COMMAND,
            HAPROXY_PID_FILE,
            HAPROXY_MASTER_SOCKET,
            AWS_REGION: Stack.of(this).region,
          },
        }),
      });
      // The instance boots on the planned ENI instead of one EC2 would create in the subnet.
      const cfn = instance.node.defaultChild as ec2.CfnInstance;
      cfn.addPropertyDeletionOverride('SubnetId');
      cfn.addPropertyDeletionOverride('SecurityGroupIds');
      cfn.addPropertyOverride('NetworkInterfaces', [
        { DeviceIndex: '0', NetworkInterfaceId: this.interfaces[side].ref },
      ]);
      Validations.of(instance).acknowledge({
        id: 'AwsSolutions-EC26',
        reason:
          'The rule cannot resolve the IMDSv2 launch template reference and throws; the root volume is ' +
          'encrypted (blockDevices above; asserted in test/lib/strategies/haproxy-stack.test.ts).',
      });
      Validations.of(instance).acknowledge({
        id: 'AwsSolutions-EC29',
        reason:
          'Termination protection would block cdk destroy; the standby takes over when one instance goes.',
      });
      return instance;
    };
    this.instances = [makeInstance(0), makeInstance(1)];

    acknowledgeAssetRead(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'EC2 Describe* calls (discovery, failover checks) do not support resource-level permissions.',
    });
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The pair is the public WebSocket entry point: clients connect from anywhere.',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'Session Manager is the only shell access (no SSH); this is the policy AWS maintains for it.',
    });
  }

  /**
   * Discovery and failover: Describe* cannot be scoped to resources; the mutating calls are limited to
   * the pair's two ENIs and its Elastic IP.
   */
  private grantFailover(): void {
    const stack = Stack.of(this);
    const eniArns = this.interfaces.map((eni) =>
      Arn.format({ service: 'ec2', resource: 'network-interface', resourceName: eni.ref }, stack),
    );
    const eipArn = Arn.format(
      { service: 'ec2', resource: 'elastic-ip', resourceName: this.eip.attrAllocationId },
      stack,
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Describe',
        actions: ['ec2:DescribeInstances', 'ec2:DescribeAddresses', 'ec2:DescribeNetworkInterfaces'],
        resources: ['*'],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'MoveVip',
        actions: ['ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: eniArns,
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'MoveEip',
        actions: ['ec2:AssociateAddress'],
        resources: [eipArn, ...eniArns],
      }),
    );
  }
}
