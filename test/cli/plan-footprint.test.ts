import type { Template } from 'aws-cdk-lib/assertions';
import { AVAILABILITY_ZONES, FOOTPRINTS, ROOT_VOLUME_GIB, SECRETS } from '../../cli/plan/strategy-footprint';
import { AUTH_MEMORY_MB } from '../../lib/config';
import { STRATEGIES } from '../../runtime/contract/strategies';
import { templateOf } from '../lib/helpers';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
interface LaunchTemplateData {
  NetworkInterfaces?: Array<{ AssociatePublicIpAddress?: boolean }>;
  BlockDeviceMappings?: Array<{ Ebs?: { VolumeSize?: number } }>;
}

// What `wslb plan` prices must be what the stacks deploy: each strategy's template, counted.
describe.each(STRATEGIES)('plan footprint of %s matches its synthesized stack', (strategy) => {
  let template: Template;
  let resources: Resources;
  beforeAll(() => {
    template = templateOf({ strategy });
    resources = template.toJSON().Resources as Resources;
  });
  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);
  const footprint = FOOTPRINTS[strategy];

  test('interface endpoints, each in every AZ', () => {
    const endpoints = ofType('AWS::EC2::VPCEndpoint').filter(
      (r) => r.Properties?.VpcEndpointType === 'Interface',
    );
    expect(endpoints).toHaveLength(footprint.interfaceEndpoints);
    for (const e of endpoints) expect(e.Properties?.SubnetIds).toHaveLength(AVAILABILITY_ZONES);
  });

  test('load balancers, Elastic IPs and HAProxy instances', () => {
    expect(ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')).toHaveLength(footprint.networkLoadBalancers);
    expect(ofType('AWS::EC2::EIP')).toHaveLength(footprint.elasticIps);
    // The pair: one single-instance Auto Scaling group per side (break before make: never two at once).
    const pairGroups = ofType('AWS::AutoScaling::AutoScalingGroup').filter((g) =>
      /-haproxy-[ab]$/.test(String(g.Properties?.AutoScalingGroupName)),
    );
    const pairInstances = pairGroups.reduce((n, g) => n + Number(g.Properties?.MaxSize), 0);
    expect(ofType('AWS::EC2::Instance').length + pairInstances).toBe(footprint.haproxyInstances);
    for (const lb of ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      expect(lb.Properties?.Subnets).toHaveLength(AVAILABILITY_ZONES);
    }
  });

  test('node public addresses, root volumes, secrets and the auth memory', () => {
    const templates = ofType('AWS::EC2::LaunchTemplate').map(
      (r) => r.Properties?.LaunchTemplateData as LaunchTemplateData,
    );
    const nodes = templates.filter((t) => t.NetworkInterfaces || t.BlockDeviceMappings);
    expect(nodes.length).toBeGreaterThan(0);
    const publicIp = nodes.some((t) => t.NetworkInterfaces?.some((n) => n.AssociatePublicIpAddress));
    expect(publicIp).toBe(footprint.publicNodes);
    for (const t of nodes) expect(t.BlockDeviceMappings?.[0]?.Ebs?.VolumeSize).toBe(ROOT_VOLUME_GIB);
    for (const i of ofType('AWS::EC2::Instance')) {
      const mapping = (
        i.Properties?.BlockDeviceMappings as Array<{ Ebs: { VolumeSize: number } }> | undefined
      )?.[0];
      expect(mapping?.Ebs.VolumeSize ?? ROOT_VOLUME_GIB).toBe(ROOT_VOLUME_GIB);
    }
    expect(ofType('AWS::SecretsManager::Secret')).toHaveLength(SECRETS);
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: AUTH_MEMORY_MB,
      Architectures: ['arm64'],
    });
  });
});
