import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { STRATEGIES } from '../../runtime/contract/strategies';
import { describeWithTool } from '../runtime/haproxy/helpers/tools';
import { synthApp } from './helpers';
import { NLB_CERTIFICATE, TLS_VARIANTS } from './tls-variants';

/** Every template the app produces: each strategy, each switch (both tiers), the TLS variants. */
const VARIANTS: Record<string, Record<string, unknown>> = {
  ...Object.fromEntries(STRATEGIES.map((strategy) => [strategy, { strategy }])),
  ...Object.fromEntries(
    STRATEGIES.flatMap((strategy) =>
      STRATEGIES.filter((r) => r !== strategy).map((retiring) => [
        `${strategy}-retiring-${retiring}`,
        { strategy, retiring },
      ]),
    ),
  ),
  ...TLS_VARIANTS,
  'nlb-tls-and-plaintext': { strategy: 'nlb', certificateArn: NLB_CERTIFICATE, plaintextListener: 'true' },
  'direct-one-node': { strategy: 'direct', nodes: '0/1/1' },
};

/**
 * Findings CDK itself produces and we accept: W3005, a `DependsOn` on a role that a `GetAtt` already
 * implies (CDK adds both on purpose, for the role's policy). Anything else, warning or error, fails.
 */
const ACCEPTED = new Set(['W3005']);

/** A template with one error cfn-lint knows: a listener port above 65535. */
const CONTROL = {
  Resources: {
    Listener: {
      Type: 'AWS::ElasticLoadBalancingV2::Listener',
      Properties: {
        LoadBalancerArn:
          'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/x/0123456789abcdef',
        Port: 70000,
        Protocol: 'TCP',
        DefaultActions: [
          {
            Type: 'forward',
            TargetGroupArn:
              'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/0123456789abcdef',
          },
        ],
      },
    },
  },
};

interface Finding {
  Rule: { Id: string };
  Level: string;
  Message: string;
  Filename: string;
  Location: { Path: (string | number)[] };
}

describeWithTool('cfn-lint', 'it comes with the machine image (pip install cfn-lint)')(
  'cfn-lint over every synthesized template',
  () => {
    let findings: Finding[];
    const dir = mkdtempSync(path.join(tmpdir(), 'wslb-cfn-lint-'));
    beforeAll(() => {
      const files = Object.entries(VARIANTS).map(([name, context]) => {
        const file = path.join(dir, `${name}.json`);
        writeFileSync(file, JSON.stringify(Template.fromStack(synthApp(context).stack).toJSON()));
        return file;
      });
      files.push(path.join(dir, 'control.json'));
      writeFileSync(files.at(-1)!, JSON.stringify(CONTROL));
      // One run for all templates: cfn-lint spends most of its time loading its specs.
      const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...files], { encoding: 'utf8' });
      if (run.error) throw run.error;
      // Exit codes are bit flags: 2 errors, 4 warnings, 8 informational; 1 means cfn-lint itself failed.
      if (run.status === null || run.status % 2 === 1) throw new Error(`cfn-lint failed: ${run.stderr}`);
      findings = JSON.parse(run.stdout) as Finding[];
    }, 600_000);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('zero errors and no warning but the accepted CDK ones, in every variant', () => {
      const shown = findings
        .filter((f) => !ACCEPTED.has(f.Rule.Id) && path.basename(f.Filename) !== 'control.json')
        .map((f) => `${path.basename(f.Filename)} ${f.Rule.Id} ${f.Location.Path.join('/')}: ${f.Message}`);
      expect(shown).toEqual([]);
    });

    test('the control template, with a port no listener takes, is reported: the check can fail', () => {
      const control = findings.filter((f) => path.basename(f.Filename) === 'control.json');
      expect(control.map((f) => [f.Level, f.Location.Path.join('/')])).toContainEqual([
        'Error',
        'Resources/Listener/Properties/Port',
      ]);
    });
  },
);
