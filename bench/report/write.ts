import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from '../../harness/machine';
import type { SectionResult } from '../types';
import { renderMarkdown } from './markdown';

export interface Report {
  schema: 1;
  date: string;
  quick: boolean;
  /** The commit measured (`-dirty` when the tree had changes). */
  commit: string;
  machine: Machine;
  durationMs: number;
  sections: SectionResult[];
  /** Sections measured again later with `--only`. */
  remeasured?: { date: string; commit: string; sections: string[]; machine: Machine }[];
}

/** Write through a temp file, so a reader never sees half a report. */
function writeAtomic(path: string, content: string): void {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

/** latest.json, latest.md and the charts into `dir`; returns the paths written. */
export function writeReport(dir: string, report: Report, charts: Record<string, string>): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, svg] of Object.entries(charts)) {
    writeAtomic(join(dir, name), svg);
    files.push(join(dir, name));
  }
  writeAtomic(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(join(dir, 'latest.md'), renderMarkdown(report));
  files.push(join(dir, 'latest.json'), join(dir, 'latest.md'));
  return files;
}
