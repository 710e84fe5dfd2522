import { check } from '../../harness/check';
import { say } from '../../harness/progress';
import { count, seconds, until } from '../../harness/stats';
import { ChaosCluster } from '../harness/chaos-cluster';
import { closesWith } from '../harness/client-pool';
import { heldFleet } from '../harness/held-fleet';
import { clusterSizes, TIMING } from '../sizes';
import type { Scenario } from '../types';

/**
 * How long after a node starts draining an auth instance may still name it: its view is refreshed at
 * most every REGISTRY_CACHE_MS, plus the read in flight. Those clients are refused at the upgrade (503) and
 * go back to auth; see docs/decisions/0091-chaos-pass-rules.md.
 */
export const VIEW_LAG_MS = TIMING.registryCacheMs + 1_000;

/** 3. Every node in turn: drain, exit, start a replacement. Nobody is lost or cut abnormally. */
export const rollingRestart: Scenario = {
  number: 3,
  id: 'rolling-restart',
  title: 'Rolling restart',
  async run({ quick, ledger }) {
    const size = clusterSizes(quick);
    const cc = await ChaosCluster.start(
      'rolling-restart',
      ledger,
      { nodes: size.nodes, ...TIMING },
      size.processes,
    );
    try {
      const { pool } = await heldFleet(cc, size.processes, size.clients);
      const started = Date.now();
      const drains: Array<{ node: string; at: number; exit: number | null; ms: number }> = [];
      for (const node of [...cc.cluster.nodes]) {
        const at = Date.now();
        say(`  draining ${node.nodeId}`);
        node.drain();
        const exit = await node.exited;
        drains.push({ node: node.nodeId, at, exit, ms: Date.now() - at });
        const fresh = await cc.cluster.addNode();
        say(
          `  ${node.nodeId} exited ${exit} after ${seconds(drains[drains.length - 1].ms)}; started ${fresh.nodeId}`,
        );
        await until(async () => (await pool.status()).connected === size.clients, 30_000, 100);
      }
      const totalMs = Date.now() - started;
      const after = await pool.status();
      const sessions = (await cc.authEvents()).filter((e) => e.msg === 'session issued' && e.time >= started);
      const toDraining = sessions.filter((e) => drains.some((d) => d.node === e.node && e.time > d.at));
      const late = toDraining.filter((e) =>
        drains.some((d) => d.node === e.node && e.time > d.at + VIEW_LAG_MS),
      );
      return {
        figure: `${size.nodes} nodes restarted in ${seconds(totalMs)}; ${count(after.connected)}/${count(size.clients)} connected, ${closesWith(after, 1006)} abnormal closes, ${late.length} sessions to a draining node`,
        checks: [
          check(
            'all clients connected at the end',
            after.connected === size.clients,
            `${count(after.connected)}/${count(size.clients)}`,
          ),
          check(
            'no client closed abnormally (1006)',
            closesWith(after, 1006) === 0,
            `${closesWith(after, 1006)} of ${count(Object.values(after.closes).reduce((s, c) => s + Object.values(c).reduce((a, b) => a + b, 0), 0))} closes`,
          ),
          check(
            'every drained node exited 0',
            drains.every((d) => d.exit === 0),
            drains.map((d) => `${d.node}:${d.exit}`).join(' '),
          ),
          check(
            `auth never named a draining node once its view could show it (drain start + ${VIEW_LAG_MS} ms)`,
            late.length === 0,
            `${late.length} late; ${toDraining.length} within the view lag (refused with 503 and retried)`,
          ),
        ],
        metrics: {
          clients: size.clients,
          totalMs,
          drains,
          sessions: sessions.length,
          sessionsToDrainingWithinLag: toDraining.length,
          refusedAttempts: after.failedAttempts,
          closes: after.closes,
          finalPerNode: after.byNode,
        },
      };
    } finally {
      await cc.stop();
    }
  },
};
