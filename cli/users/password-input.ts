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
    const [first, again] = await promptHidden(io, ['New password: ', 'Repeat it: ']);
    if (again !== first) throw new CliError('the two passwords differ; nothing changed');
    password = first!;
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

/**
 * Prompts on stderr whose answers are not echoed; Ctrl-C cancels. One readline interface for all of them, so
 * lines typed ahead are kept for the next question.
 */
function promptHidden(io: CliIo, questions: readonly string[]): Promise<string[]> {
  // readline echoes what it reads to its output: give it one that drops everything.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: io.stdin, output: silent, terminal: true });
  const answers: string[] = [];
  return new Promise<string[]>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      rl.close();
      if (err) reject(err);
      else resolve(answers);
    };
    rl.on('SIGINT', () => {
      io.stderr.write('\n');
      finish(new CliError('cancelled; nothing changed'));
    });
    rl.on('close', () => finish(new CliError('no password given; nothing changed')));
    const ask = () => {
      io.stderr.write(questions[answers.length]!);
      rl.question('', (answer) => {
        io.stderr.write('\n');
        answers.push(answer);
        if (answers.length === questions.length) finish();
        else ask();
      });
    };
    ask();
  });
}
