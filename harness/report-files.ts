import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a run's result files into `dir` (created if missing), each through a temp file and a rename, so a
 * reader never sees half a report; `files` maps a file name to its content. Returns the paths written, in
 * the order given. Both bench and chaos write `latest.json` and `latest.md` this way.
 */
export function writeResultFiles(dir: string, files: Record<string, string>): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(files).map(([name, content]) => {
    const path = join(dir, name);
    writeFileSync(`${path}.tmp`, content);
    renameSync(`${path}.tmp`, path);
    return path;
  });
}

/** A report as committed JSON: two-space indented, with a final newline. */
export const reportJson = (report: unknown): string => `${JSON.stringify(report, null, 2)}\n`;
