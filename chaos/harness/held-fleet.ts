import { until } from '../../harness/stats';
import type { ClientStatus } from '../workers/client-protocol';
import type { ChaosCluster } from './chaos-cluster';
import type { ClientPool } from './client-pool';
import { openFleet } from './open-fleet';

/**
 * `total` clients in `processes` client processes, all connected, and a new phase marked: what happens to
 * them from here on (closes, reopens and their delays) is what a scenario measures. `before` is the mark.
 */
export async function heldFleet(
  cc: ChaosCluster,
  processes: number,
  total: number,
): Promise<{ pool: ClientPool; before: ClientStatus }> {
  const pool = cc.clients(processes);
  await openFleet(cc, pool, total);
  await until(async () => (await pool.status()).connected === total, 30_000, 250);
  return { pool, before: await pool.mark() };
}

/** The node holding the most clients at the mark, and how many. */
export function busiestNode(before: ClientStatus): [nodeId: string, held: number] {
  return Object.entries(before.byNode).sort((a, b) => b[1] - a[1])[0];
}

/** Until `held` clients have reopened since the mark and all `total` are connected; false on timeout. */
export function allBack(pool: ClientPool, held: number, total: number, timeoutMs: number): Promise<boolean> {
  return until(
    async () => {
      const s = await pool.status();
      return s.reopenDelaysMs.length >= held && s.connected === total;
    },
    timeoutMs,
    100,
  );
}
