import { Match, type Template } from 'aws-cdk-lib/assertions';
import { maskedTemplate, templateOf, userDataText } from '../helpers';

describe('direct stack', () => {
  let template: Template;
  beforeAll(() => {
    template = templateOf({ strategy: 'direct' });
  });

  test('snapshot (asset hashes masked)', () => {
    expect(maskedTemplate(template)).toMatchSnapshot();
  });

  test('no load balancer, no private subnets, no NAT gateway, no interface endpoints', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  test('nodes get public IPv4 addresses from a launch template with IMDSv2 required and no key pair', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
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
    const ingress = Object.values(groups).flatMap(
      (g) =>
        (g as { Properties: { SecurityGroupIngress?: unknown[] } }).Properties.SecurityGroupIngress ?? [],
    );
    expect(ingress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: 'clients (IPv4)', FromPort: 8080, IpProtocol: 'tcp', ToPort: 8080 },
      { CidrIpv6: '::/0', Description: 'clients (IPv6)', FromPort: 8080, IpProtocol: 'tcp', ToPort: 8080 },
    ]);
  });

  test('user data runs the node with ENDPOINT_SOURCE=imds-public and no balancer audience', () => {
    const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
    const text = userDataText(
      (lt as { Properties: { LaunchTemplateData: { UserData: unknown } } }).Properties.LaunchTemplateData
        .UserData,
    );
    expect(text).toContain('ENDPOINT_SOURCE=imds-public\n');
    expect(text).not.toContain('TOKEN_AUDIENCE');
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
