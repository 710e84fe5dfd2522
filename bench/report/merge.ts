import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECTION_IDS, type SectionResult } from '../types';
import type { Report } from './write';

/**
 * With `--only`, the sections just measured replace theirs in the report already in `dir` (same mode),
 * so one failed section can be measured again without loading the machine with a whole run.
 */
export function mergeIntoPrevious(dir: string, report: Report): Report {
  const path = join(dir, 'latest.json');
  if (!existsSync(path)) return report;
  const previous = JSON.parse(readFileSync(path, 'utf8')) as Report;
  if (previous.schema !== report.schema || previous.quick !== report.quick) return report;
  const byId = new Map<string, SectionResult>(previous.sections.map((s) => [s.id, s]));
  for (const s of report.sections) byId.set(s.id, s);
  return {
    ...previous,
    sections: SECTION_IDS.flatMap((id) => byId.get(id) ?? []),
    remeasured: [
      ...(previous.remeasured ?? []),
      {
        date: report.date,
        commit: report.commit,
        sections: report.sections.map((s) => s.id),
        machine: report.machine,
      },
    ],
  };
}
