import '../runtime/local/quiet-sdk-warning';
import { join } from 'node:path';
import { cleanupAll } from '../harness/cleanup';
import { describeMachine } from '../harness/machine';
import { say } from '../harness/progress';
import { committedOrTemp } from '../harness/run-args';
import { runSuite } from '../harness/run-suite';
import { currentNamespace, runSelfInNamespace } from '../runtime/local/netns';
import { chooseNlbStandIn } from '../runtime/local/nlb';
import { parseChaosArgs } from './args';
import { SecretLedger } from './harness/secret-ledger';
import { type ChaosReport, markdownTable, writeChaosReport } from './report';
import { SCENARIOS } from './scenarios';
import type { ScenarioResult } from './types';

/**
 * `npm run chaos`: every scenario in turn on real processes, then latest.json and latest.md.
 * A full run writes chaos/results; `--quick` or `--only` writes to a temp folder unless `--out` is given.
 */
async function main(args: ReturnType<typeof parseChaosArgs>): Promise<number> {
  const started = Date.now();
  const machine = describeMachine();
  const ledger = new SecretLedger();
  const results: ScenarioResult[] = [];
  const chosen = SCENARIOS.filter((s) => !args.only || args.only.includes(s.id));
  say(JSON.stringify({ event: 'chaos start', quick: args.quick, scenarios: chosen.map((s) => s.id) }));
  for (const scenario of chosen) {
    say(`\n== ${scenario.number}. ${scenario.title}${args.quick ? ' (quick)' : ''}`);
    const t0 = Date.now();
    const base = { number: scenario.number, id: scenario.id, title: scenario.title };
    try {
      const out = await scenario.run({ quick: args.quick, ledger });
      const pass = !out.missing && out.checks.length > 0 && out.checks.every((c) => c.pass);
      results.push({ ...base, ...out, pass, durationMs: Date.now() - t0 });
      for (const c of out.checks) say(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.rule}: ${c.measured}`);
      say(`  ${out.missing ? `not run: ${out.missing}` : pass ? 'PASS' : 'FAIL'} — ${out.figure}`);
    } catch (err) {
      const error = (err as Error).stack ?? String(err);
      say(`  ERROR ${error}`);
      results.push({
        ...base,
        figure: '',
        checks: [],
        metrics: {},
        pass: false,
        durationMs: Date.now() - t0,
        error,
      });
    }
    await cleanupAll();
  }
  const report: ChaosReport = {
    schema: 1,
    date: new Date(started).toISOString(),
    quick: args.quick,
    machine,
    durationMs: Date.now() - started,
    pass: results.every((r) => r.pass),
    scenarios: results,
  };
  const files = writeChaosReport(args.out, report);
  say(`\n${markdownTable(report)}`);
  say(
    JSON.stringify({
      event: 'chaos done',
      pass: report.pass,
      seconds: Math.round(report.durationMs / 1000),
      files,
    }),
  );
  return report.pass ? 0 : 1;
}

const parse = () =>
  parseChaosArgs(process.argv.slice(2), committedOrTemp(join(__dirname, 'results'), 'wslb-chaos-'));

/**
 * A scenario with the `nlb` path wants the kernel NLB stand-in (10,000 clients; the HAProxy fallback holds 9,000
 * here), which runs only with this process inside a network namespace: re-run there when one can be made, as
 * `npm start` does. Bad arguments are left to runSuite, which prints the usage.
 */
function wantsNamespace(): boolean {
  if (currentNamespace()) return false;
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch {
    return false;
  }
  const chosen = SCENARIOS.filter((s) => !args.only || args.only.includes(s.id));
  return chosen.some((s) => s.nlbPath) && chooseNlbStandIn().kind === 'kernel';
}

if (wantsNamespace()) {
  void runSelfInNamespace({
    label: 'chaos',
    onNamespace: (ns) => say(JSON.stringify({ event: 'chaos runs in a network namespace', namespace: ns })),
  }).then((code) => process.exit(code));
} else {
  runSuite('chaos', parse, main);
}
