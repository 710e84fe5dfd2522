import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelpRequested, parseSingleValueArgs } from '../runtime/shared/single-value-args';

export { HelpRequested };

export interface RunArgs<Id extends string> {
  only?: Id[];
  quick: boolean;
  /** `--out`, when given. */
  out?: string;
}

export interface RunArgsSpec<Id extends string> {
  /** e.g. `npm run bench` */
  command: string;
  /** What `--only` picks: `section`, `scenario`. */
  noun: string;
  ids: readonly Id[];
}

export function runUsage<Id extends string>(spec: RunArgsSpec<Id>): string {
  return (
    `usage: ${spec.command} -- [--only <${spec.noun}>[,<${spec.noun}>]] [--quick] [--out <dir>]\n` +
    `${spec.noun}s (name or number): ${spec.ids.map((id, i) => `${i + 1} ${id}`).join(', ')}\n` +
    `  --only   these ${spec.noun}s only, by name or number, comma separated or repeated\n` +
    '  --quick  small sizes, to check that everything runs (written to a temp folder, never over committed results)\n' +
    '  --out    write latest.json and latest.md into this folder\n' +
    '  --help, -h  this text'
  );
}

/**
 * The options `npm run bench` and `npm run chaos` share. `--only` takes names or 1-based numbers, comma
 * separated or repeated; `--out` is given once.
 * @throws HelpRequested (the usage) for `--help`/`-h`; an Error naming what was wrong, with the usage, for a bad value
 */
export function parseRunArgs<Id extends string>(argv: string[], spec: RunArgsSpec<Id>): RunArgs<Id> {
  const usage = runUsage(spec);
  let values: { only?: string[]; quick?: boolean; out?: string; help?: boolean };
  try {
    const parsed = parseSingleValueArgs(argv, {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (parsed.repeated.length > 0) throw new Error(parsed.repeated.join('\n'));
    values = parsed.values as typeof values;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${usage}`);
  }
  if (values.help) throw new HelpRequested(usage);
  const only = values.only
    ?.flatMap((v) => v.split(','))
    .map((raw) => {
      const v = raw.trim();
      const id = /^\d+$/.test(v) ? spec.ids[Number(v) - 1] : v;
      if (!id || !(spec.ids as readonly string[]).includes(id)) {
        throw new Error(`unknown ${spec.noun} ${raw}\n${usage}`);
      }
      return id as Id;
    });
  return { only, quick: values.quick ?? false, out: values.out };
}

/** Where a run writes its report, given whether it is partial (a quick run, or a subset that must not replace the whole). */
export type OutFor = (partial: boolean) => string;

/**
 * The rule bench and chaos share: quick runs never overwrite committed results. A partial run writes to a
 * new temp folder named `<tmpPrefix>…`; a full run to `committed`. `--out` overrides both (in the parsers).
 */
export function committedOrTemp(committed: string, tmpPrefix: string): OutFor {
  return (partial) => (partial ? mkdtempSync(join(tmpdir(), tmpPrefix)) : committed);
}
