import { cleanupAll, installCleanupHandlers } from './cleanup';
import { say } from './progress';
import { HelpRequested } from './run-args';

/**
 * The process around `npm run bench` and `npm run chaos`: `parse` reads the arguments first (its error, the
 * usage, is printed and the process exits 2 with nothing started; `--help` prints the usage on stdout, exit 0); then Ctrl-C and exit clean up, and `run`'s
 * exit code ends the process once everything still registered for cleanup is undone. A crash prints its
 * stack and exits 1, also after the cleanup.
 */
export function runSuite<A>(name: string, parse: () => A, run: (args: A) => Promise<number>): void {
  let args: A;
  try {
    args = parse();
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${err.message}\n`);
      process.exit(0);
    }
    say((err as Error).message);
    process.exit(2);
  }
  installCleanupHandlers();
  run(args).then(
    async (code) => {
      await cleanupAll();
      process.exit(code);
    },
    async (err: Error) => {
      say(`${name} failed: ${err.stack ?? err.message}`);
      await cleanupAll();
      process.exit(1);
    },
  );
}
