import { Match, type Template } from 'aws-cdk-lib/assertions';
import { templateOf, userDataText } from '../helpers';

type Resource = { Properties: Record<string, unknown> };

describe('haproxy tier', () => {
  let template: Template;
  let instances: Resource[];
  beforeAll(() => {
    template = templateOf({
      strategy: 'haproxy',
      targetConnections: 100_000,
      maxConnectionsPerNode: 100_000,
    });
    instances = Object.values(template.findResources('AWS::EC2::Instance')) as Resource[];
  });

  test('two instances, each booting on its own ENI with haproxySourceIps secondary addresses', () => {
    expect(instances).toHaveLength(2);
    const enis = template.findResources('AWS::EC2::NetworkInterface');
    expect(Object.keys(enis)).toHaveLength(2);
    const addresses = Object.values(enis).map(
      (eni) =>
        (eni as Resource).Properties.PrivateIpAddresses as { Primary: boolean; PrivateIpAddress: string }[],
    );
    for (const list of addresses) {
      expect(list.filter((a) => a.Primary)).toHaveLength(1);
      // 100,000 connections to one node need ceil(100000 / 28232) = 4 source IPs.
      expect(list.filter((a) => !a.Primary)).toHaveLength(4);
    }
    const all = addresses.flat().map((a) => a.PrivateIpAddress);
    expect(new Set(all).size).toBe(10);
    for (const instance of instances) {
      expect(instance.Properties.NetworkInterfaces).toEqual([
        { DeviceIndex: '0', NetworkInterfaceId: { Ref: expect.stringMatching(/^HaproxyPairEni/) } },
      ]);
      expect(instance.Properties.SubnetId).toBeUndefined();
      expect(instance.Properties.BlockDeviceMappings).toEqual([
        { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 8, VolumeType: 'gp3' } },
      ]);
      expect(instance.Properties.KeyName).toBeUndefined();
    }
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } },
    });
  });

  test('one Elastic IP as the public VIP, associated by the failover program, not by CloudFormation', () => {
    template.resourceCountIs('AWS::EC2::EIP', 1);
    template.hasResourceProperties('AWS::EC2::EIP', { Domain: 'vpc' });
    template.resourceCountIs('AWS::EC2::EIPAssociation', 0);
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
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'wslb WS nodes',
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('IAM: Describe* on *, VIP and EIP moves only on the pair ENIs and its EIP', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
    const statements = policies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('Describe')).toEqual({
      Sid: 'Describe',
      Effect: 'Allow',
      Action: ['ec2:DescribeAddresses', 'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces'],
      Resource: '*',
    });
    const eniArn = (ref: RegExp) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ec2:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':network-interface/',
          { Ref: expect.stringMatching(ref) },
        ],
      ],
    });
    expect(bySid('MoveVip')).toEqual({
      Sid: 'MoveVip',
      Effect: 'Allow',
      Action: ['ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      Resource: [eniArn(/^HaproxyPairEni0/), eniArn(/^HaproxyPairEni1/)],
    });
    expect(bySid('MoveEip')).toMatchObject({
      Action: 'ec2:AssociateAddress',
      Resource: [expect.anything(), eniArn(/^HaproxyPairEni0/), eniArn(/^HaproxyPairEni1/)],
    });
    expect(JSON.stringify(bySid('MoveEip'))).toContain(':elastic-ip/');
    // No other statement grants an EC2 action, and no mutating action has a wildcard resource.
    const ec2Statements = statements.filter((s) => JSON.stringify(s.Action).includes('ec2:'));
    expect(ec2Statements.map((s) => s.Sid)).toEqual(['Describe', 'MoveVip', 'MoveEip']);
  });

  test('user data installs haproxy and keepalived, starts the agent and passes the pair its addresses', () => {
    const texts = instances.map((i) => userDataText(i.Properties.UserData));
    for (const text of texts) {
      expect(text).toContain('dnf install -y haproxy keepalived nodejs22 unzip');
      expect(text).toContain('[Service]\nType=simple\nEnvironmentFile=/etc/wslb/haproxy.env\n');
      expect(text).toContain('ExecStart=/usr/bin/node-22 --enable-source-maps /opt/wslb/haproxy/agent.js');
      expect(text).toContain('exec /usr/bin/node-22 --enable-source-maps /opt/wslb/haproxy/failover.js "$@"');
      expect(text).toContain('systemctl enable --now wslb-haproxy-agent.service');
      expect(text).toContain(
        'wait_rendered /etc/haproxy/haproxy.cfg\nsystemctl enable --now haproxy.service\n',
      );
      expect(text).toContain(
        'wait_rendered /etc/keepalived/keepalived.conf\n' +
          'systemctl enable --now keepalived.service wslb-haproxy-reconcile.service',
      );
      expect(text).toContain('ExecStart=/usr/local/sbin/wslb-failover --reconcile\n');
      expect(text).toContain('WS_PORT=8080\nLISTEN_PORT=8080\nMAXCONN=100000\n');
      // The agent checks its source IPs with the stack's model: it needs both inputs the stack sized with.
      expect(text).toContain('TARGET_CONNECTIONS=100000\nMAX_CONNECTIONS_PER_NODE=100000\n');
      expect(text).toMatch(/FLEET_TAG_KEY=wslb:fleet\nFLEET_TAG_VALUE=wslb\n/);
      expect(text).toMatch(/SOURCE_IPS=(\d+\.\d+\.\d+\.\d+,){3}\d+\.\d+\.\d+\.\d+\n/);
      expect(text).toContain('VIP_PRIVATE_IP=10.40.2.6\nVRRP_INTERFACE=ens5\n');
      expect(text).toContain('NETWORK_INTERFACE_ID={TOKEN}\nVIP_ALLOCATION_ID={TOKEN}\n');
      expect(text).toContain('[Service]\nLimitNOFILE=204096\nRuntimeDirectory=haproxy\n');
      expect(text).toContain(
        'HAPROXY_PID_FILE=/run/haproxy.pid\nHAPROXY_MASTER_SOCKET=/run/haproxy-master.sock\n',
      );
      expect(text).toContain("cat > /etc/tmpfiles.d/wslb.conf <<'WSLB_EOF'\nd /run/wslb 0755 root root -\n");
    }
    expect(texts[0]).toContain('OWN_IP=10.40.2.4\nPEER_IP=10.40.2.5\n');
    expect(texts[1]).toContain('OWN_IP=10.40.2.5\nPEER_IP=10.40.2.4\n');
    expect(texts[0]).toContain('KEEPALIVED_PRIORITY=150');
    expect(texts[1]).toContain('KEEPALIVED_PRIORITY=100');
  });

  test('haproxy.service runs master-worker with the master socket the agent confirms reloads on', () => {
    for (const instance of instances) {
      const text = userDataText(instance.Properties.UserData);
      const dropIn = text.match(
        /cat > \/etc\/systemd\/system\/haproxy\.service\.d\/wslb-master\.conf <<'WSLB_EOF'\n([\s\S]*?)WSLB_EOF/,
      )?.[1];
      // The package's command lines are cleared before ours are set, so ours are the only ones.
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
      // The agent reads the same pid file and socket the unit passes to -p and -S.
      const env = (key: string) => text.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1];
      expect(dropIn).toContain(` -p ${env('HAPROXY_PID_FILE')} -S ${env('HAPROXY_MASTER_SOCKET')}\n`);
      // Written before daemon-reload and before haproxy first starts.
      expect(text.indexOf('wslb-master.conf')).toBeLessThan(text.indexOf('systemctl daemon-reload'));
    }
  });

  test('nodes carry the fleet tag from launch, so the agent discovers them', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([{ Key: 'wslb:fleet', PropagateAtLaunch: true, Value: 'wslb' }]),
    });
  });

  test('the pair reaches the EC2 API through an endpoint, and auth hands out the Elastic IP', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.ec2']] },
    });
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
