import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../../..');

/**
 * Runs a runtime entry point (`runtime/haproxy/<part>/main.ts`) as one node process with tsx's loader; not the
 * tsx CLI, which would leave its own child behind on SIGKILL. Output is collected in `output()`.
 */
export function runEntry(entry: string, args: string[], env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'runtime/haproxy', entry), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, done, output: () => out };
}
