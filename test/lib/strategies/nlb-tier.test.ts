import { Match, type Template } from 'aws-cdk-lib/assertions';
import { DRAIN_NOTICE } from '../../../lib/fleet/drain-watch';
import { NLB_DEREGISTRATION_DELAY_MS_DEFAULT, NLB_HEALTH_CHECK_DEFAULTS } from '../../../runtime/local/nlb';
import { templateOf } from '../helpers';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

const ingressOf = (template: Template, description: string) =>
  Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter(
    (r) => (r as { Properties: { Description?: string } }).Properties.Description === description,
  );

describe('nlb tier', () => {
  let template: Template;
  beforeAll(() => {
    template = templateOf({ strategy: 'nlb', idleTimeoutSeconds: 400, drainSeconds: 45 });
  });

  test('the balancer (lib/nlb/nlb-balancer.ts) takes the context: idle timeout, delay = drain + 15 s notice', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 8080,
      ListenerAttributes: [{ Key: 'tcp.idle_timeout.seconds', Value: '400' }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '60' }]),
    });
  });

  test('the node group registers with the target group and takes its health checks', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      TargetGroupARNs: [{ Ref: Match.stringLikeRegexp('^NlbBalancerTargets') }],
      HealthCheckType: 'ELB',
    });
  });

  test('nodes are private and take the WS port only from the NLB', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      VPCZoneIdentifier: [
        { Ref: Match.stringLikeRegexp('^CoreNetworkVpcnodesSubnet1') },
        { Ref: Match.stringLikeRegexp('^CoreNetworkVpcnodesSubnet2') },
      ],
    });
    const nodeIngress = ingressOf(template, 'NLB to nodes and health checks');
    expect(nodeIngress).toHaveLength(1);
    expect(nodeIngress[0]).toMatchObject({
      Properties: {
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: {
          'Fn::GetAtt': [expect.stringMatching(/^NlbBalancerSecurityGroup/), 'GroupId'],
        },
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NlbBalancerSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^CoreFleetSecurityGroup'), 'GroupId'],
      },
      FromPort: 8080,
      ToPort: 8080,
    });
    const nodeGroups = template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: 'wslb WS nodes' },
    });
    for (const group of Object.values(nodeGroups)) {
      expect(
        (group as { Properties: { SecurityGroupIngress?: unknown } }).Properties.SecurityGroupIngress,
      ).toBeUndefined();
    }
  });

  test('private subnets reach AWS through endpoints open only to the nodes, with no NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const service of [
      'secretsmanager',
      'ssm',
      'ssmmessages',
      'ec2messages',
      'logs',
      'elasticloadbalancing',
    ]) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
      });
    }
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
      });
    }
    const endpointIngress = ingressOf(template, 'AWS APIs through the VPC');
    expect(endpointIngress).toHaveLength(8);
    for (const rule of endpointIngress) {
      expect(rule).toMatchObject({
        Properties: {
          FromPort: 443,
          SourceSecurityGroupId: {
            'Fn::GetAtt': [expect.stringMatching(/^CoreFleetSecurityGroup/), 'GroupId'],
          },
        },
      });
    }
  });

  test('auth hands out the NLB address and the balancer audience the nodes accept', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          STRATEGY: 'nlb',
          BALANCER_NAME: 'wslb',
          PUBLIC_URL: {
            'Fn::Join': [
              '',
              [
                'ws://',
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^NlbBalancerLoadBalancer'), 'DNSName'] },
                ':8080',
              ],
            ],
          },
        }),
      },
    });
  });

  test('with a certificate: a TLS listener on 443 alone, without an idle timeout (fixed at 350 s), wss://', () => {
    const tls = templateOf({ strategy: 'nlb', certificateArn: CERT, publicHostname: 'ws.example.com' });
    tls.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    tls.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
      ListenerAttributes: Match.absent(),
    });
    tls.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'wslb NLB: clients in, nodes out',
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })],
    });
    tls.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PUBLIC_URL: 'wss://ws.example.com' }) },
    });
  });

  test('plaintextListener=true keeps the TCP listener (with its idle timeout) beside the TLS one', () => {
    const both = templateOf({
      strategy: 'nlb',
      certificateArn: CERT,
      plaintextListener: 'true',
      idleTimeoutSeconds: 400,
    });
    both.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    both.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 8080,
      Protocol: 'TCP',
      ListenerAttributes: [{ Key: 'tcp.idle_timeout.seconds', Value: '400' }],
    });
    both.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'TLS',
      ListenerAttributes: Match.absent(),
    });
  });
});

describe('nlb stack with default context ↔ the local NLB stand-in (runtime/local/nlb)', () => {
  test('target group health check equals the stand-in; its delay is the stand-in drain plus the notice time', () => {
    const template = templateOf({ strategy: 'nlb' });
    const [group] = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup')) as {
      Properties: Record<string, unknown> & { TargetGroupAttributes: { Key: string; Value: string }[] };
    }[];
    const p = group!.Properties;
    const attribute = (key: string) => p.TargetGroupAttributes.find((a) => a.Key === key)?.Value;
    expect({
      path: p.HealthCheckPath,
      intervalMs: (p.HealthCheckIntervalSeconds as number) * 1000,
      timeoutMs: (p.HealthCheckTimeoutSeconds as number) * 1000,
      healthyThreshold: p.HealthyThresholdCount,
      unhealthyThreshold: p.UnhealthyThresholdCount,
    }).toEqual(NLB_HEALTH_CHECK_DEFAULTS);
    expect(Number(attribute('deregistration_delay.timeout_seconds')) * 1000).toBe(
      NLB_DEREGISTRATION_DELAY_MS_DEFAULT + DRAIN_NOTICE.toMilliseconds(),
    );
  });
});
