import { round } from './stats';

/** One pass rule of a run (a bench target, a chaos rule), with what was measured against it. */
export interface Check {
  rule: string;
  pass: boolean;
  /** The figure behind the verdict, as a reader wants it, e.g. "400 connected after 5.4 s". */
  measured: string;
}

export const check = (rule: string, pass: boolean, measured: string): Check => ({ rule, pass, measured });

/** A numeric target of the bench: `value op limit`, figures rounded to 4 decimals. */
export interface TargetCheck extends Check {
  value: number;
  op: '<=' | '>=';
  limit: number;
  /** When missed: how far off, relative to the limit (0.12 = 12 %). */
  missedBy?: number;
}

/** Checks `value` against `limit` (a target from an issue); `measured` reads "<value> (target <op> <limit>)". */
export function targetCheck(rule: string, value: number, op: '<=' | '>=', limit: number): TargetCheck {
  const pass = op === '<=' ? value <= limit : value >= limit;
  const off = op === '<=' ? (value - limit) / limit : (limit - value) / limit;
  const shown = round(value, 4);
  return {
    ...check(rule, pass, `${shown} (target ${op} ${limit})`),
    value: shown,
    op,
    limit,
    ...(pass ? {} : { missedBy: round(off, 4) }),
  };
}
