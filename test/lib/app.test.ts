import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { STRATEGIES } from '../../runtime/contract/strategies';
import { synthApp } from './helpers';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

/** Every shape the app takes: each strategy, each switch with its retiring tier, the TLS listener. */
const VARIANTS = [
  ...STRATEGIES.map((strategy) => ({ strategy })),
  ...STRATEGIES.flatMap((strategy) =>
    STRATEGIES.filter((r) => r !== strategy).map((retiring) => ({ strategy, retiring })),
  ),
  { strategy: 'nlb', certificateArn: CERT },
  { strategy: 'nlb', certificateArn: CERT, plaintextListener: 'true' },
];

describe('app', () => {
  test('one stack, named wslb unless stackName says otherwise', () => {
    expect(synthApp({ strategy: 'nlb' }).app.node.children.map((c) => c.node.id)).toEqual(['wslb']);
    const { app, stack } = synthApp({ strategy: 'direct', stackName: 'wslb-direct' });
    expect(stack.stackName).toBe('wslb-direct');
    expect(app.node.children.map((c) => c.node.id)).toEqual(['wslb-direct']);
  });

  test.each(VARIANTS)('cdk-nag AwsSolutions: zero unacknowledged findings (%o)', (context) => {
    const { app } = synthApp(context);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  test("cdk.json's CloudFormation validation passes a switching template, without a warning", () => {
    const { app } = synthApp({ strategy: 'haproxy', retiring: 'nlb' }, { validate: true });
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(() => app.synth()).not.toThrow();
      expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([]);
    } finally {
      errors.mockRestore();
    }
  });

  test('buildApp wires cdk-nag in: an unacknowledged finding fails synth', () => {
    const { app, stack } = synthApp({ strategy: 'direct' });
    new ec2.SecurityGroup(stack, 'Open', { vpc: stack.core.network.vpc }).addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(22),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-EC23/);
  });
});
