/** The streams and environment a command runs with; tests pass their own. */
export interface CliIo {
  /** Data: what a script pipes on (tables, JSON). */
  stdout: OutStream;
  /** Progress, prompts and errors. */
  stderr: OutStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: NodeJS.ProcessEnv;
}

export interface OutStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
}

export function processIo(): CliIo {
  // A reader that stops early (`wslb plan | head`) closes the pipe: stop quietly, as Unix tools do.
  process.stdout.once('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/**
 * Colour only on a terminal, and never when `NO_COLOR` is set to a non-empty value (no-color.org) or the
 * terminal is `dumb`.
 */
export function colourEnabled(stream: OutStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

const SGR = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39] } as const;
export type Style = keyof typeof SGR;

/** A styler for one stream: ANSI SGR codes when colour is enabled there, the text unchanged otherwise. */
export function styler(stream: OutStream, env: NodeJS.ProcessEnv): (style: Style, text: string) => string {
  if (!colourEnabled(stream, env)) return (_style, text) => text;
  return (style, text) => `\u001b[${SGR[style][0]}m${text}\u001b[${SGR[style][1]}m`;
}

/** One progress line on stderr (never stdout, which carries data). */
export function progress(io: CliIo, message: string): void {
  io.stderr.write(`${styler(io.stderr, io.env)('dim', message)}\n`);
}
