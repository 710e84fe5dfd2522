import { readFile } from 'node:fs/promises';
import { showProc } from './master-cli';

/** Makes HAProxy load the config file that is now on disk. */
export interface Reloader {
  /** True when HAProxy runs; when it does not, there is nothing to reload (it reads the file at start). */
  running(): Promise<boolean>;
  reload(): Promise<void>;
}

export interface MasterReloaderOptions {
  /** Pid file written by `haproxy -W -p`: it holds the master's pid. */
  pidFile: string;
  /** Master CLI socket (`-S`); when given, the reload is confirmed through `show proc`. */
  masterSocket?: string;
  /** @default 10_000 */
  confirmTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Master-worker reload (docs/decisions/0050-haproxy-reload.md): SIGUSR2 to the master, which re-executes,
 * starts a worker on the new config that takes the listeners over (`expose-fd listeners`), and lets the old
 * worker finish its WebSockets (bounded by `hard-stop-after`). This is what systemd's ExecReload does too.
 */
export class MasterReloader implements Reloader {
  constructor(private readonly options: MasterReloaderOptions) {}

  private async masterPid(): Promise<number | undefined> {
    try {
      const pid = Number.parseInt((await readFile(this.options.pidFile, 'utf8')).trim(), 10);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async running(): Promise<boolean> {
    const pid = await this.masterPid();
    if (pid === undefined) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  async reload(): Promise<void> {
    const pid = await this.masterPid();
    if (pid === undefined) throw new Error(`no haproxy master pid in ${this.options.pidFile}`);
    const socket = this.options.masterSocket;
    const procsBefore = socket ? await showProc(socket) : [];
    const before = procsBefore.find((p) => p.type === 'master');
    const oldWorkers = new Set(procsBefore.filter((p) => p.type === 'worker').map((p) => p.pid));
    process.kill(pid, 'SIGUSR2');
    if (!socket || !before) return;
    const sleep = this.options.sleep ?? defaultSleep;
    const deadline = Date.now() + (this.options.confirmTimeoutMs ?? 10_000);
    for (let attempt = 0; Date.now() < deadline && attempt < 1_000; attempt++) {
      await sleep(100);
      // While the master re-executes, its socket briefly refuses connections.
      const procs = await showProc(socket).catch(() => []);
      const master = procs.find((p) => p.type === 'master');
      if (!master || master.reloads <= before.reloads) continue;
      if ((master.failedReloads ?? 0) > (before.failedReloads ?? 0)) {
        throw new Error('haproxy reported a failed reload; the old worker keeps serving');
      }
      const fresh = procs.some((p) => p.type === 'worker' && p.reloads === 0 && !oldWorkers.has(p.pid));
      if (fresh) return;
    }
    throw new Error('haproxy reload not confirmed by the master CLI in time');
  }
}
