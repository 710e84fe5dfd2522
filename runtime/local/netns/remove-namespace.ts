import { spawnSync } from 'node:child_process';

/** Pids of the processes still inside the namespace (all started by us, since we created it). */
export function namespacePids(name: string): number[] {
  const out = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' });
  return (out.stdout ?? '')
    .split('\n')
    .map((line) => Number.parseInt(line, 10))
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
}

/**
 * Kill (SIGKILL, by pid) whatever still runs inside, then delete the namespace; its nftables rules and
 * conntrack entries go with it. Synchronous so that it also works in an `exit` handler. Idempotent.
 */
export function removeNamespaceSync(name: string): void {
  for (const pid of namespacePids(name)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('ip', ['netns', 'del', name], { encoding: 'utf8' });
}
