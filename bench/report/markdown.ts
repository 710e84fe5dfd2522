import type { TargetCheck } from '../../harness/check';
import type { Report } from './write';

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

export function markdownTable(rows: string[][]): string {
  if (rows.length === 0) return '';
  const [head, ...body] = rows;
  return [row(head), row(head.map(() => '---')), ...body.map(row)].join('\n');
}

function targetLine(t: TargetCheck): string {
  const verdict = t.pass ? 'met' : `**missed by ${Math.round((t.missedBy ?? 0) * 1000) / 10} %**`;
  return `- ${t.rule}: ${t.value} (target ${t.op} ${t.limit}): ${verdict}`;
}

/** The README's bench section: machine and date, then each section's table, targets and notes. */
export function renderMarkdown(report: Report): string {
  const m = report.machine;
  const out = [
    `# wslb bench${report.quick ? ' (quick mode: small sizes, figures not comparable)' : ''}`,
    '',
    `Measured ${report.date.slice(0, 16).replace('T', ' ')} UTC (commit ${report.commit ?? 'unknown'}) on ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB memory, ` +
      `Node ${m.node}, HAProxy ${m.haproxy ?? 'not installed'}, Linux ${m.kernel}, load average ${m.loadAverage ?? '?'} at the start; ` +
      `whole run ${Math.round(report.durationMs / 1000)} s. ` +
      'Ratios compare figures measured in the same run; absolute figures drift on a shared machine.',
  ];
  for (const r of report.remeasured ?? []) {
    out.push(
      '',
      `Measured again ${r.date.slice(0, 16).replace('T', ' ')} UTC (commit ${r.commit}, load average ${r.machine.loadAverage}): ${r.sections.join(', ')}.`,
    );
  }
  for (const s of report.sections) {
    out.push('', `## ${s.title}`, '');
    if (s.status === 'failed') {
      out.push(`Failed: \`${(s.error ?? '').split('\n')[0]}\``);
      continue;
    }
    out.push(markdownTable(s.table));
    if (s.targets.length > 0) out.push('', ...s.targets.map(targetLine));
    if (s.notes?.length) out.push('', ...s.notes.map((n) => `- ${n}`));
    for (const chart of s.charts) out.push('', `![${chart}](${chart})`);
  }
  return `${out.join('\n')}\n`;
}
