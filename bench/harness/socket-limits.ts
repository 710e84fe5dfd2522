import { readFileSync } from 'node:fs';

/** The machine's limits for holding sockets, read (never written) before the capacity ramp. */
export interface SocketLimits {
  /** The soft "Max open files" this process (and so each process it starts) has: `ulimit -n`. */
  openFilesPerProcess: number;
  /** `net.ipv4.ip_local_port_range`: the ports the kernel picks from when a client names none. */
  ephemeralPorts: { low: number; high: number };
}

/** The soft limit from a /proc/<pid>/limits text ("unlimited" is Infinity). Exported for tests. */
export function parseOpenFiles(limits: string): number {
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  if (soft === undefined) throw new Error('no "Max open files" line in /proc/self/limits');
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

export function readSocketLimits(): SocketLimits {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  return {
    openFilesPerProcess: parseOpenFiles(readFileSync('/proc/self/limits', 'utf8')),
    ephemeralPorts: { low, high },
  };
}
