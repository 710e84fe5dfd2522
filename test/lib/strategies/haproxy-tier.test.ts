import { Match, type Template } from 'aws-cdk-lib/assertions';
import { cidrContains } from '../../../lib/haproxy/address-plan';
import { templateOf, userDataText } from '../helpers';

type Resource = {
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  UpdatePolicy?: Record<string, unknown>;
  CreationPolicy?: Record<string, unknown>;
};

const byPrefix = (resources: Record<string, unknown>, prefix: string) =>
  Object.entries(resources)
    .filter(([id]) => id.startsWith(prefix))
    .map(([id, r]) => [id, r as Resource] as const);

describe('haproxy tier', () => {
  let template: Template;
  let groups: (readonly [string, Resource])[];
  let userData: string;
  beforeAll(() => {
    template = templateOf({
      strategy: 'haproxy',
      targetConnections: 100_000,
      maxConnectionsPerNode: 100_000,
    });
    groups = byPrefix(template.findResources('AWS::AutoScaling::AutoScalingGroup'), 'HaproxyPairSide');
    const [lt] = byPrefix(template.findResources('AWS::EC2::LaunchTemplate'), 'HaproxyPairLaunchTemplate');
    userData = userDataText((lt![1].Properties.LaunchTemplateData as { UserData: unknown }).UserData);
  });

  test('no instance and no ENI of fixed identity: nothing create-only moves with an AMI, user data or bundle', () => {
    // AWS::EC2::Instance's ImageId and NetworkInterfaces are create-only: a new AMI meant replacing an
    // instance whose ENI the old one still held. Now both sides launch from one launch template, whose
    // changes are new versions (an in-place update) that the groups roll.
    template.resourceCountIs('AWS::EC2::Instance', 0);
    template.resourceCountIs('AWS::EC2::NetworkInterface', 0);
    expect(groups).toHaveLength(2);
    const [lt] = byPrefix(template.findResources('AWS::EC2::LaunchTemplate'), 'HaproxyPairLaunchTemplate');
    for (const [, group] of groups) {
      expect(group.Properties.LaunchTemplate).toEqual({
        LaunchTemplateId: { Ref: lt![0] },
        Version: { 'Fn::GetAtt': [lt![0], 'LatestVersionNumber'] },
      });
    }
    // The AMI is the latest AL2023 arm64 at each deploy: a new one is a new launch template version.
    const imageId = (lt![1].Properties.LaunchTemplateData as { ImageId: { Ref: string } }).ImageId.Ref;
    expect(template.toJSON().Parameters[imageId].Default).toBe(
      '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64',
    );
  });

  test('one instance per side, each side in its own AZ subnet of the pair group', () => {
    const subnets = groups.map(([, g]) => g.Properties.VPCZoneIdentifier as { Ref: string }[]);
    expect(subnets.map((s) => s.length)).toEqual([1, 1]);
    expect(subnets[0]![0]!.Ref).not.toEqual(subnets[1]![0]!.Ref);
    const pairSubnets = template.findResources('AWS::EC2::Subnet', {
      Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: 'pair' }]) },
    });
    expect(Object.keys(pairSubnets).sort()).toEqual(subnets.map((s) => s[0]!.Ref).sort());
    const azs = Object.values(pairSubnets).map((s) =>
      JSON.stringify((s as Resource).Properties.AvailabilityZone),
    );
    expect(new Set(azs).size).toBe(2);
    for (const [, group] of groups) {
      expect(group.Properties).toMatchObject({ MinSize: '1', MaxSize: '1' });
    }
  });

  test('an update rolls each side one instance at a time, waiting for the new instance to signal', () => {
    for (const [, group] of groups) {
      expect(group.UpdatePolicy?.AutoScalingRollingUpdate).toMatchObject({
        MaxBatchSize: 1,
        MinInstancesInService: 0,
        WaitOnResourceSignals: true,
        PauseTime: 'PT1H',
      });
      expect(group.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT30M' } });
      // Inline, so the hooks hold for the very first launch as well.
      expect(group.Properties.LifecycleHookSpecificationList).toEqual([
        {
          LifecycleHookName: 'wslb-pair-launch',
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          HeartbeatTimeout: 1800,
          DefaultResult: 'ABANDON',
        },
        {
          LifecycleHookName: 'wslb-pair-terminate',
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          HeartbeatTimeout: 600,
          DefaultResult: 'CONTINUE',
        },
      ]);
    }
  });

  test('the two sides roll in parallel: neither group waits for the other (the active side waits in its hook)', () => {
    const ids = groups.map(([id]) => id);
    for (const [, group] of groups) {
      expect((group.DependsOn ?? []).filter((d) => ids.includes(d))).toEqual([]);
    }
  });

  test("the pair boots after its EC2 endpoint; Auto Scaling and CloudFormation are the nodes' endpoints, reachable from it", () => {
    const interfaces = (prefix: string) =>
      Object.keys(
        template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }),
      )
        .filter((id) => id.startsWith(prefix))
        .sort();
    const pairEndpoints = interfaces('HaproxyEndpoints');
    expect(pairEndpoints).toEqual([expect.stringMatching(/^HaproxyEndpointsEc2/)]);
    for (const [, group] of groups) expect(group.DependsOn).toEqual(expect.arrayContaining(pairEndpoints));
    // One endpoint per service (private DNS): the pair's lifecycle and signal calls use the nodes' ones.
    for (const service of ['ec2', 'autoscaling', 'cloudformation']) {
      const matching = template.findResources('AWS::EC2::VPCEndpoint', {
        Properties: {
          ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
          PrivateDnsEnabled: true,
        },
      });
      expect(Object.keys(matching)).toHaveLength(1);
      const [id] = Object.keys(matching);
      // Its security group lets the pair in on 443 (inline or as a separate ingress rule).
      const prefix = `${id!.replace(/[0-9A-F]{8}$/, '')}SecurityGroup`;
      const rules = Object.entries(template.toJSON().Resources as Record<string, unknown>)
        .filter(([rid]) => rid.startsWith(prefix))
        .map(([, r]) => JSON.stringify(r));
      expect(rules.some((r) => r.includes('"FromPort":443') && /HaproxyPairSecurityGroup/.test(r))).toBe(
        true,
      );
    }
  });

  test("each side's addresses lie in a reserved half of its subnet that EC2 never hands out", () => {
    const reservations = Object.values(
      template.findResources('AWS::EC2::SubnetCidrReservation'),
    ) as Resource[];
    expect(reservations.map((r) => r.Properties.ReservationType)).toEqual(['explicit', 'explicit']);
    expect(reservations.map((r) => r.Properties.Cidr)).toEqual(['10.40.2.64/26', '10.40.2.192/26']);
    const sideAddresses = [...userData.matchAll(/ADDRESSES=\(([^)]*)\)/g)].map((m) => m[1]!.split(' '));
    // 100,000 connections to one node need ceil(100000 / 28232) = 4 source IPs, after the pair address.
    expect(sideAddresses.map((a) => a.length)).toEqual([5, 5]);
    sideAddresses.forEach((addresses, side) => {
      for (const address of addresses) {
        expect(cidrContains(reservations[side]!.Properties.Cidr as string, address)).toBe(true);
      }
    });
  });

  test('one Elastic IP as the public VIP, associated by the failover program, not by CloudFormation', () => {
    template.resourceCountIs('AWS::EC2::EIP', 1);
    template.hasResourceProperties('AWS::EC2::EIP', { Domain: 'vpc' });
    template.resourceCountIs('AWS::EC2::EIPAssociation', 0);
    template.hasOutput('HaproxyPublicVip', { Value: { Ref: Match.stringLikeRegexp('^HaproxyPairEip') } });
    template.hasOutput('HaproxyPrivateVip', { Value: '192.168.254.1' });
  });

  test('security groups: clients to the pair, VRRP inside the pair, nodes only from the pair', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'wslb HAProxy pair',
      SecurityGroupIngress: [
        { CidrIp: '0.0.0.0/0', Description: 'clients', FromPort: 8080, IpProtocol: 'tcp', ToPort: 8080 },
      ],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: '112',
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HaproxyPairSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^HaproxyPairSecurityGroup'), 'GroupId'],
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 8080,
      ToPort: 8080,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CoreFleetSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^HaproxyPairSecurityGroup'), 'GroupId'],
      },
    });
  });

  test('IAM: Describe* on *, every write limited to the pair subnets, its EIP, route tables, groups and stack', () => {
    const policies = byPrefix(template.findResources('AWS::IAM::Policy'), 'HaproxyPairRole').map(
      ([, p]) => p,
    );
    const statements = policies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('Describe')).toEqual({
      Sid: 'Describe',
      Effect: 'Allow',
      Action: [
        'autoscaling:DescribeAutoScalingGroups',
        'ec2:DescribeAddresses',
        'ec2:DescribeInstances',
        'ec2:DescribeRouteTables',
      ],
      Resource: '*',
    });
    const pairSubnetArns = (statement: Record<string, unknown> | undefined) =>
      JSON.stringify(
        (statement?.Condition as { StringEquals: Record<string, unknown> } | undefined)?.StringEquals[
          'ec2:Subnet'
        ],
      );
    for (const sid of ['ClaimSideAddresses', 'MoveEipToPairEni']) {
      expect(JSON.stringify(bySid(sid)?.Resource)).toContain(':network-interface/*');
      expect(pairSubnetArns(bySid(sid))).toMatch(/pairSubnet1.*pairSubnet2/);
    }
    expect(bySid('ClaimSideAddresses')?.Action).toEqual([
      'ec2:AssignPrivateIpAddresses',
      'ec2:ModifyNetworkInterfaceAttribute',
    ]);
    expect(JSON.stringify(bySid('MoveEip')?.Resource)).toMatch(/:elastic-ip\/.*HaproxyPairEip.*AllocationId/);
    expect(bySid('MoveOverlayRoute')?.Action).toEqual(['ec2:CreateRoute', 'ec2:ReplaceRoute']);
    const routeTables = Object.keys(template.findResources('AWS::EC2::RouteTable'));
    expect(routeTables).toHaveLength(6);
    const tableRefs = JSON.stringify(bySid('MoveOverlayRoute')?.Resource);
    for (const table of routeTables) expect(tableRefs).toContain(`{"Ref":"${table}"}`);
    expect(tableRefs.match(/:route-table\//g)).toHaveLength(6);
    expect(JSON.stringify(bySid('PairLifecycle'))).toMatch(
      /autoScalingGroup:\*:autoScalingGroupName\/wslb-haproxy-a.*autoScalingGroupName\/wslb-haproxy-b/,
    );
    expect(JSON.stringify(bySid('SignalBoot'))).toContain(':stack/wslb/*');
    // No EC2, Auto Scaling or CloudFormation write anywhere else, and none on a bare wildcard.
    const writes = statements.filter((s) =>
      /"(ec2|autoscaling|cloudformation):(?!Describe)/.test(JSON.stringify(s.Action)),
    );
    expect(writes.map((s) => s.Sid)).toEqual([
      'ClaimSideAddresses',
      'MoveEipToPairEni',
      'MoveEip',
      'MoveOverlayRoute',
      'PairLifecycle',
      'SignalBoot',
    ]);
    for (const statement of writes) expect(statement.Resource).not.toEqual('*');
  });

  test('user data: side from the subnet, retried steps, claimed addresses, daemons, then ready and the signal', () => {
    const steps = [
      'SUBNET_ID=$(retry imds "network/interfaces/macs/$MAC/subnet-id")',
      'retry dnf install -y haproxy keepalived nodejs22 unzip',
      'retry aws s3 cp ',
      `retry aws ec2 assign-private-ip-addresses --region {TOKEN} --network-interface-id "$ENI_ID" --allow-reassignment --private-ip-addresses "\${ADDRESSES[@]}"`,
      'retry aws ec2 modify-network-interface-attribute --region {TOKEN} --network-interface-id "$ENI_ID" --no-source-dest-check',
      'retry addresses_up',
      `cat /etc/wslb/pair.env "/etc/wslb/pair-\${SIDE}.env" > /etc/wslb/haproxy.env`,
      'systemctl enable --now wslb-haproxy-agent.service',
      'retry rendered /etc/haproxy/haproxy.cfg\nsystemctl enable --now haproxy.service\n',
      'retry rendered /etc/keepalived/keepalived.conf\n' +
        'systemctl enable --now keepalived.service wslb-haproxy-reconcile.service wslb-pair-lifecycle.service\n',
      '/usr/local/sbin/wslb-pair-lifecycle ready\n',
      'retry aws cloudformation signal-resource --region {TOKEN} --stack-name \'wslb\' --logical-resource-id "$LOGICAL_ID" --unique-id "$INSTANCE_ID" --status SUCCESS',
    ];
    let at = 0;
    for (const step of steps) {
      const found = userData.indexOf(step, at);
      expect({ step, found: found >= 0 }).toEqual({ step, found: true });
      at = found;
    }
    // A failed boot tells CloudFormation and Auto Scaling instead of waiting out their timeouts.
    expect(userData).toContain('--status FAILURE || true');
    expect(userData).toContain('--lifecycle-action-result ABANDON || true');
    expect(userData).toContain('trap on_exit EXIT');
    expect(userData).toMatch(/BOOT_DEADLINE=\$\(\( \$\(date \+%s\) \+ 1500 \)\)/);
    // Each side's logical id in the script is its group's.
    for (const [id] of groups) expect(userData).toContain(`LOGICAL_ID='${id}'`);
  });

  test('env files: the pair part, then each side with its own addresses, priority and groups', () => {
    const file = (path: string) =>
      userData.match(new RegExp(`cat > ${path} <<'WSLB_EOF'\\n([\\s\\S]*?)WSLB_EOF`))?.[1] ?? '';
    const pair = file('/etc/wslb/pair.env');
    expect(pair).toContain('WS_PORT=8080\nLISTEN_PORT=8080\nMAXCONN=100000\n');
    // The agent checks its source IPs with the stack's model: it needs both inputs the stack sized with.
    expect(pair).toContain('TARGET_CONNECTIONS=100000\nMAX_CONNECTIONS_PER_NODE=100000\n');
    expect(pair).toMatch(/FLEET_TAG_KEY=wslb:fleet\nFLEET_TAG_VALUE=wslb\n/);
    expect(pair).toContain('VIP_ALLOCATION_ID={TOKEN}\nOVERLAY_IP=192.168.254.1\n');
    expect(pair).toMatch(/OVERLAY_ROUTE_TABLE_IDS=(\{TOKEN\},){5}\{TOKEN\}\n/);
    expect(pair).toContain('LAUNCH_HOOK=wslb-pair-launch\nTERMINATE_HOOK=wslb-pair-terminate\n');
    expect(pair).not.toContain('VIP_PRIVATE_IP');
    expect(file('/etc/wslb/pair-a.env')).toBe(
      [
        'SOURCE_IPS=10.40.2.65,10.40.2.66,10.40.2.67,10.40.2.68',
        'OWN_IP=10.40.2.64',
        'PEER_IP=10.40.2.192',
        'ELASTIC_IP_PRIVATE_IP=10.40.2.64',
        'KEEPALIVED_PRIORITY=150',
        'PEER_KEEPALIVED_PRIORITY=100',
        'PAIR_GROUP=wslb-haproxy-a',
        'PEER_GROUP=wslb-haproxy-b',
        '',
      ].join('\n'),
    );
    expect(file('/etc/wslb/pair-b.env')).toBe(
      [
        'SOURCE_IPS=10.40.2.193,10.40.2.194,10.40.2.195,10.40.2.196',
        'OWN_IP=10.40.2.192',
        'PEER_IP=10.40.2.64',
        'ELASTIC_IP_PRIVATE_IP=10.40.2.192',
        'KEEPALIVED_PRIORITY=100',
        'PEER_KEEPALIVED_PRIORITY=150',
        'PAIR_GROUP=wslb-haproxy-b',
        'PEER_GROUP=wslb-haproxy-a',
        '',
      ].join('\n'),
    );
  });

  test('haproxy.service runs master-worker with the master socket the agent confirms reloads on', () => {
    const dropIn = userData.match(
      /cat > \/etc\/systemd\/system\/haproxy\.service\.d\/wslb-master\.conf <<'WSLB_EOF'\n([\s\S]*?)WSLB_EOF/,
    )?.[1];
    expect(dropIn).toBe(
      [
        '[Service]',
        'Type=notify',
        'KillMode=mixed',
        'ExecStartPre=',
        'ExecStartPre=/usr/sbin/haproxy -f /etc/haproxy/haproxy.cfg -c -q',
        'ExecStart=',
        'ExecStart=/usr/sbin/haproxy -Ws -f /etc/haproxy/haproxy.cfg -p /run/haproxy.pid -S /run/haproxy-master.sock',
        'ExecReload=',
        'ExecReload=/usr/sbin/haproxy -f /etc/haproxy/haproxy.cfg -c -q',
        'ExecReload=/bin/kill -USR2 $MAINPID',
        '',
      ].join('\n'),
    );
    const env = (key: string) => userData.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1];
    expect(dropIn).toContain(` -p ${env('HAPROXY_PID_FILE')} -S ${env('HAPROXY_MASTER_SOCKET')}\n`);
    expect(userData.indexOf('wslb-master.conf')).toBeLessThan(userData.indexOf('systemctl daemon-reload'));
  });

  test('nodes carry the fleet tag from launch, so the agent discovers them', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([{ Key: 'wslb:fleet', PropagateAtLaunch: true, Value: 'wslb' }]),
    });
  });

  test('auth hands out the Elastic IP', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          STRATEGY: 'haproxy',
          BALANCER_NAME: 'wslb',
          PUBLIC_URL: {
            'Fn::Join': ['', ['ws://', { Ref: Match.stringLikeRegexp('^HaproxyPairEip') }, ':8080']],
          },
        }),
      },
    });
  });
});
