import { parseArgs } from 'node:util';
import { SCENARIO_IDS, type ScenarioId } from './types';

export interface ChaosArgs {
  only?: ScenarioId[];
  quick: boolean;
  /** Where latest.json and latest.md go. */
  out: string;
}

export const USAGE = `usage: npm run chaos -- [--only <scenario>[,<scenario>]] [--quick] [--out <dir>]
scenarios (name or number): ${SCENARIO_IDS.map((id, i) => `${i + 1} ${id}`).join(', ')}`;

/** `defaultOut(partial)`: a quick run or one of some scenarios must not replace the committed full run. */
export function parseChaosArgs(argv: string[], defaultOut: (partial: boolean) => string): ChaosArgs {
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
  const only = values.only
    ?.flatMap((v) => v.split(','))
    .map((v) => {
      const id = /^\d+$/.test(v.trim()) ? SCENARIO_IDS[Number(v) - 1] : v.trim();
      if (!(SCENARIO_IDS as readonly string[]).includes(id ?? ''))
        throw new Error(`unknown scenario ${v}\n${USAGE}`);
      return id as ScenarioId;
    });
  return { only, quick: values.quick, out: values.out ?? defaultOut(values.quick || only !== undefined) };
}
