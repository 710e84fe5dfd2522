import { type CliIo, styler } from './io';

/**
 * A plain-text table for a terminal: columns padded to their widest cell, numbers right-aligned, the header
 * bold when colour is on. Scripts use `--json` instead.
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  io: CliIo,
): string {
  const style = styler(io.stdout, io.env);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^[-+$]?[\d.,]+( \S{1,3})?$/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[style('bold', line(header)), ...rows.map(line)].join('\n')}\n`;
}
