import { Readable } from 'node:stream';
import type { CliIo } from '../../cli/io';

/** A CliIo whose stdout and stderr are collected; stdin holds `stdin` (not a terminal). */
export function captureIo(options: { stdin?: string; tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (s: string) => out.push(s) > 0, isTTY: options.tty ?? false },
    stderr: { write: (s: string) => err.push(s) > 0, isTTY: options.tty ?? false },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
