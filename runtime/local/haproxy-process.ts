import { type ChildProcess, spawn } from 'node:child_process';
import { showProc } from '../haproxy/agent/master-cli';

export interface HaproxyProcess {
  /** The master's pid. */
  pid: number;
  /** SIGTERM to the master (it stops its workers, old ones included), SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGTERM to the master now, without waiting: for a cleanup that must be synchronous (process exit). */
  kill(): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts `haproxy -W -S <masterSocket> -p <pidFile> -f <configPath>` in the foreground as our child and
 * resolves once the master reports a worker. Rejects with haproxy's stderr when it exits first.
 */
export async function spawnHaproxy(bin: string, configPath: string, pidFile: string, masterSocket: string) {
  let stderr = '';
  const child = spawn(bin, ['-W', '-S', masterSocket, '-p', pidFile, '-f', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const proc: HaproxyProcess = {
    pid: child.pid ?? -1,
    stop: () => stopChild(child),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
  try {
    await waitForWorker(masterSocket, child, () => stderr);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return proc;
}

async function waitForWorker(masterSocket: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}: ${stderr()}`);
    const procs = await showProc(masterSocket).catch(() => []);
    if (procs.some((p) => p.type === 'worker')) return;
    await sleep(50);
  }
  throw new Error(`haproxy did not start a worker within 5 s: ${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => {
    timer = setTimeout(() => r(true), 5_000);
  });
  const timedOut = await Promise.race([exited.then(() => false), timeout]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}
