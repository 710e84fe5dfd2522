import { check } from '../../harness/check';
import { say } from '../../harness/progress';
import { count, seconds, summarize } from '../../harness/stats';
import { ChaosCluster } from '../harness/chaos-cluster';
import { allBack, busiestNode, heldFleet } from '../harness/held-fleet';
import { clusterSizes, TIMING } from '../sizes';
import type { Scenario } from '../types';

const RECONNECT_LIMIT_MS = 15_000;

/** 1. `kill -9` the busiest node: its clients come back through auth, and auth stops naming it once stale. */
export const nodeKilled: Scenario = {
  number: 1,
  id: 'node-killed',
  title: 'Node killed',
  async run({ quick, ledger }) {
    const size = clusterSizes(quick);
    const cc = await ChaosCluster.start(
      'node-killed',
      ledger,
      { nodes: size.nodes, ...TIMING },
      size.processes,
    );
    try {
      const { pool, before } = await heldFleet(cc, size.processes, size.clients);
      const [victimId, held] = busiestNode(before);
      const victim = cc.cluster.nodes.find((n) => n.nodeId === victimId)!;
      say(`  kill -9 ${victimId} (pid ${victim.pid}) holding ${held} clients`);
      const killedAt = Date.now();
      victim.kill();
      const back = await allBack(pool, held, size.clients, RECONNECT_LIMIT_MS + 15_000);
      const backMs = Date.now() - killedAt;
      const after = await pool.status();
      const staleAt = killedAt + TIMING.freshnessMs;
      const sessions = (await cc.authEvents()).filter(
        (e) => e.msg === 'session issued' && e.time >= killedAt,
      );
      const toDead = sessions.filter((e) => e.node === victimId);
      const lateToDead = toDead.filter((e) => e.time > staleAt);
      const delays = summarize(after.reopenDelaysMs);
      const perNode = await cc.cluster.nodeCounts();
      return {
        figure: `${count(held)} reconnected in ${seconds(backMs)}; close→reopen p50 ${delays.p50} ms, p99 ${delays.p99} ms, max ${delays.max} ms`,
        checks: [
          check(
            `all ${count(size.clients)} clients connected again within 15 s of the kill`,
            back && backMs <= RECONNECT_LIMIT_MS,
            `${count(after.connected)} connected after ${seconds(backMs)}`,
          ),
          check(
            'every client of the dead node reopened',
            after.reopenDelaysMs.length >= held,
            `${count(after.reopenDelaysMs.length)} reopens for ${count(held)} held`,
          ),
          check(
            'no session names the dead node once its entry is stale (kill + freshness window)',
            lateToDead.length === 0,
            `${toDead.length} sessions named it before it went stale, ${lateToDead.length} after`,
          ),
          check(
            'no client reopened on the dead node',
            (after.reopenedOn[victimId] ?? 0) === 0,
            `${after.reopenedOn[victimId] ?? 0}`,
          ),
        ],
        metrics: {
          clients: size.clients,
          nodes: size.nodes,
          killed: victimId,
          held,
          reconnectMs: backMs,
          reopenDelayMs: delays,
          sessionsAfterKill: sessions.length,
          sessionsToDeadNodeBeforeStale: toDead.length,
          failedAttempts: after.failedAttempts,
          finalPerNode: Object.fromEntries(perNode.map((n) => [n.id, n.connections])),
        },
      };
    } finally {
      await cc.stop();
    }
  },
};
