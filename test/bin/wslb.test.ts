import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../lib/helpers';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx wslb …` as a user types it in the checkout, without a terminal. */
function wslb(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['wslb', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const HELP = [
  [['--help'], 'usage: wslb <command> [flags]'],
  [['users', 'remove', '-h'], 'usage: wslb users remove <username> [flags]'],
] as const;

const USAGE_ERRORS = [
  [['deploy'], "wslb: unknown command 'deploy' (commands: plan, users, status)"],
  [
    ['plan', '--connections', '0', '--connect-rate', '5'],
    '--connections: got "0"; accepted: an integer from 1 to 10,000,000',
  ],
] as const;

// Each run spends most of its time starting npm, node and tsx (seconds each on a busy machine), so this file
// runs few of them, all at once; test/cli/main.test.ts covers every command's help and usage in-process.
describe('npx wslb (the package bin, spawned)', () => {
  let help: Run[];
  let usage: Run[];
  let plan: Run;
  beforeAll(async () => {
    const plans = wslb([
      'plan',
      '--connections',
      '250000',
      '--connect-rate',
      '100',
      '--message-rate',
      '5000',
      '--login-cpu-ms',
      '400',
      '--json',
    ]);
    const helps = Promise.all(HELP.map(([args]) => wslb([...args])));
    const usages = Promise.all(USAGE_ERRORS.map(([args]) => wslb([...args])));
    [plan, help, usage] = await Promise.all([plans, helps, usages]);
  }, 600_000);

  test.each(HELP.map(([args, first], i) => [args.join(' '), first, i] as const))(
    'wslb %s prints its help on stdout and exits 0',
    (_args, first, i) => {
      expect(help[i]).toMatchObject({ code: 0, stderr: '' });
      expect(help[i]!.stdout.split('\n')[0]).toBe(first);
    },
  );

  test.each(USAGE_ERRORS.map(([args, message], i) => [args.join(' ') || '(nothing)', message, i] as const))(
    'wslb %s is a usage error: exit 2, the reason on stderr, nothing on stdout',
    (_args, message, i) => {
      expect(usage[i]).toMatchObject({ code: 2, stdout: '' });
      expect(usage[i]!.stderr).toContain(message);
      // stderr is not a terminal: no colour, whatever FORCE_COLOR says.
      expect(usage[i]!.stderr).not.toContain('\u001b[');
    },
  );

  test('plan --json prints one JSON object with every strategy on stdout', () => {
    expect(plan.code).toBe(0);
    const out = JSON.parse(plan.stdout);
    expect(out.strategies.map((s: { strategy: string }) => s.strategy)).toEqual(['nlb', 'haproxy', 'direct']);
    expect(out.prices).toMatchObject({
      region: 'us-east-1',
      asOf: expect.stringMatching(/^\d{4}-\d\d-\d\d$/),
    });
    expect(out.loginCpu).toEqual({ cpuMs: 400, source: 'given with --login-cpu-ms' });
    for (const s of out.strategies) expect(s.cost.monthly).toBeGreaterThan(0);
  });
});
