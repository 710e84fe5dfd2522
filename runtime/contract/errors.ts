import type { z } from 'zod';

/**
 * Thrown when inputs are wrong: CDK context, a process's environment settings, a renderer's input, the local
 * stand-ins' settings. One type for the one kind of fault, as undici's `InvalidArgumentError`
 * (lib/core/errors.js): callers tell "fix your input" from every other failure by `instanceof` or `code`.
 *
 * `problems` holds every problem found, one line each, starting with the key (or path) it is about, so a
 * user fixes the whole input in one pass; the message is `invalid <subject>:` and those lines.
 */
export class InvalidInputError extends Error {
  readonly code = 'WSLB_INVALID_INPUT';

  constructor(
    /** What was wrong, in words: `context`, `settings`, `haproxy input`, … */
    readonly subject: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid ${subject}:\n  ${problems.join('\n  ')}`);
    this.name = 'InvalidInputError';
  }
}

/** @throws {InvalidInputError} with `subject` and `problems` when there is at least one problem. */
export function throwIfProblems(subject: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new InvalidInputError(subject, problems);
}

/** One line per zod issue: `<path>: <message>`, the path dotted (`stats.port`), `(input)` for the whole. */
export function issueLines(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
}

/**
 * `schema.parse(input)`, with every problem in one {@link InvalidInputError}.
 * @throws {InvalidInputError} naming each bad key.
 */
export function parseInput<S extends z.ZodType>(subject: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidInputError(subject, issueLines(result.error.issues));
  return result.data;
}
