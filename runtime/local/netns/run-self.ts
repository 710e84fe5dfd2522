import { constants } from 'node:os';
import { createNamespace, deleteNamespaceSync, spawnInNamespace } from './namespace';

/** Set in the re-executed process: the namespace it runs in. */
export const NAMESPACE_ENV = 'WSLB_NETNS';

/** The namespace this process was re-executed into by runSelfInNamespace, if any. */
export function currentNamespace(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = env[NAMESPACE_ENV];
  return name ? name : undefined;
}

export interface RunSelfOptions {
  /** Middle part of the namespace name. @default 'cluster' */
  label?: string;
  /** Called with the namespace name before the child starts (e.g. to print how to reach it). */
  onNamespace?: (name: string) => void;
  /** After forwarding SIGINT/SIGTERM, SIGKILL the child if it has not exited by then. @default 15000 */
  killAfterMs?: number;
  /** What to run inside. @default this same program: execArgv (tsx's loader) and argv */
  argv?: string[];
}

/**
 * Re-execute this program inside a fresh namespace (`ip netns exec <ns> node …`, with WSLB_NETNS=<ns>),
 * forward SIGINT/SIGTERM to it, wait for it, then delete the namespace (killing anything left inside).
 * Resolves with the exit code the parent should exit with.
 */
export async function runSelfInNamespace(options: RunSelfOptions = {}): Promise<number> {
  const name = await createNamespace(options.label ?? 'cluster');
  const argv = options.argv ?? [...process.execArgv, ...process.argv.slice(1)];
  const forward = (signal: NodeJS.Signals) => {
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 15_000).unref();
  };
  options.onNamespace?.(name);
  const child = spawnInNamespace(name, process.execPath, argv, {
    stdio: 'inherit',
    env: { ...process.env, [NAMESPACE_ENV]: name },
  });
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  } finally {
    process.removeListener('SIGINT', forward);
    process.removeListener('SIGTERM', forward);
    deleteNamespaceSync(name);
  }
}
