import { Progress } from '../../harness/progress';
import type { ChaosCluster } from './chaos-cluster';
import type { ClientPool } from './client-pool';

/** Opens `total` clients through the cluster's auth service, with a progress bar; resolves when all are open. */
export async function openFleet(
  cc: ChaosCluster,
  pool: ClientPool,
  total: number,
  options: { concurrency?: number; openTimeoutMs?: number; label?: string } = {},
): Promise<{ connected: number; failed: number; ms: number }> {
  const started = Date.now();
  const bar = new Progress(options.label ?? `opening ${total} clients`, total);
  const result = await pool.open(
    {
      authUrl: cc.cluster.authUrl,
      credentials: cc.cluster.credentials,
      total,
      concurrency: options.concurrency ?? 50,
      openTimeoutMs: options.openTimeoutMs ?? 60_000,
    },
    (opened) => bar.update(opened),
  );
  bar.done(`${result.connected} open, ${result.failed} did not open in time`);
  return { ...result, ms: Date.now() - started };
}
