/** A command line the CLI cannot run (unknown command, bad or missing flag): exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    /** The command whose `--help` the user should read, e.g. `wslb users add`. */
    readonly command = 'wslb',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command that was well formed but failed (AWS refused, file unreadable, user absent): exit code 1. */
export class CliError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}
