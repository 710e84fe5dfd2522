import { type OutFor, parseRunArgs } from '../harness/run-args';
import { SCENARIO_IDS, type ScenarioId } from './types';

export interface ChaosArgs {
  only?: ScenarioId[];
  quick: boolean;
  /** Where latest.json and latest.md go. */
  out: string;
}

/** `outFor(partial)`: a quick run or one of some scenarios must not replace the committed full run. */
export function parseChaosArgs(argv: string[], outFor: OutFor): ChaosArgs {
  const args = parseRunArgs(argv, { command: 'npm run chaos', noun: 'scenario', ids: SCENARIO_IDS });
  return { ...args, out: args.out ?? outFor(args.quick || args.only !== undefined) };
}
