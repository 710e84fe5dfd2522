import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readVrrpRecord } from './state-file';

/** What the reconcile loop may act on, read fresh each round. */
export type KeepalivedView =
  | {
      master: true;
      /** This MASTER spell: the keepalived process and the notify that made it MASTER. */
      spell: string;
    }
  | { master: false; reason: string };

export interface KeepalivedProbeOptions {
  /** keepalived's VRRP child pid file (`-r`). */
  vrrpPidFile: string;
  /** The failover program's VRRP state file. */
  stateFile: string;
  /** @default '/proc' */
  procRoot?: string;
}

/** The pid in a pid file, or undefined when it is missing or holds no pid. */
export async function readPidFile(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A process's command name and state letter from /proc/<pid>/stat (proc(5)); undefined when it is gone.
 * The name sits in parentheses and may itself hold spaces or parentheses, so split at the last `)`.
 */
async function procStat(procRoot: string, pid: number): Promise<{ comm: string; state: string } | undefined> {
  try {
    const text = await readFile(join(procRoot, String(pid), 'stat'), 'utf8');
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    if (open < 0 || close < open) return undefined;
    return { comm: text.slice(open + 1, close), state: text.slice(close + 2, close + 3) };
  } catch {
    return undefined;
  }
}

/** Running, sleeping or in disk wait; not stopped (T, t), a zombie (Z) or dead (X). */
const RUNNING_STATES = new Set(['R', 'S', 'D', 'I']);

/**
 * Whether this instance's keepalived is alive and MASTER now. The state file alone says what keepalived
 * said last, maybe in a previous life: it counts only when the VRRP process that wrote it (its pid,
 * recorded by the notify) is the one running now. A keepalived killed without a notify leaves MASTER in
 * the file and no process; a restarted one has a new pid until its own first notify.
 */
export async function probeKeepalived(options: KeepalivedProbeOptions): Promise<KeepalivedView> {
  const procRoot = options.procRoot ?? '/proc';
  const pid = await readPidFile(options.vrrpPidFile);
  if (pid === undefined) return { master: false, reason: `no keepalived VRRP pid in ${options.vrrpPidFile}` };
  const stat = await procStat(procRoot, pid);
  if (!stat) return { master: false, reason: `keepalived VRRP process ${pid} is gone` };
  if (stat.comm !== 'keepalived') {
    return {
      master: false,
      reason: `pid ${pid} from ${options.vrrpPidFile} is ${stat.comm}, not keepalived`,
    };
  }
  if (!RUNNING_STATES.has(stat.state)) {
    return { master: false, reason: `keepalived VRRP process ${pid} is in state ${stat.state}` };
  }
  const record = await readVrrpRecord(options.stateFile);
  if (!record) return { master: false, reason: `no keepalived notify recorded in ${options.stateFile}` };
  if (record.keepalivedPid !== pid) {
    return {
      master: false,
      reason: `the recorded ${record.state} came from keepalived ${record.keepalivedPid ?? '(unknown pid)'}, not the running ${pid}`,
    };
  }
  if (record.state !== 'MASTER') return { master: false, reason: `keepalived is ${record.state}` };
  return { master: true, spell: `${pid}@${record.at}` };
}
