import { type OutFor, parseRunArgs } from '../harness/run-args';
import { SECTION_IDS, type SectionId } from './types';

export interface BenchArgs {
  only?: SectionId[];
  quick: boolean;
  /** Where latest.json, latest.md and the charts go (a run with `--only` merges into the report there). */
  out: string;
}

/**
 * `outFor(partial)`: a quick run must not replace the committed results. A full run of some sections is
 * not partial here: it merges into the committed report on purpose (bench/report/merge.ts).
 */
export function parseBenchArgs(argv: string[], outFor: OutFor): BenchArgs {
  const args = parseRunArgs(argv, { command: 'npm run bench', noun: 'section', ids: SECTION_IDS });
  return { ...args, out: args.out ?? outFor(args.quick) };
}
