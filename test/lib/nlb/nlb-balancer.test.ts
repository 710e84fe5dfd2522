import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { NlbBalancer, type NlbBalancerProps } from '../../../lib/nlb/nlb-balancer';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function balancerIn(props: Partial<NlbBalancerProps> = {}) {
  const stack = new Stack(new App(), 'Bare');
  const vpc = new ec2.Vpc(stack, 'Vpc');
  const balancer = new NlbBalancer(stack, 'Nlb', { vpc, targetPort: 8080, ...props });
  return {
    stack,
    vpc,
    balancer,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

const errorOf = (props: Partial<NlbBalancerProps>) => {
  try {
    balancerIn(props);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('NlbBalancer accepted the props');
};

describe('NlbBalancer on a bare stack', () => {
  test('defaults: one TCP listener on the target port with the NLB default idle timeout (350 s), ws://', () => {
    const { template, balancer, stack } = balancerIn();
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 8080,
      Protocol: 'TCP',
      ListenerAttributes: [{ Key: 'tcp.idle_timeout.seconds', Value: '350' }],
    });
    expect(stack.resolve(balancer.url)).toEqual({
      'Fn::Join': [
        '',
        ['ws://', { 'Fn::GetAtt': [expect.stringMatching(/^NlbLoadBalancer/), 'DNSName'] }, ':8080'],
      ],
    });
  });

  test('internet-facing, cross-zone, its own group; target group with /healthz checks and connection termination', () => {
    const { template } = balancerIn({ deregistrationDelay: Duration.seconds(45) });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internet-facing',
      SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^NlbSecurityGroup'), 'GroupId'] }],
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'TCP',
      TargetType: 'instance',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: '/healthz',
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 6,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: '45' },
        { Key: 'deregistration_delay.connection_termination.enabled', Value: 'true' },
      ]),
    });
  });

  test('with a certificate: a TLS listener on 443 only, no idle-timeout attribute, wss://', () => {
    const { template, balancer, stack } = balancerIn({ certificateArn: CERT });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
      ListenerAttributes: Match.absent(),
    });
    expect(JSON.stringify(stack.resolve(balancer.url))).toMatch(/^\{"Fn::Join":\["",\["wss:\/\/",/);
  });

  test('allowTo opens egress to the targets on the target port only', () => {
    const { stack, vpc, balancer } = balancerIn();
    const nodes = new ec2.SecurityGroup(stack, 'Nodes', { vpc });
    balancer.allowTo(nodes, 8080);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NlbSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Nodes'), 'GroupId'] },
      FromPort: 8080,
      ToPort: 8080,
    });
  });

  test('every bad prop is named at once, with what is accepted', () => {
    expect(
      errorOf({
        certificateArn: CERT,
        idleTimeout: Duration.seconds(30),
        deregistrationDelay: Duration.millis(1500),
      }),
    ).toBe(
      [
        'NlbBalancer Bare/Nlb:',
        '  idleTimeout: got 30 s; accepted: whole seconds from 60 to 6000',
        '  deregistrationDelay: got 1.5 s; accepted: whole seconds from 0 to 3600',
        "  idleTimeout: accepted only with a plaintext listener; a TLS listener's idle timeout is fixed at 350 s",
      ].join('\n'),
    );
    expect(errorOf({ plaintextListener: false })).toBe(
      'NlbBalancer Bare/Nlb:\n  plaintextListener: false needs a certificateArn, or the balancer has no listener',
    );
  });
});
