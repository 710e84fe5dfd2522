import { connect } from 'node:net';

/**
 * One command on an HAProxy CLI socket (master `-S` socket or a `stats socket`). The write side is
 * half-closed after the command so HAProxy answers once and closes; without it the master CLI waits.
 */
export function cliCommand(socketPath: string, command: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`haproxy CLI ${socketPath}: no answer to "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: string) => {
      out += chunk;
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

export interface ProcInfo {
  pid: number;
  type: 'master' | 'worker' | 'program';
  /** Reloads since this process started: 0 for the current worker, more for old (draining) workers. */
  reloads: number;
  /** Failed reloads, master only. */
  failedReloads?: number;
}

/** Parses the master CLI's `show proc`. */
export function parseShowProc(text: string): ProcInfo[] {
  const procs: ProcInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(master|worker|program)\s+(\d+)(?:\s+\[failed:\s*(\d+)\])?/.exec(line.trim());
    if (!m) continue;
    const info: ProcInfo = { pid: Number(m[1]), type: m[2] as ProcInfo['type'], reloads: Number(m[3]) };
    if (m[4] !== undefined) info.failedReloads = Number(m[4]);
    procs.push(info);
  }
  return procs;
}

export async function showProc(masterSocket: string): Promise<ProcInfo[]> {
  return parseShowProc(await cliCommand(masterSocket, 'show proc'));
}
