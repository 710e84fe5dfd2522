import { z } from 'zod';

/**
 * Plain decimal notation, the only one a numeric option accepts: digits, an optional leading minus, and (for
 * a decimal) one point with digits after it. `Number()` and `z.coerce.number()` also take `0x10`, `1e1`,
 * ` 12 ` and `` (as 0), which no one types on purpose.
 */
export const DECIMAL_INTEGER = /^-?\d+$/;
export const DECIMAL_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * An integer in [min, max] from a string in plain decimal notation (argv, env, `-c`) or from a number
 * (JSON): the schema every numeric option of wslb parses with. Its messages name no option: the caller's
 * error adds the option's name.
 */
export const decimalInt = (min: number, max: number) =>
  z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      if (typeof value === 'number' || DECIMAL_INTEGER.test(value)) return Number(value);
      ctx.addIssue({ code: 'custom', message: 'a whole number in plain decimal digits, e.g. 12' });
      return z.NEVER;
    })
    .pipe(z.number().int().min(min).max(max));

/**
 * One option's value through {@link decimalInt}, for a parser without a schema of its own.
 * @throws {Error} `<name>: <what is accepted> (got "<value>")`.
 */
export function parseDecimalInt(name: string, value: string, min: number, max: number): number {
  const result = decimalInt(min, max).safeParse(value);
  if (result.success) return result.data;
  throw new Error(`${name}: ${result.error.issues[0]?.message} (got ${JSON.stringify(value)})`);
}
