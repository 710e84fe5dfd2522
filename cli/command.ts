import type { ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { DECIMAL_INTEGER, DECIMAL_NUMBER } from '../runtime/contract/decimal';
import { parseSingleValueArgs, type SingleValueArgs } from '../runtime/shared/single-value-args';
import { UsageError } from './errors';
import type { CliIo } from './io';

/** One flag: how it is parsed, validated and described in `--help`. */
export interface Flag<T> {
  readonly type: 'string' | 'boolean';
  /** One line for `--help`. */
  readonly help: string;
  /** Placeholder of the value in `--help`, e.g. `N`. */
  readonly value?: string;
  /** What the flag accepts, in words: the error text when a value is refused. */
  readonly accepts?: string;
  /** Shown in `--help`; applied by the schema. */
  readonly defaultText?: string;
  readonly schema: z.ZodType<T>;
}

export type Flags = Record<string, Flag<unknown>>;
export type FlagValues<F extends Flags> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

type Range = { min: number; max: number; value?: string };

function numeric<D extends number | undefined>(
  integer: boolean,
  help: string,
  range: Range,
  fallback?: D,
): Flag<number | D> {
  const accepts = `${integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max.toLocaleString('en-US')}`;
  const number = z.number().min(range.min).max(range.max);
  const parse = z
    .string()
    .regex(integer ? DECIMAL_INTEGER : DECIMAL_NUMBER)
    .transform(Number)
    .pipe(integer ? number.int() : number);
  return {
    type: 'string',
    help,
    value: range.value ?? 'N',
    accepts,
    defaultText: fallback === undefined ? undefined : String(fallback),
    schema: z.union([z.undefined().transform(() => fallback as D), parse]) as z.ZodType<number | D>,
  };
}

/** Flag builders; every value arrives as a string from argv and is checked here, once. */
export const flag = {
  /** An integer within [min, max]; absent: `fallback` (or undefined). */
  int: <D extends number | undefined>(help: string, range: Range, fallback?: D) =>
    numeric(true, help, range, fallback),
  /** A number within [min, max], decimals allowed; absent: `fallback` (or undefined). */
  number: <D extends number | undefined>(help: string, range: Range, fallback?: D) =>
    numeric(false, help, range, fallback),
  /** A string matching `pattern`; absent: `fallback` (or undefined). */
  string<D extends string | undefined>(
    help: string,
    spec: { value: string; accepts: string; pattern?: RegExp },
    fallback?: D,
  ): Flag<string | D> {
    const parse = z.string().regex(spec.pattern ?? /^.+$/);
    return {
      type: 'string',
      help,
      value: spec.value,
      accepts: spec.accepts,
      defaultText: fallback,
      schema: z.union([z.undefined().transform(() => fallback as D), parse]) as z.ZodType<string | D>,
    };
  },
  boolean(help: string): Flag<boolean> {
    return { type: 'boolean', help, schema: z.boolean().default(false) as z.ZodType<boolean> };
  },
};

export interface Positional {
  readonly name: string;
  readonly help: string;
}

/** A command that runs: `wslb plan`, `wslb users add`. */
export interface Command<F extends Flags = Flags> {
  readonly kind: 'command';
  /** Words after `wslb`, e.g. `['users', 'add']`. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly positionals?: readonly Positional[];
  readonly flags: F;
  /** Paragraphs after the flag list in `--help`. */
  readonly notes?: readonly string[];
  run(args: { flags: FlagValues<F>; positionals: string[] }, io: CliIo): Promise<number>;
}

/** A command with subcommands: `wslb users`. */
export interface CommandGroup {
  readonly kind: 'group';
  readonly path: readonly string[];
  readonly summary: string;
  readonly commands: readonly AnyCommand[];
  readonly notes?: readonly string[];
}

// biome-ignore lint/suspicious/noExplicitAny: commands with different flags in one list; each is typed where it is defined
export type AnyCommand = Command<any> | CommandGroup;

/** Define a command; the generic keeps each command's flag values typed. */
export function command<F extends Flags>(definition: Omit<Command<F>, 'kind'>): Command<F> {
  return { kind: 'command', ...definition };
}

export const commandName = (c: { path: readonly string[] }) => ['wslb', ...c.path].join(' ');

const HELP_FLAG = { type: 'boolean', short: 'h' } as const;

/**
 * Parse argv (the words after the command's path) against the command's flags and positionals. Returns
 * `'help'` when `--help`/`-h` is given; throws {@link UsageError} naming the flag for anything refused,
 * a value flag given twice included (`--connections 12 --connections 13`).
 */
export function parseCommandLine<F extends Flags>(
  cmd: Command<F>,
  argv: string[],
): 'help' | { flags: FlagValues<F>; positionals: string[] } {
  const name = commandName(cmd);
  const options: NonNullable<ParseArgsConfig['options']> = { help: HELP_FLAG };
  for (const [key, f] of Object.entries(cmd.flags)) options[key] = { type: f.type };
  let parsed: SingleValueArgs;
  try {
    parsed = parseSingleValueArgs(argv, options, true);
  } catch (err) {
    throw new UsageError((err as Error).message, name);
  }
  if (parsed.values.help) return 'help';
  if (parsed.repeated.length > 0) throw new UsageError(parsed.repeated.join('\n'), name);
  const expected = cmd.positionals ?? [];
  if (parsed.positionals.length > expected.length) {
    throw new UsageError(`unexpected argument '${parsed.positionals[expected.length]}'`, name);
  }
  if (parsed.positionals.length < expected.length) {
    throw new UsageError(`missing <${expected[parsed.positionals.length]!.name}>`, name);
  }
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(cmd.flags)) {
    const raw = parsed.values[key];
    const result = f.schema.safeParse(raw);
    if (result.success) values[key] = result.data;
    else problems.push(`--${key}: got ${JSON.stringify(raw)}; accepted: ${f.accepts ?? 'see --help'}`);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'), name);
  return { flags: values as FlagValues<F>, positionals: parsed.positionals };
}

/** `--help` of a command or group, generated from its definition (one source for flags and help). */
export function renderHelp(cmd: AnyCommand): string {
  const name = commandName(cmd);
  const lines: string[] = [];
  if (cmd.kind === 'group') {
    lines.push(`usage: ${name} <command> [flags]`, '', cmd.summary, '', 'commands:');
    const width = Math.max(...cmd.commands.map((c) => c.path.at(-1)!.length));
    for (const c of cmd.commands) lines.push(`  ${c.path.at(-1)!.padEnd(width)}  ${c.summary}`);
    lines.push('', `Run '${name} <command> --help' for a command's flags.`);
  } else {
    const positionals = (cmd.positionals ?? []).map((p) => ` <${p.name}>`).join('');
    lines.push(`usage: ${name}${positionals} [flags]`, '', cmd.summary);
    if (cmd.positionals?.length) {
      lines.push('', 'arguments:');
      for (const p of cmd.positionals) lines.push(`  <${p.name}>  ${p.help}`);
    }
    const entries: Array<[string, string]> = Object.entries(cmd.flags as Flags).map(([key, f]) => {
      const left = `--${key}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
      const extra = [f.accepts, f.defaultText !== undefined ? `default ${f.defaultText}` : undefined]
        .filter(Boolean)
        .join('; ');
      return [left, extra ? `${f.help} (${extra})` : f.help];
    });
    entries.push(['-h, --help', 'show this help']);
    const width = Math.max(...entries.map(([left]) => left.length));
    lines.push('', 'flags:');
    for (const [left, right] of entries) lines.push(`  ${left.padEnd(width)}  ${right}`);
  }
  for (const note of cmd.notes ?? []) lines.push('', note);
  return `${lines.join('\n')}\n`;
}
