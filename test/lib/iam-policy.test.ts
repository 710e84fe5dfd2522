import { type RunSimulationResults, runSimulation } from '@cloud-copilot/iam-simulate';
import { STRATEGIES, type Strategy } from '../../runtime/contract/strategies';
import { synthApp } from './helpers';
import { ACCOUNT } from './iam/cfn-resolve';
import { ALLOWED, DENIED, ROLES, type RoleKey, type RuntimeCall } from './iam/runtime-calls';
import { StackView } from './iam/stack-view';
import { TLS_SECRETS, TLS_VARIANTS } from './tls-variants';

/**
 * Issue 13, "checks with real tools": every AWS API call the runtime makes (test/lib/iam/runtime-calls.ts)
 * evaluated with @cloud-copilot/iam-simulate against the synthesized identity policies of the role that
 * makes it, on the resources it acts on in that stack: all allowed; and the calls that must stay denied.
 */
interface Verdict {
  call: string;
  result: string;
}

async function evaluate(
  view: StackView,
  roles: Map<RoleKey, string>,
  calls: RuntimeCall[],
): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const call of calls) {
    const roleId = roles.get(call.role);
    if (!roleId) continue;
    const identityPolicies = view.identityPolicies(roleId);
    for (const resource of call.on(view)) {
      const out: RunSimulationResults = await runSimulation(
        {
          request: {
            principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${view.ref(roleId)}/wslb`,
            action: call.action,
            resource: { resource, accountId: ACCOUNT },
            contextVariables:
              (typeof call.context === 'function' ? call.context(view, resource) : call.context) ?? {},
          },
          identityPolicies,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      const result = out.resultType === 'error' ? `error: ${out.errors.message}` : out.overallResult;
      verdicts.push({ call: `${call.role} ${call.action} ${resource}`, result });
    }
  }
  return verdicts;
}

/** Each strategy, and each with TLS (its certificate reads and, under `direct`, its DNS records). */
const VARIANTS: Array<[string, Record<string, string>]> = [
  ...STRATEGIES.map((strategy): [string, Record<string, string>] => [strategy, { strategy }]),
  ...Object.entries(TLS_VARIANTS),
];

describe.each(VARIANTS)('IAM: the runtime’s calls against the %s stack’s policies', (name, context) => {
  const strategy = context.strategy as Strategy;
  let view: StackView;
  const roles = new Map<RoleKey, string>();
  beforeAll(() => {
    view = new StackView(synthApp(context).stack);
    for (const [key, role] of Object.entries(ROLES) as [RoleKey, (typeof ROLES)[RoleKey]][]) {
      const found = view.find('AWS::IAM::Role', role.path);
      if (found.length > 1) throw new Error(`${found.length} roles match ${key}: ${found.join(', ')}`);
      if (found[0]) roles.set(key, found[0]);
    }
  });

  it('finds each role the runtime runs as in this strategy, and no other', () => {
    const expected = (Object.keys(ROLES) as RoleKey[]).filter((k) =>
      (ROLES[k].in as readonly string[]).includes(strategy),
    );
    expect([...roles.keys()].sort()).toEqual(expected.sort());
  });

  it('allows every call the runtime makes, on the resources it makes it on', async () => {
    const verdicts = await evaluate(view, roles, ALLOWED);
    expect(verdicts.filter((v) => v.result !== 'Allowed')).toEqual([]);
    // Every role present makes calls here: an empty list would mean the table lost track of the stack.
    for (const key of roles.keys()) {
      expect(verdicts.filter((v) => v.call.startsWith(`${key} `)).length).toBeGreaterThan(2);
    }
    // A TLS variant evaluates its certificate read (and under direct its record changes): the table saw it.
    const own = { 'haproxy-tls': [TLS_SECRETS.haproxy], 'direct-tls': [TLS_SECRETS.direct, 'route53:'] }[
      name
    ];
    for (const text of own ?? []) expect(verdicts.some((v) => v.call.includes(text))).toBe(true);
  });

  it('denies every call on the must-deny list', async () => {
    const verdicts = await evaluate(view, roles, DENIED);
    expect(verdicts.length).toBeGreaterThan(5);
    expect(verdicts.filter((v) => !/Denied$/.test(v.result))).toEqual([]);
  });
});
