import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseUsers, ScryptUserStore } from '../../runtime/auth/credentials';
import { REPO_ROOT } from '../lib/helpers';

jest.setTimeout(180_000);

// util-linux's `script` gives the CLI a real terminal (a pty), as an operator's shell does.
const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript && process.env.CI === 'true') throw new Error('`script` (util-linux) is required under CI');
const describeWithPty = hasScript ? describe : describe.skip;

/** Run `wslb args…` on a pty; answer each prompt (in order) when it appears. */
function onTerminal(args: string[], answers: string[]): Promise<{ code: number | null; transcript: string }> {
  const command = [process.execPath, path.join(REPO_ROOT, 'bin/wslb.js'), ...args]
    .map((a) => `'${a}'`)
    .join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let transcript = '';
  let answered = 0;
  const prompts = ['New password: ', 'Repeat it: '];
  child.stdout.on('data', (chunk: Buffer) => {
    transcript += chunk.toString();
    // Answer prompt k once it has appeared k+1 times in all (the first and second prompts differ).
    while (answered < answers.length && transcript.includes(prompts[answered]!)) {
      child.stdin.write(`${answers[answered]}\r`);
      answered += 1;
    }
  });
  // Never outlive the test: a prompt that never appears ends the run instead of hanging it.
  const stop = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(stop);
      resolve({ code, transcript });
    });
  });
}

describeWithPty('wslb users add on a terminal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wslb-pty-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('prompts twice without echoing the password, then stores its hash', async () => {
    const file = path.join(dir, 'users.json');
    const { code, transcript } = await onTerminal(
      ['users', 'add', 'bob', '--file', file],
      ['typed-secret-1', 'typed-secret-1'],
    );
    expect(code).toBe(0);
    expect(transcript).toContain('New password: ');
    expect(transcript).toContain('Repeat it: ');
    expect(transcript).not.toContain('typed-secret-1');
    const users = parseUsers(readFileSync(file, 'utf8'));
    await expect(new ScryptUserStore(users).check('bob', 'typed-secret-1')).resolves.toBe(true);
  });

  test('two different answers change nothing (exit 1)', async () => {
    const file = path.join(dir, 'users.json');
    const { code, transcript } = await onTerminal(
      ['users', 'add', 'bob', '--file', file],
      ['typed-secret-1', 'typed-secret-2'],
    );
    expect(code).toBe(1);
    expect(transcript).toContain('the two passwords differ; nothing changed');
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });
});
