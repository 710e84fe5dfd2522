import { execFileSync } from 'node:child_process';
import { onCleanup } from '../../harness/cleanup';

export interface PortRange {
  low: number;
  high: number;
}

const PREFIX = 'wslb-bench-';
const ip = (...args: string[]) =>
  execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

/** A namespace is ours when its name carries our pid; one from a bench that died is removed at start. */
function removeStale(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(line);
    if (!match) continue;
    let alive = true;
    try {
      process.kill(Number(match[1]), 0);
    } catch {
      alive = false;
    }
    if (!alive) removeNamespace(line.split(' ')[0]);
  }
}

function removeNamespace(name: string): void {
  try {
    // Whatever still runs inside is ours: it was started there by the bench.
    for (const pid of ip('netns', 'pids', name).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    ip('netns', 'del', name);
  } catch {
    // already gone
  }
}

export interface Namespace {
  name: string;
  remove(): void;
}

/**
 * A private network namespace with loopback up and its own, narrowed ephemeral port range.
 * The machine's own /proc/sys is never written: the sysctl runs inside the namespace.
 */
export function createNamespace(tag: string, range: PortRange): Namespace {
  if (process.getuid?.() !== 0) throw new Error('network namespaces need root (ip netns add)');
  removeStale();
  const name = `${PREFIX}${process.pid}-${tag}`;
  ip('netns', 'add', name);
  const unregister = onCleanup(
    `namespace ${name}`,
    async () => removeNamespace(name),
    () => removeNamespace(name),
  );
  try {
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    ip(
      'netns',
      'exec',
      name,
      'sysctl',
      '-q',
      '-w',
      `net.ipv4.ip_local_port_range=${range.low} ${range.high}`,
    );
  } catch (err) {
    removeNamespace(name);
    unregister();
    throw err;
  }
  return {
    name,
    remove: () => {
      removeNamespace(name);
      unregister();
    },
  };
}
