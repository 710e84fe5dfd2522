import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { MIN_PASSWORD_LENGTH } from '../../runtime/auth/password-hash';
import { CliError } from '../errors';
import type { CliIo } from '../io';

/** The longest password accepted: scrypt takes any length, but nobody types more, and argv-free input can. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * The new user's password: typed twice at a prompt without echo when stdin is a terminal, else read from
 * stdin (one trailing newline dropped). Never from argv, where other users and shell history see it.
 */
export async function readNewPassword(io: CliIo): Promise<string> {
  let password: string;
  if (io.stdin.isTTY) {
    password = await promptHidden(io, 'New password: ');
    const again = await promptHidden(io, 'Repeat it: ');
    if (again !== password) throw new CliError('the two passwords differ; nothing changed');
  } else {
    password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  }
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new CliError(
      `password: ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, got ${password.length}; nothing changed`,
    );
  }
  return password;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    if (text.length > MAX_PASSWORD_LENGTH + 2) break;
  }
  return text;
}

/** A prompt on stderr whose answer is not echoed; Ctrl-C cancels. */
function promptHidden(io: CliIo, question: string): Promise<string> {
  io.stderr.write(question);
  // readline echoes what it reads to its output: give it one that drops everything.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: io.stdin, output: silent, terminal: true });
  return new Promise((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close();
      io.stderr.write('\n');
      reject(new CliError('cancelled; nothing changed'));
    });
    rl.on('close', () => reject(new CliError('no password given; nothing changed')));
    rl.question('', (answer) => {
      io.stderr.write('\n');
      resolve(answer);
      rl.close();
    });
  });
}
