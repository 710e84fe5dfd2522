import { readdirSync, readFileSync } from 'node:fs';

/** Open file descriptors of a process (its sockets included), from /proc; -1 when it is gone. */
export function openFiles(pid: number | undefined): number {
  try {
    return readdirSync(`/proc/${pid ?? 'self'}/fd`).length;
  } catch {
    return -1;
  }
}

/** Resident set size of a process in bytes, from /proc (0 when it is gone); `undefined` is this process. */
export function rssBytes(pid: number | undefined): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid ?? 'self'}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size in MiB to one decimal, as {@link rssBytes}. */
export const rssMiB = (pid: number | undefined): number => Math.round(rssBytes(pid) / 104_857.6) / 10;

/** The summed RSS in bytes of several processes (a gone or unknown one counts 0). */
export const totalRss = (pids: readonly (number | undefined)[]) =>
  pids.reduce<number>((sum, p) => sum + (p ? rssBytes(p) : 0), 0);

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time a process has used, in seconds, split as /proc/<pid>/stat does (zeros when it is gone). */
export function cpuTimes(pid: number | undefined): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid ?? 'self'}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** CPU time a process has used, user and system, in seconds, from /proc (0 when it is gone). */
export function cpuSeconds(pid: number | undefined): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}
