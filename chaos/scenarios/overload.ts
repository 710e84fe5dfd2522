import { check } from '../../harness/check';
import { say } from '../../harness/progress';
import { count, sleep } from '../../harness/stats';
import { ChaosCluster } from '../harness/chaos-cluster';
import { openFleet } from '../harness/open-fleet';
import { TIMING } from '../sizes';
import type { Scenario } from '../types';

const RETRY_AFTER_S = 2;

/**
 * 6. Ask for 20 % more clients than the nodes hold: no node passes its cap, auth says 503 + Retry-After,
 * and the clients left waiting send auth a bounded request rate (each waits Retry-After between tries).
 */
export const overload: Scenario = {
  number: 6,
  id: 'overload',
  title: 'Overload',
  async run({ quick, ledger }) {
    const nodes = 4;
    const cap = quick ? 50 : 1_000;
    const capacity = nodes * cap;
    const wanted = Math.round(capacity * 1.2);
    const windowMs = quick ? 6_000 : 20_000;
    const processes = quick ? 1 : 2;
    const cc = await ChaosCluster.start(
      'overload',
      ledger,
      { nodes, maxConnectionsPerNode: cap, ...TIMING },
      processes,
    );
    let maxSeen = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const n of await cc.cluster.nodeCounts()) maxSeen = Math.max(maxSeen, n.connections);
        await sleep(200);
      }
    })();
    try {
      const pool = cc.clients(processes);
      await openFleet(cc, pool, wanted, {
        openTimeoutMs: 8_000,
        label: `asking for ${wanted} (capacity ${capacity})`,
      });
      const probe = await cc.login();
      const c0 = await cc.sessionCounts();
      const t0 = Date.now();
      say(`  measuring auth's request rate for ${windowMs / 1000} s`);
      await sleep(windowMs);
      const c1 = await cc.sessionCounts();
      const elapsed = (Date.now() - t0) / 1000;
      const status = await pool.status();
      const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
      const rate = (total(c1) - total(c0)) / elapsed;
      const waiting = wanted - status.connected;
      const bound = (waiting / RETRY_AFTER_S) * 1.1;
      return {
        figure: `${count(status.connected)}/${count(wanted)} held (capacity ${count(capacity)}); max ${maxSeen}/${cap} on a node; auth ${rate.toFixed(1)} req/s from ${waiting} waiting clients`,
        checks: [
          check(`no node ever exceeded its cap (${cap})`, maxSeen <= cap, `max seen ${maxSeen}`),
          check(
            'auth answers 503 with Retry-After when nothing has headroom',
            probe.status === 503 && probe.retryAfter !== null && (c1['503'] ?? 0) > 0,
            `probe ${probe.status} Retry-After ${probe.retryAfter}; ${count(c1['503'] ?? 0)} 503s in all`,
          ),
          check(
            `waiting clients back off: ≤ ${bound.toFixed(1)} req/s (${waiting} / Retry-After ${RETRY_AFTER_S} s, +10 %)`,
            rate <= bound,
            `${rate.toFixed(1)} req/s over ${elapsed.toFixed(1)} s`,
          ),
          check(
            'the nodes are full: every slot held',
            status.connected === capacity,
            `${count(status.connected)}/${count(capacity)}`,
          ),
        ],
        metrics: { nodes, cap, wanted, connected: status.connected, maxSeen, rate, waiting, sessions: c1 },
      };
    } finally {
      sampling = false;
      await sampler;
      await cc.stop();
    }
  },
};
