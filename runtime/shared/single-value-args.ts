import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--help` (or `-h`) was given: the message is the usage, for stdout and exit 0 (not an error exit). */
export class HelpRequested extends Error {
  constructor(usage: string) {
    super(usage);
    this.name = 'HelpRequested';
  }
}

export interface SingleValueArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** One line per single-value option given more than once, naming it and every value given. */
  repeated: string[];
}

/**
 * `node:util` `parseArgs` (strict), except that a string option not declared `multiple` may be given once only:
 * `parseArgs` alone keeps the last of `--connections 12 --connections 13` without a word. Each such option is
 * read as multiple, and one given twice or more is reported in `repeated` (its value is the last, as before)
 * for the caller to refuse in its own error style. Boolean flags may repeat: `--json --json` is unambiguous.
 * @throws what `parseArgs` throws (an unknown option, a missing value)
 */
export function parseSingleValueArgs(
  args: string[],
  options: Options,
  allowPositionals = false,
): SingleValueArgs {
  const single = Object.entries(options)
    .filter(([, o]) => o.type === 'string' && !o.multiple)
    .map(([name]) => name);
  const asMultiple: Options = { ...options };
  for (const name of single) {
    const { default: fallback, ...rest } = options[name]!;
    asMultiple[name] = {
      ...rest,
      multiple: true,
      ...(fallback === undefined ? {} : { default: [fallback as string] }),
    };
  }
  const parsed = parseArgs({ args, options: asMultiple, allowPositionals, strict: true });
  const values = { ...parsed.values } as SingleValueArgs['values'];
  const repeated: string[] = [];
  for (const name of single) {
    const given = values[name] as string[] | undefined;
    if (given === undefined) continue;
    if (given.length > 1) {
      repeated.push(
        `--${name}: given ${given.length} times (${given.map((v) => JSON.stringify(v)).join(', ')}); give it once`,
      );
    }
    values[name] = given.at(-1);
  }
  return { values, positionals: parsed.positionals, repeated };
}
