import { InvalidInputError } from '../contract/errors';
import { createLogger, type Logger } from './log';

/** Exit codes of every runtime program: 0 done, 1 failed, 2 bad settings or usage (nothing was started). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/**
 * Runs a process entry point with one logger, `wslb-<program>` (JSON lines at `LOG_LEVEL`, or `info` when that
 * is missing or not a level). `main` returns the exit code, or nothing when the process keeps running (a
 * server; its signal handlers exit). An {@link InvalidInputError} out of `main` (bad settings, bad usage)
 * exits 2 with one `bad_settings` line naming every problem; anything else exits 1 with a `crashed` line.
 */
export function runMain(program: string, main: (log: Logger) => Promise<number | undefined>): void {
  const log = programLogger(program);
  main(log).then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (err: unknown) => {
      if (err instanceof InvalidInputError) {
        log.fatal({ event: 'bad_settings', problems: err.problems }, err.message);
        process.exit(EXIT.badInput);
      }
      log.fatal({ event: 'crashed', err }, `${program} crashed`);
      process.exit(EXIT.failed);
    },
  );
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** `wslb-<program>`, the service name every log line of that program carries. */
export function programLogger(program: string): Logger {
  const level = process.env.LOG_LEVEL;
  return createLogger(`wslb-${program}`, level && LEVELS.has(level) ? level : 'info');
}
