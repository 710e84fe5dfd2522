import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackId } from '../../lib/app';
import { STRATEGIES } from '../../lib/config';
import { synthApp } from './helpers';

describe('app', () => {
  // Built once: building the three stacks is most of each test's cost.
  let all: ReturnType<typeof synthApp>;
  beforeAll(() => {
    all = synthApp({}, { validate: true });
  });

  test('without strategy: the three stacks, named after their strategy', () => {
    const { app, stacks } = all;
    expect(stacks.map((s) => s.stackName)).toEqual(['wslb-nlb', 'wslb-haproxy', 'wslb-direct']);
    expect(app.node.children.map((c) => c.node.id)).toEqual(['wslb-nlb', 'wslb-haproxy', 'wslb-direct']);
  });

  test.each(STRATEGIES)('strategy=%s: that stack alone', (strategy) => {
    const { stacks } = synthApp({ strategy });
    expect(stacks.map((s) => s.stackName)).toEqual([stackId(strategy)]);
  });

  test('cdk-nag AwsSolutions: zero unacknowledged findings over all three stacks', () => {
    const { app } = all;
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  test("cdk.json's CloudFormation validation passes all three templates, without a warning", () => {
    const { app } = all;
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(() => app.synth()).not.toThrow();
      expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([]);
    } finally {
      errors.mockRestore();
    }
  });

  test('buildApp wires cdk-nag in: an unacknowledged finding fails synth', () => {
    const { app, stacks } = synthApp({ strategy: 'direct' });
    const stack = stacks[0]!;
    const vpc = stack.node.findAll().find((c): c is ec2.Vpc => c instanceof ec2.Vpc)!;
    new ec2.SecurityGroup(stack, 'Open', { vpc }).addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
    expect(() => app.synth()).toThrow(/AwsSolutions-EC23/);
  });
});
