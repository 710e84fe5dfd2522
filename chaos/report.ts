import type { Machine } from '../harness/machine';
import { reportJson, writeResultFiles } from '../harness/report-files';
import type { ScenarioResult } from './types';

export interface ChaosReport {
  schema: 1;
  date: string;
  quick: boolean;
  machine: Machine;
  durationMs: number;
  pass: boolean;
  scenarios: ScenarioResult[];
}

const machineLine = (m: Machine) =>
  `${m.nproc} cores, ${m.memoryGiB} GiB, Node ${m.node}, kernel ${m.kernel}`;

/** The README table: scenario, figure, pass/fail, date, machine. */
export function markdownTable(report: ChaosReport): string {
  const date = report.date.slice(0, 10);
  const machine = machineLine(report.machine);
  const rows = report.scenarios.map((s) => {
    const verdict = s.missing ? `not run (${s.missing})` : s.pass ? 'pass' : 'FAIL';
    const figure = (s.error ? `error: ${s.error.split('\n')[0]}` : s.figure).replace(/\|/g, '\\|');
    return `| ${s.number}. ${s.title} | ${figure} | ${verdict} | ${date} | ${machine} |`;
  });
  return [`| scenario | figure | pass/fail | date | machine |`, `|---|---|---|---|---|`, ...rows, ''].join(
    '\n',
  );
}

/** latest.json and latest.md (the table, then every check) into `dir`; returns the paths written. */
export function writeChaosReport(dir: string, report: ChaosReport): string[] {
  const checks = report.scenarios.flatMap((s) => [
    `\n### ${s.number}. ${s.title}: ${s.missing ? 'not run' : s.pass ? 'pass' : 'FAIL'}`,
    ...s.checks.map((c) => `- ${c.pass ? '✔' : '✘'} ${c.rule}: ${c.measured}`),
  ]);
  return writeResultFiles(dir, {
    'latest.json': reportJson(report),
    'latest.md': `${markdownTable(report)}${checks.join('\n')}\n`,
  });
}
