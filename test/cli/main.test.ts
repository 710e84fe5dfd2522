import type { AnyCommand, Command, Flags } from '../../cli/command';
import { main, root } from '../../cli/main';
import { captureIo } from './capture-io';

async function run(args: string[], options: Parameters<typeof captureIo>[0] = {}) {
  const capture = captureIo(options);
  const code = await main(args, capture.io);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

function everyCommand(c: AnyCommand = root()): AnyCommand[] {
  return c.kind === 'group' ? [c, ...c.commands.flatMap((sub) => everyCommand(sub))] : [c];
}

describe('wslb command line (in-process)', () => {
  const commands = everyCommand();

  test('the tree holds every command of the issue', () => {
    expect(commands.map((c) => c.path.join(' '))).toEqual([
      '',
      'plan',
      'users',
      'users add',
      'users remove',
      'users list',
      'status',
    ]);
  });

  test.each(commands.map((c) => [c.path.join(' ') || '(root)', c] as const))(
    'wslb %s --help and -h print usage, every flag and its accepted values on stdout, exit 0',
    async (_name, c) => {
      for (const h of ['--help', '-h']) {
        const { code, stdout, stderr } = await run([...c.path, h]);
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        expect(stdout.split('\n')[0]).toBe(
          `usage: ${['wslb', ...c.path].join(' ')}${c.kind === 'group' ? ' <command>' : ''}${c.kind === 'command' && c.positionals?.length ? ` ${c.positionals.map((p) => `<${p.name}>`).join(' ')}` : ''} [flags]`,
        );
        if (c.kind === 'command') {
          for (const [name, f] of Object.entries((c as Command<Flags>).flags)) {
            expect(stdout).toContain(`--${name}`);
            if (f.accepts) expect(stdout).toContain(f.accepts);
          }
        } else {
          for (const sub of c.commands) expect(stdout).toContain(`  ${sub.path.at(-1)}`);
        }
      }
    },
  );

  test.each([
    [[], 'usage: wslb <command> [flags]'],
    [['users'], 'usage: wslb users <command> [flags]'],
    [['users', 'rename'], "wslb users: unknown command 'rename' (commands: add, remove, list)"],
    [
      ['plan', '--connections', 'many', '--connect-rate', '1'],
      '--connections: got "many"; accepted: an integer from 1 to 10,000,000',
    ],
    [
      ['plan', '--connections', '10', '--connect-rate', '-1'],
      "Option '--connect-rate' argument is ambiguous",
    ],
    [
      ['plan', '--connections', '10', '--connect-rate', '1', '--message-bytes', '1.5'],
      '--message-bytes: got "1.5"; accepted: an integer',
    ],
    [['plan', '--connections', '1000'], 'wslb plan: --connect-rate: required'],
    [['plan', '--connect-rate', '1'], 'wslb plan: --connections: required'],
    [
      ['plan', '--connections', '10', '--connect-rate', '1', 'extra'],
      "wslb plan: unexpected argument 'extra'",
    ],
    [['users', 'add', '--file', 'u.json'], 'wslb users add: missing <username>'],
    [['users', 'list'], 'wslb users list: give exactly one of --secret-id and --file'],
    [['status', '--table-name', 'x'], '--table-name: got "x"; accepted: a DynamoDB table name'],
    [
      ['status', '--table-name', 'nodes', '--endpoint', 'localhost:8000'],
      '--endpoint: got "localhost:8000"; accepted: an http(s) URL',
    ],
    [
      ['status', '--table-name', 'nodes', '--freshness-ms', '100'],
      '--freshness-ms: got "100"; accepted: an integer from 500 to 600,000',
    ],
  ])('wslb %j is a usage error (exit 2) that says %s', async (args, message) => {
    const { code, stdout, stderr } = await run(args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain(message);
  });

  const valueFlags = commands.flatMap((c) =>
    c.kind === 'command'
      ? Object.entries(c.flags as Flags)
          .filter(([, f]) => f.type === 'string')
          .map(([key]) => [`${c.path.join(' ')} --${key}`, c.path, key] as const)
      : [],
  );

  test.each(valueFlags)('wslb %s given twice is a usage error naming it', async (_, path, key) => {
    const { code, stdout, stderr } = await run([...path, `--${key}`, '12', `--${key}=13`]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain(`--${key}: given 2 times ("12", "13"); give it once`);
  });

  test('several bad flags are reported together', async () => {
    const { stderr } = await run(['plan', '--connections', '0', '--connect-rate', 'x']);
    expect(stderr).toContain('--connections: got "0"');
    expect(stderr).toContain('--connect-rate: got "x"');
  });

  test('colour only on a terminal, and never with NO_COLOR set', async () => {
    const onTty = await run(['bogus'], { tty: true });
    expect(onTty.stderr).toContain('\u001b[31m');
    const noColor = await run(['bogus'], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stderr).not.toContain('\u001b[');
    const piped = await run(['bogus'], { tty: false });
    expect(piped.stderr).not.toContain('\u001b[');
    const dumb = await run(['bogus'], { tty: true, env: { TERM: 'dumb' } });
    expect(dumb.stderr).not.toContain('\u001b[');
  });

  test('--version prints the package version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${require('../../package.json').version}\n`);
  });
});
