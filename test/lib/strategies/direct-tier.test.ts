import { Match, type Template } from 'aws-cdk-lib/assertions';
import { templateOf, userDataText } from '../helpers';

type Resource = { Properties: Record<string, unknown> };

describe('direct tier', () => {
  let template: Template;
  beforeAll(() => {
    template = templateOf({ strategy: 'direct' });
  });

  test('no load balancer, no NAT gateway, no interface endpoints: public nodes reach AWS directly', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.allResourcesProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  test('nodes in the public subnets, with public IPv4 and IPv6 addresses, IMDSv2 required, no key pair', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      VPCZoneIdentifier: [
        { Ref: Match.stringLikeRegexp('^CoreNetworkVpcpublicSubnet1') },
        { Ref: Match.stringLikeRegexp('^CoreNetworkVpcpublicSubnet2') },
      ],
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: Match.objectLike({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 }),
        NetworkInterfaces: [
          Match.objectLike({ AssociatePublicIpAddress: true, DeviceIndex: 0, Ipv6AddressCount: 1 }),
        ],
        KeyName: Match.absent(),
      }),
    });
  });

  test('the WS port is open to the world on IPv4 and IPv6, and nothing else is', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: 'wslb WS nodes' },
    });
    const [groupId] = Object.keys(groups);
    for (const group of Object.values(groups)) {
      expect((group as Resource).Properties.SecurityGroupIngress).toBeUndefined();
    }
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((r) => (r as Resource).Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes(groupId!));
    expect(ingress).toEqual([
      {
        GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
        CidrIp: '0.0.0.0/0',
        Description: 'clients (IPv4)',
        FromPort: 8080,
        IpProtocol: 'tcp',
        ToPort: 8080,
      },
      {
        GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
        CidrIpv6: '::/0',
        Description: 'clients (IPv6)',
        FromPort: 8080,
        IpProtocol: 'tcp',
        ToPort: 8080,
      },
    ]);
  });

  test('the node reports its public endpoint (ENDPOINT_SOURCE=imds-public) and listens on both families (HOST=::)', () => {
    const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate')) as {
      Properties: { LaunchTemplateData: { UserData: unknown } };
    }[];
    const text = userDataText(lt!.Properties.LaunchTemplateData.UserData);
    expect(text).toContain('ENDPOINT_SOURCE=imds-public\n');
    // The nodes get an IPv6 address and the security group admits ::/0: `::` listens on IPv6 and IPv4.
    expect(text).toContain('HOST=::\n');
  });

  test('auth service hands out node endpoints (STRATEGY=direct, no PUBLIC_URL)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          STRATEGY: 'direct',
          PUBLIC_URL: Match.absent(),
          // Defaults: 3 node heartbeats of 2 s; a view refreshed at most every second.
          FRESHNESS_MS: '6000',
          REGISTRY_CACHE_MS: '1000',
        }),
      },
    });
  });
});
