import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from '../harness/machine';
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

export function writeChaosReport(dir: string, report: ChaosReport): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'latest.json');
  const md = join(dir, 'latest.md');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  const checks = report.scenarios.flatMap((s) => [
    `\n### ${s.number}. ${s.title}: ${s.missing ? 'not run' : s.pass ? 'pass' : 'FAIL'}`,
    ...s.checks.map((c) => `- ${c.pass ? '✔' : '✘'} ${c.rule}: ${c.measured}`),
  ]);
  writeFileSync(md, `${markdownTable(report)}${checks.join('\n')}\n`);
  return [json, md];
}
