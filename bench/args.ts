import { parseArgs } from 'node:util';
import { SECTION_IDS, type SectionId } from './types';

export interface BenchArgs {
  only?: SectionId[];
  quick: boolean;
  /** Where latest.json, latest.md and the charts go. */
  out: string;
}

const USAGE = `usage: npm run bench -- [--only <section>[,<section>]] [--quick] [--out <dir>]
sections: ${SECTION_IDS.join(', ')}`;

export function parseBenchArgs(argv: string[], defaultOut: string): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const only = values.only?.flatMap((v) => v.split(',')).map((v) => v.trim());
  const unknown = only?.filter((v) => !(SECTION_IDS as readonly string[]).includes(v)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}\n${USAGE}`);
  return { only: only as SectionId[] | undefined, quick: values.quick, out: values.out ?? defaultOut };
}
