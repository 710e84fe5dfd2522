import { readFileSync } from 'node:fs';

/**
 * The machine's CPU time since boot, all cores summed, in seconds, from the `cpu` line of /proc/stat (proc(5);
 * USER_HZ 100). `user` includes `nice` (the bench often runs under `nice -n 19`); `softirq` is where the kernel
 * runs loopback TCP's receive path and is charged to no process.
 */
export interface MachineCpu {
  user: number;
  system: number;
  softirq: number;
  irq: number;
  idle: number;
  steal: number;
}

const TICKS_PER_SECOND = 100;

/** Parses /proc/stat's text (exported for tests); throws when it has no `cpu` line. */
export function parseMachineCpu(stat: string): MachineCpu {
  const line = /^cpu\s+(.*)$/m.exec(stat);
  if (!line) throw new Error('/proc/stat: no "cpu" line');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line[1]
    .trim()
    .split(/\s+/)
    .map((v) => Number(v) / TICKS_PER_SECOND);
  return { user: user + nice, system, softirq, irq, idle: idle + iowait, steal: steal ?? 0 };
}

export const readMachineCpu = (): MachineCpu => parseMachineCpu(readFileSync('/proc/stat', 'utf8'));

/** `after` less `before`, field by field. */
export function cpuSince(before: MachineCpu, after: MachineCpu): MachineCpu {
  const out = { ...after };
  for (const k of Object.keys(out) as (keyof MachineCpu)[]) out[k] = after[k] - before[k];
  return out;
}

/** `a` plus `b`, field by field. */
export function addCpu(a: MachineCpu, b: MachineCpu): MachineCpu {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof MachineCpu)[]) out[k] = a[k] + b[k];
  return out;
}
