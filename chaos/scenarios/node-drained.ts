import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../harness/check';
import { say } from '../../harness/progress';
import { count, seconds } from '../../harness/stats';
import { ChaosCluster } from '../harness/chaos-cluster';
import { closesWith } from '../harness/client-pool';
import { allBack, busiestNode, heldFleet } from '../harness/held-fleet';
import { clusterSizes, TIMING } from '../sizes';
import type { Scenario } from '../types';

/** Past the drain window the node still deregisters and closes its server: allowed on top of the window. */
export const DRAIN_EXIT_GRACE_MS = 1_000;

/** 2. SIGTERM one node: its clients get 1012, reconnect elsewhere, and it exits 0 within its drain window. */
export const nodeDrained: Scenario = {
  number: 2,
  id: 'node-drained',
  title: 'Node drained',
  async run({ quick, ledger }) {
    const size = clusterSizes(quick);
    const cc = await ChaosCluster.start(
      'node-drained',
      ledger,
      { nodes: size.nodes, ...TIMING },
      size.processes,
    );
    try {
      const { pool, before } = await heldFleet(cc, size.processes, size.clients);
      const [victimId, held] = busiestNode(before);
      const victim = cc.cluster.nodes.find((n) => n.nodeId === victimId)!;
      say(`  SIGTERM ${victimId} (pid ${victim.pid}) holding ${held} clients`);
      const t0 = Date.now();
      victim.drain();
      const windowMs = TIMING.drainSeconds * 1000;
      const code = await Promise.race([
        victim.exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), windowMs + 30_000)),
      ]);
      const exitMs = Date.now() - t0;
      await allBack(pool, held, size.clients, 30_000);
      const after = await pool.status();
      const onVictim = after.closes[victimId] ?? {};
      const phases = drainPhases(join(cc.cluster.runDir, `${victimId}.log`));
      return {
        figure: `${count(onVictim[1012] ?? 0)}/${count(held)} closed with 1012, 0 expected 1006 (saw ${closesWith(after, 1006)}); exit ${code} after ${seconds(exitMs)} (window ${TIMING.drainSeconds} s)`,
        checks: [
          check(
            `every client of the drained node got 1012`,
            (onVictim[1012] ?? 0) === held,
            `${onVictim[1012] ?? 0} of ${held}`,
          ),
          check(
            'no client saw an abnormal close (1006)',
            closesWith(after, 1006) === 0,
            `${closesWith(after, 1006)}`,
          ),
          check(
            'every one reconnected, none on the drained node',
            after.connected === size.clients && (after.reopenedOn[victimId] ?? 0) === 0,
            `${count(after.connected)}/${count(size.clients)} connected, ${after.reopenedOn[victimId] ?? 0} reopened on it`,
          ),
          // Timed on the node's own clock, from its SIGTERM handler to its 'drained' line, after which it calls
          // process.exit(0) (run-node.ts): what the drain contract bounds. The wait seen from here adds the
          // signal's delivery and the exit's reaping on a starved machine (6.8 s seen for a 4.4 s drain, quick
          // run beside stress-ng, 2026-11-30); it is still bounded (window + 30 s) and reported.
          check(
            `the node exited 0 within its drain window (+${DRAIN_EXIT_GRACE_MS} ms to deregister and close)`,
            code === 0 && phases !== undefined && phases.stoppedMs <= windowMs + DRAIN_EXIT_GRACE_MS,
            `exit ${code} seen after ${exitMs} ms; ${phases ? `node: closes done ${phases.closedMs} ms, deregistered ${phases.deregisteredMs} ms, stopped ${phases.stoppedMs} ms` : "no 'drained' line in the node's log"}`,
          ),
        ],
        metrics: {
          clients: size.clients,
          drained: victimId,
          held,
          closesOnDrained: onVictim,
          exitCode: code,
          exitMs,
          drainPhases: phases,
          drainWindowMs: windowMs,
          refusedAttempts: after.failedAttempts,
          finalPerNode: after.byNode,
        },
      };
    } finally {
      await cc.stop();
    }
  },
};

/** The node's own account of its drain (its `drained` log line): when closes, deregistration and stop ended. */
function drainPhases(logFile: string): Record<string, number> | undefined {
  try {
    const line = readFileSync(logFile, 'utf8')
      .split('\n')
      .find((l) => l.includes('"msg":"drained"'));
    if (!line) return undefined;
    const { ms, closedMs, deregisteredMs } = JSON.parse(line) as Record<string, number>;
    return { closedMs, deregisteredMs, stoppedMs: ms };
  } catch {
    return undefined;
  }
}
