import type { Machine } from '../../harness/machine';
import { reportJson, writeResultFiles } from '../../harness/report-files';
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

/** latest.json, latest.md and the charts into `dir`; returns the paths written. */
export function writeReport(dir: string, report: Report, charts: Record<string, string>): string[] {
  return writeResultFiles(dir, {
    ...charts,
    'latest.json': reportJson(report),
    'latest.md': renderMarkdown(report),
  });
}
