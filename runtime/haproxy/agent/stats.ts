import { BACKEND_NAME } from '../render/render-haproxy';
import { cliCommand, showProc } from './master-cli';

export interface ServerStat {
  /** `server` line name, e.g. `n1-s2`. */
  server: string;
  /** Current sessions (`scur`). */
  current: number;
  /** `UP`, `DOWN`, `MAINT`, `no check`, ... */
  status: string;
}

/** Server rows of the backend from a `show stat` CSV. */
export function parseShowStat(csv: string, backend = BACKEND_NAME): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.length > 0);
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) return [];
  const cols = header.slice(2).split(',');
  const at = (name: string) => cols.indexOf(name);
  const [px, sv, scur, status] = [at('pxname'), at('svname'), at('scur'), at('status')];
  const rows: ServerStat[] = [];
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    const f = line.split(',');
    if (f[px] !== backend || f[sv] === 'BACKEND' || f[sv] === 'FRONTEND') continue;
    rows.push({ server: f[sv]!, current: Number(f[scur] ?? 0), status: f[status] ?? '' });
  }
  return rows;
}

/**
 * Current connections per `server` line, summed over every live worker: after a reload the old worker
 * still holds the WebSockets it had, and the new worker only counts its own.
 */
export async function perServerCounts(masterSocket: string): Promise<Record<string, number>> {
  const workers = (await showProc(masterSocket)).filter((p) => p.type === 'worker');
  const counts: Record<string, number> = {};
  for (const worker of workers) {
    const csv = await cliCommand(masterSocket, `@!${worker.pid} show stat`);
    for (const row of parseShowStat(csv)) counts[row.server] = (counts[row.server] ?? 0) + row.current;
  }
  return counts;
}

/** Server-line counts grouped by node id (the server name without its `-s<k>` suffix). */
export function groupByNode(perServer: Record<string, number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [server, n] of Object.entries(perServer)) {
    const node = server.replace(/-s\d+$/, '');
    counts[node] = (counts[node] ?? 0) + n;
  }
  return counts;
}
