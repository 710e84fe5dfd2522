import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command that exited non-zero (or was killed); the message carries its stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(`${command} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  /** Written to the command's stdin, then stdin is closed. */
  input?: string;
  /** The command is killed (SIGKILL, by its pid) after this long. @default 10000 */
  timeoutMs?: number;
  /** Throw CommandError on a non-zero exit. @default true */
  check?: boolean;
}

/** Run a program (no shell) and collect its output. */
export function runCommand(file: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  const { input, timeoutMs = 10_000, check = true } = options;
  const line = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr };
      if (check && code !== 0) reject(new CommandError(line, result));
      else resolve(result);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}
