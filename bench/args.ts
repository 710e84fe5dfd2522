import { parseRunArgs } from './harness/run-args';
import { SECTION_IDS, type SectionId } from './types';

export interface BenchArgs {
  only?: SectionId[];
  quick: boolean;
  /** Where latest.json, latest.md and the charts go (a run with `--only` merges into the report there). */
  out: string;
}

export function parseBenchArgs(argv: string[], defaultOut: string): BenchArgs {
  const args = parseRunArgs(argv, { command: 'npm run bench', noun: 'section', ids: SECTION_IDS });
  return { ...args, out: args.out ?? defaultOut };
}
