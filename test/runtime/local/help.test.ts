import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const npmStart = (...argv: string[]) =>
  spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['runtime/local/main.ts', ...argv], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });

jest.setTimeout(120_000);

describe('npm start -- --help', () => {
  it.each(['--help', '-h'])('%s prints the usage on stdout and exits 0', (flag) => {
    const run = npmStart(flag);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/^usage: npm start -- /);
    expect(run.stdout).toContain('--switch-to');
  });

  it('a bad flag still exits 2 with its error and the usage on stderr, nothing on stdout', () => {
    const run = npmStart('--switch-to', 'direct', '--strategy', 'haproxy', '--clients', '0', '--once');
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 2, stdout: '' });
    expect(run.stderr).toMatch(/^--switch-to, --clients: a switch needs clients to move/);
    expect(run.stderr).toContain('usage: npm start -- ');
  });
});
