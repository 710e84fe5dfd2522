import { z } from 'zod';
import { decimalInt } from '../contract/decimal';
import { InvalidInputError } from '../contract/errors';
import { wsUrlProblem } from '../contract/url';

/**
 * Parse `env` with a zod object schema whose keys are the variable names.
 * Collects every problem, then throws once, so a user fixes a config in one pass.
 * @throws {InvalidInputError} (subject `settings`) naming every bad variable and the value it got.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const result = schema.safeParse(picked);
  if (result.success) return result.data;
  throw new InvalidInputError(
    'settings',
    result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(settings)';
      const got = picked[String(issue.path[0])];
      return `${key}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    }),
  );
}

/** Integer env var within [min, max] in plain decimal digits, with a default. */
export const intVar = (min: number, max: number, fallback: number) => decimalInt(min, max).default(fallback);

/** Boolean env var: true/false/1/0. */
export const boolVar = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** `LOG_LEVEL`: pino's levels. */
export const logLevelVar = () =>
  z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** Adds an issue on `key` unless at least one of `keys` is set: the usual "ARN or file" pair. */
export function requireOneOf(
  settings: Record<string, unknown>,
  ctx: z.RefinementCtx,
  keys: [string, string],
  message = `set ${keys[0]} or ${keys[1]}`,
): void {
  if (!settings[keys[0]] && !settings[keys[1]]) ctx.addIssue({ code: 'custom', path: [keys[0]], message });
}

/** A WebSocket URL handed to clients (`ws://host:port`, `wss://host`); an IPv6 address must be in brackets. */
export const wsUrlVar = () =>
  z.string().superRefine((value, ctx) => {
    const problem = wsUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An address to listen on (`0.0.0.0`, `::`, `127.0.0.1`, `::1`, a host name): no brackets, no port. */
export const listenHostVar = (fallback: string) =>
  z
    .string()
    .regex(
      /^[A-Za-z0-9.:%_-]+$/,
      'an address to listen on, e.g. 0.0.0.0, ::, 127.0.0.1 or ::1 (no brackets, no port)',
    )
    .default(fallback);
