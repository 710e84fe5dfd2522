import { spawnSync } from 'node:child_process';
import { namespaceName } from './namespace';
import { removeNamespaceSync } from './remove-namespace';

export type Support = { available: true } | { available: false; reason: string };

const quiet = { encoding: 'utf8' as const, timeout: 10_000 };

function tool(file: string, args: string[]): string | undefined {
  const out = spawnSync(file, args, quiet);
  if (out.error) return `${file} not found (${(out.error as NodeJS.ErrnoException).code})`;
  return undefined;
}

/**
 * Whether the kernel balancer can run here: root, `ip` and `nft` installed, and a trial namespace in which
 * `nft` answers. Synchronous (a few ms) so that a CLI or a test file can decide before it starts anything.
 */
export function checkNamespaceSupport(): Support {
  if (process.getuid?.() !== 0)
    return { available: false, reason: 'not root (network namespaces need root)' };
  const missing = tool('ip', ['-V']) ?? tool('nft', ['--version']);
  if (missing) return { available: false, reason: missing };
  const name = namespaceName('probe');
  const added = spawnSync('ip', ['netns', 'add', name], quiet);
  if (added.status !== 0) return { available: false, reason: `ip netns add failed: ${added.stderr.trim()}` };
  try {
    const listed = spawnSync('ip', ['netns', 'exec', name, 'nft', 'list', 'tables'], quiet);
    if (listed.status !== 0) {
      return { available: false, reason: `nft does not work in a namespace: ${listed.stderr.trim()}` };
    }
    return { available: true };
  } finally {
    removeNamespaceSync(name);
  }
}
