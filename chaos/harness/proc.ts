import { readdirSync, readFileSync } from 'node:fs';

/** Open file descriptors of a process (its sockets included), from /proc; -1 when it is gone. */
export function openFiles(pid: number | undefined): number {
  try {
    return readdirSync(`/proc/${pid ?? 'self'}/fd`).length;
  } catch {
    return -1;
  }
}

/** Resident set size in MiB, from /proc; 0 when the process is gone. */
export function rssMiB(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid ?? 'self'}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : 0;
  } catch {
    return 0;
  }
}
