import { readFileSync } from 'node:fs';

/** Resident set size of a process in bytes, from /proc (0 when it is gone). */
export function rssBytes(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export const totalRss = (pids: readonly (number | undefined)[]) =>
  pids.reduce<number>((sum, p) => sum + rssBytes(p), 0);
