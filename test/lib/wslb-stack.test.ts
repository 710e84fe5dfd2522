import { CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { TIER_ID } from '../../lib/strategies/tier';
import type { WslbStack } from '../../lib/wslb-stack';
import { STRATEGIES, type Strategy } from '../../runtime/contract/strategies';
import { differingPaths, logicalIdsUnder, synthApp } from './helpers';

/** Construct id of the singleton function behind every `AwsCustomResource` (aws-cdk-lib's fixed UUID). */
const AWS_SDK_CALL_PROVIDER = `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

interface Synth {
  stack: WslbStack;
  resources: Resources;
  outputs: Record<string, { Value: unknown }>;
  coreIds: string[];
}

const synth = (context: Record<string, unknown>): Synth => {
  const { stack } = synthApp(context);
  const json = Template.fromStack(stack).toJSON();
  // CDK puts the providers of a construct's custom resources (the VPC's default-group lockdown, the SDK call
  // writing the current path) on the stack.
  const providers = stack.node.children.filter(
    (c) => c.node.id.startsWith('Custom::') || c.node.id === AWS_SDK_CALL_PROVIDER,
  );
  const coreIds = [stack.core, ...providers].flatMap(logicalIdsUnder);
  return { stack, resources: json.Resources, outputs: json.Outputs, coreIds };
};

/** The SDK call that writes the current path into the registry: its item names the strategy. */
const PATH_WRITE = ['Custom::AWS Properties.Create', 'Custom::AWS Properties.Update'];

/** Where a core resource differs between two deployments, as `Type Path` lines. */
const coreDifferences = (a: Synth, b: Synth) =>
  a.coreIds.flatMap((id) =>
    differingPaths(a.resources[id], b.resources[id]).map((path) => `${a.resources[id]!.Type} ${path}`),
  );

describe('one stack per deployment: the core stays whatever the strategy', () => {
  const by = {} as Record<Strategy, Synth>;
  beforeAll(() => {
    for (const strategy of STRATEGIES) by[strategy] = synth({ strategy });
  });

  test('the same core resources, under the same logical ids, in all three templates', () => {
    const ids = by.nlb.coreIds;
    expect(ids.length).toBeGreaterThan(40);
    for (const strategy of STRATEGIES) {
      expect(by[strategy].coreIds).toEqual(ids);
      for (const id of ids) expect(Object.keys(by[strategy].resources)).toContain(id);
    }
  });

  test('the auth URL output comes from the same Function URL resource', () => {
    const value = by.nlb.outputs.AuthUrl!.Value as { 'Fn::GetAtt': [string, string] };
    expect(value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^CoreAuthFunctionFunctionUrl/), 'FunctionUrl'],
    });
    expect(by.nlb.resources[value['Fn::GetAtt'][0]]!.Type).toBe('AWS::Lambda::Url');
    for (const strategy of STRATEGIES) expect(by[strategy].outputs.AuthUrl).toEqual({ Value: value });
  });

  test('nlb ↔ haproxy: only the group-level settings and the handed-out path differ; no node is replaced', () => {
    expect(coreDifferences(by.nlb, by.haproxy)).toEqual([
      // Registration with the NLB's target group and its health checks: updated in place.
      'AWS::AutoScaling::AutoScalingGroup Properties.HealthCheckType',
      'AWS::AutoScaling::AutoScalingGroup Properties.TargetGroupARNs',
      // The group waits for the tier's VPC endpoints (nlb: target health; haproxy: none for the nodes).
      'AWS::AutoScaling::AutoScalingGroup DependsOn',
      'AWS::AutoScaling::LifecycleHook DependsOn',
      'AWS::AutoScaling::ScalingPolicy DependsOn',
      'AWS::Lambda::Function Properties.Environment.Variables.STRATEGY',
      'AWS::Lambda::Function Properties.Environment.Variables.PUBLIC_URL',
      // The registry's current-path item, written after the function (decision 0150).
      ...PATH_WRITE,
      'AWS::CloudWatch::Dashboard Properties.DashboardBody',
    ]);
  });

  test('to or from direct: the launch template changes too (subnets, public addresses), a rolling update', () => {
    const launchTemplate = [
      'AWS::EC2::LaunchTemplate Properties.LaunchTemplateData.NetworkInterfaces',
      // ENDPOINT_SOURCE: the node reports its public endpoint under direct.
      'AWS::EC2::LaunchTemplate Properties.LaunchTemplateData.UserData',
    ];
    const group = [
      'AWS::AutoScaling::AutoScalingGroup Properties.VPCZoneIdentifier',
      'AWS::AutoScaling::AutoScalingGroup DependsOn',
      'AWS::AutoScaling::LifecycleHook DependsOn',
      'AWS::AutoScaling::ScalingPolicy DependsOn',
    ];
    const auth = ['AWS::Lambda::Function Properties.Environment.Variables.STRATEGY', ...PATH_WRITE];
    expect(coreDifferences(by.haproxy, by.direct).sort()).toEqual(
      [
        ...launchTemplate,
        ...group,
        ...auth,
        'AWS::Lambda::Function Properties.Environment.Variables.PUBLIC_URL',
      ].sort(),
    );
    expect(coreDifferences(by.nlb, by.direct).sort()).toEqual(
      [
        ...launchTemplate,
        ...group,
        ...auth,
        'AWS::AutoScaling::AutoScalingGroup Properties.HealthCheckType',
        'AWS::AutoScaling::AutoScalingGroup Properties.TargetGroupARNs',
        'AWS::Lambda::Function Properties.Environment.Variables.PUBLIC_URL',
        'AWS::CloudWatch::Dashboard Properties.DashboardBody',
      ].sort(),
    );
  });

  test('physical names set in the core are the same in every template', () => {
    const named = by.nlb.coreIds.flatMap((id) =>
      Object.entries(by.nlb.resources[id]!.Properties ?? {})
        .filter(([key]) => /Name$/.test(key))
        .map(([key, value]) => ({ id, key, value })),
    );
    expect(named.length).toBeGreaterThan(0);
    for (const strategy of STRATEGIES) {
      for (const { id, key, value } of named)
        expect(by[strategy].resources[id]!.Properties![key]).toEqual(value);
    }
  });

  test('which resources each strategy adds to the core', () => {
    const addedIds = (strategy: Strategy) =>
      Object.keys(by[strategy].resources).filter((id) => !by[strategy].coreIds.includes(id));
    // By construct path (stable, readable) and type.
    expect(
      Object.fromEntries(
        STRATEGIES.map((strategy) => {
          const { stack, resources } = by[strategy];
          const pathOf = new Map(
            stack.node
              .findAll()
              .filter((c): c is CfnResource => c instanceof CfnResource)
              .map((c) => [stack.getLogicalId(c), c.node.path.slice(stack.node.path.length + 1)]),
          );
          return [
            strategy,
            addedIds(strategy)
              .map((id) => `${pathOf.get(id)} (${resources[id]!.Type})`)
              .sort(),
          ];
        }),
      ),
    ).toMatchSnapshot();
    // Every added resource belongs to the strategy's tier, or to the VPC endpoints private nodes use.
    for (const strategy of STRATEGIES) {
      const { stack } = by[strategy];
      const tier = logicalIdsUnder(stack.node.findChild(TIER_ID[strategy]));
      const privateNodes = stack.node.tryFindChild('PrivateNodes');
      const endpoints = privateNodes ? logicalIdsUnder(privateNodes) : [];
      expect(addedIds(strategy).sort()).toEqual([...tier, ...endpoints].sort());
    }
  });
});

describe('a switch: the retiring tier is kept for one deploy, exactly as it was', () => {
  const pairs = STRATEGIES.flatMap((from) =>
    STRATEGIES.filter((to) => to !== from).map((to) => [from, to] as const),
  );

  test.each(pairs)('from %s to %s', (from, to) => {
    const before = synth({ strategy: from });
    const during = synth({ strategy: to, retiring: from });
    const after = synth({ strategy: to });
    const retiringTier = logicalIdsUnder(before.stack.node.findChild(TIER_ID[from]));
    for (const id of retiringTier) expect([id, during.resources[id]]).toEqual([id, before.resources[id]]);
    for (const id of retiringTier) expect(after.resources[id]).toBeUndefined();
    // The core of the switching deploy is the new strategy's, apart from the path it passes on.
    expect(coreDifferences(after, during).sort()).toEqual(
      [
        'AWS::Lambda::Function Properties.Environment.Variables.RETIRING_STRATEGY',
        ...PATH_WRITE,
        ...(from === 'direct'
          ? []
          : ['AWS::Lambda::Function Properties.Environment.Variables.RETIRING_PUBLIC_URL']),
        ...(from === 'nlb'
          ? [
              'AWS::AutoScaling::AutoScalingGroup Properties.HealthCheckType',
              'AWS::AutoScaling::AutoScalingGroup Properties.TargetGroupARNs',
              'AWS::AutoScaling::AutoScalingGroup DependsOn',
              'AWS::AutoScaling::LifecycleHook DependsOn',
              'AWS::AutoScaling::ScalingPolicy DependsOn',
              'AWS::CloudWatch::Dashboard Properties.DashboardBody',
            ]
          : []),
      ].sort(),
    );
  });
});

describe('the current path in the registry (decision 0150)', () => {
  const pathWrite = (s: Synth) => {
    const [entry] = Object.entries(s.resources).filter(([, r]) => r.Type === 'Custom::AWS');
    const [id, resource] = entry!;
    // The call is a JSON string joined around the table's Ref: put a placeholder in for it.
    const joined = resource.Properties!.Create as { 'Fn::Join': [string, unknown[]] };
    const text = joined['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '<table>')).join('');
    const create = JSON.parse(text) as Record<string, unknown>;
    return { id, resource: resource as { DependsOn?: string[] }, create };
  };

  test.each([
    [
      { strategy: 'haproxy', retiring: 'nlb' },
      { strategy: { S: 'haproxy' }, retiring: { S: 'nlb' } },
    ],
    [{ strategy: 'direct' }, { strategy: { S: 'direct' } }],
  ])('%o: written after the auth function, as the #path item', (context, named) => {
    const s = synth(context);
    const { id, resource, create } = pathWrite(s);
    expect(s.coreIds).toContain(id);
    expect(create).toMatchObject({
      service: 'DynamoDB',
      action: 'putItem',
      parameters: { TableName: '<table>', Item: { nodeId: { S: '#path' }, ...named } },
    });
    expect((create.parameters as { Item: object }).Item).toEqual({ nodeId: { S: '#path' }, ...named });
    expect(resource.DependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CoreAuthFunction[0-9A-F]{8}$/),
        expect.stringMatching(/^CoreFleetAsg/),
      ]),
    );
  });
});
