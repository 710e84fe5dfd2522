import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { trackNamespace, untrackNamespace } from './cleanup-registry';
import { removeNamespaceSync } from './remove-namespace';
import { type CommandResult, type RunOptions, runCommand } from './run-command';
import { renderFlowTracking } from './track-flows';

/** Every namespace this project creates starts with this, so a leftover one is easy to recognise. */
export const NAMESPACE_PREFIX = 'wslb-';

const NAME = /^wslb-[a-z0-9-]{1,40}$/;

function assertName(name: string): void {
  if (!NAME.test(name)) throw new Error(`namespace name must match ${NAME} (got ${JSON.stringify(name)})`);
}

/** `wslb-<label>-<pid>-<random>`: unique per process and call. */
export function namespaceName(label = 'ns'): string {
  return `${NAMESPACE_PREFIX}${label}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Create a network namespace with `lo` up and conntrack following every flow from its first packet
 * (track-flows.ts), and register it for cleanup on exit, SIGINT/SIGTERM and failure.
 * Needs root, `ip` and `nft`. The namespace has no other interface, so nothing in it can reach outside.
 */
export async function createNamespace(label = 'ns'): Promise<string> {
  const name = namespaceName(label);
  await runCommand('ip', ['netns', 'add', name]);
  trackNamespace(name);
  try {
    await runCommand('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    await runCommand('ip', ['netns', 'exec', name, 'nft', '-f', '-'], { input: renderFlowTracking() });
  } catch (error) {
    deleteNamespaceSync(name);
    throw error;
  }
  return name;
}

/** Run a program inside the namespace (`ip netns exec`) and collect its output. */
export function execInNamespace(
  name: string,
  file: string,
  args: string[],
  options?: RunOptions,
): Promise<CommandResult> {
  assertName(name);
  return runCommand('ip', ['netns', 'exec', name, file, ...args], options);
}

/**
 * Start a long-running program inside the namespace. `ip netns exec` execs the program in place, so the
 * returned child's pid is the program's own and an `ipc` stdio channel works as with `fork`.
 */
export function spawnInNamespace(
  name: string,
  file: string,
  args: string[],
  options: SpawnOptions = {},
): ChildProcess {
  assertName(name);
  return spawn('ip', ['netns', 'exec', name, file, ...args], options);
}

/** Kill what still runs inside (by pid), delete the namespace and forget it. Synchronous; idempotent. */
export function deleteNamespaceSync(name: string): void {
  assertName(name);
  removeNamespaceSync(name);
  untrackNamespace(name);
}

export function namespaceExists(name: string): boolean {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return (out.stdout ?? '').split('\n').some((line) => line.split(' ')[0] === name);
}
