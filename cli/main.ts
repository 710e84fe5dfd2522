import { version } from '../package.json';
import { type AnyCommand, type CommandGroup, commandName, parseCommandLine, renderHelp } from './command';
import { CliError, UsageError } from './errors';
import { type CliIo, processIo, styler } from './io';

/** Every top-level command; `wslb --help` lists them in this order. */
function commands(): AnyCommand[] {
  // Loaded on use: `wslb plan` need not load the AWS SDK, and help stays fast.
  return [
    require('./plan/plan-command').planCommand,
    require('./users/users-commands').usersCommands,
    require('./status/status-command').statusCommand,
  ];
}

/** The command tree: `wslb` and everything under it. */
export function root(): CommandGroup {
  return {
    kind: 'group',
    path: [],
    summary: 'Plan, operate and inspect a wslb deployment (and the local cluster).',
    commands: commands(),
    notes: [
      'Exit codes: 0 done, 1 failed, 2 usage error. Data goes to stdout, progress and errors to stderr; ' +
        'colour only on a terminal and never with NO_COLOR set.',
    ],
  };
}

/** Run the CLI with `argv` (the words after `wslb`); resolves to the process exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    if (argv[0] === '--version' || argv[0] === '-v') {
      io.stdout.write(`${version}\n`);
      return 0;
    }
    return await dispatch(root(), argv, io);
  } catch (err) {
    return report(err, io);
  }
}

async function dispatch(group: CommandGroup, argv: string[], io: CliIo): Promise<number> {
  const [word, ...rest] = argv;
  if (word === '--help' || word === '-h') {
    io.stdout.write(renderHelp(group));
    return 0;
  }
  if (word === undefined) {
    io.stderr.write(renderHelp(group));
    return 2;
  }
  const sub = group.commands.find((c) => c.path.at(-1) === word);
  if (!sub) {
    const known = group.commands.map((c) => c.path.at(-1)).join(', ');
    throw new UsageError(`unknown command '${word}' (commands: ${known})`, commandName(group));
  }
  if (sub.kind === 'group') return dispatch(sub, rest, io);
  const parsed = parseCommandLine(sub, rest);
  if (parsed === 'help') {
    io.stdout.write(renderHelp(sub));
    return 0;
  }
  return sub.run(parsed, io);
}

function report(err: unknown, io: CliIo): number {
  const style = styler(io.stderr, io.env);
  if (err instanceof UsageError) {
    io.stderr.write(
      `${style('red', `${err.command}: ${err.message}`)}\nRun '${err.command} --help' for usage.\n`,
    );
    return err.exitCode;
  }
  if (err instanceof CliError) {
    const cause = err.cause instanceof Error ? ` (${err.cause.name}: ${err.cause.message})` : '';
    io.stderr.write(`${style('red', `wslb: ${err.message}${cause}`)}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr.write(`${style('red', `wslb: ${e.name}: ${e.message}`)}\n`);
  if (io.env.WSLB_DEBUG) io.stderr.write(`${e.stack}\n`);
  return 1;
}
