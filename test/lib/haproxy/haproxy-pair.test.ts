import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { HaproxyPair, type HaproxyPairProps } from '../../../lib/haproxy/haproxy-pair';

/** A bare stack with a two-AZ VPC of /25 subnets and a pair in it; nothing else of the app. */
function pairOn(props: Partial<HaproxyPairProps> = {}, subnets: 'two-azs' | 'one-az' = 'two-azs') {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Bare', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/16'),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'pair', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 25 }],
  });
  const [a, b] = vpc.publicSubnets;
  new HaproxyPair(stack, 'Pair', {
    vpc,
    subnets: subnets === 'two-azs' ? [a!, b!] : [a!, a!],
    instanceType: 'c7g.large',
    sourceIps: 1,
    targetConnections: 10_000,
    maxConnectionsPerNode: 10_000,
    wsPort: 8080,
    fleetTagKey: 'wslb:fleet',
    fleetTagValue: 'bare',
    ...props,
  });
  return { app, stack };
}

/** The validation messages synth reports (every problem at once), or [] when it synthesizes. */
function problems(build: () => { app: App }): string[] {
  try {
    build().app.synth();
    return [];
  } catch (error) {
    return [...String((error as Error).message).matchAll(/\[Bare\/Pair\] (.*)/g)].map((m) => m[1]!);
  }
}

describe('HaproxyPair on a bare Stack', () => {
  test("haproxySourceIps up to the ENI's secondary addresses minus the pair address: c7g.large takes 8", () => {
    expect(problems(() => pairOn({ sourceIps: 8 }))).toEqual([]);
    const { stack } = pairOn({ sourceIps: 8 });
    const userData = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(userData).toContain(
      'ADDRESSES=(10.0.0.64 10.0.0.65 10.0.0.66 10.0.0.67 10.0.0.68 10.0.0.69 10.0.0.70 10.0.0.71 10.0.0.72)',
    );
  });

  test('one more source IP than that (the old off-by-one: no room left for the pair address) is refused by name', () => {
    expect(problems(() => pairOn({ sourceIps: 9 }))).toEqual([
      'haproxySourceIps: got 9; accepted: 1 to 8 for c7g.large (9 secondary IPv4 addresses per ENI: the ' +
        "side's pair address, then the source IPs); pick a larger haproxyInstanceType for more",
    ]);
    expect(problems(() => pairOn({ sourceIps: 3, instanceType: 't4g.small' }))).toEqual([
      'haproxySourceIps: got 3; accepted: 1 to 2 for t4g.small (3 secondary IPv4 addresses per ENI: the ' +
        "side's pair address, then the source IPs); pick a larger haproxyInstanceType for more",
    ]);
    expect(problems(() => pairOn({ sourceIps: 0 }))[0]).toMatch(/^haproxySourceIps: got 0; accepted: 1 to 8/);
  });

  test('an overlay IP inside the VPC CIDR cannot be routed to an instance, and is refused by name', () => {
    expect(problems(() => pairOn({ overlayIp: '10.0.200.1' }))).toEqual([
      'haproxyOverlayIp: got 10.0.200.1; accepted: an IPv4 address outside the VPC CIDR 10.0.0.0/16 ' +
        '(a route can only send addresses outside it to an instance)',
    ]);
  });

  test('both sides in one subnet (one AZ) are refused, every problem reported at once', () => {
    expect(problems(() => pairOn({ sourceIps: 9 }, 'one-az'))).toEqual([
      expect.stringMatching(/^haproxySourceIps: got 9/),
      expect.stringMatching(/^HaproxyPair subnets: both in \S+; accepted: two subnets in two AZs$/),
    ]);
  });

  test('defaults: overlay IP 192.168.254.1, routed in every route table of the VPC', () => {
    const { stack } = pairOn();
    const text = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(text).toContain('OVERLAY_IP=192.168.254.1');
    const tables = Object.keys(Template.fromStack(stack).findResources('AWS::EC2::RouteTable'));
    expect(tables).toHaveLength(2);
    for (const table of tables) expect(text).toContain(`{"Ref":"${table}"}`);
  });
});
