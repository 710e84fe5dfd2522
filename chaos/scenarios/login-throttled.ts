import { check } from '../../harness/check';
import { say } from '../../harness/progress';
import { count, seconds, until } from '../../harness/stats';
import { BACKOFF_DEFAULTS } from '../../runtime/client';
import { LOCAL_LOGIN_LIMITS } from '../../runtime/local/local-secrets';
import { type AuthEvent, ChaosCluster } from '../harness/chaos-cluster';
import { allBack, busiestNode } from '../harness/held-fleet';
import { openFleet } from '../harness/open-fleet';
import { TIMING } from '../sizes';
import type { Scenario } from '../types';

/**
 * Sizes: two nodes, so the one killed holds half the clients (2,500 in a full run). `loginsPerSecond` is what
 * auth admits (every client logs in from 127.0.0.1, so the per-source bucket is the whole admission rate);
 * the killed node's clients need `held / loginsPerSecond` seconds at least, well beyond their 5 s spread
 * (2,500 over 5 s ask 500 a second), and below what auth computes even on two busy cores (~120 a second).
 */
const sizes = (quick: boolean) =>
  quick
    ? { nodes: 2, clients: 400, processes: 1, loginsPerSecond: 25 }
    : { nodes: 2, clients: 5_000, processes: 2, loginsPerSecond: 100 };

/** Share of the killed node's clients allowed to ask auth within 1 s of the kill (uniform over 5 s: 20 %). */
const FIRST_SECOND_SHARE = 0.4;

/** Requests per whole second after `from`, by second. */
function perSecond(events: AuthEvent[], from: number): number[] {
  const out: number[] = [];
  for (const e of events) {
    const s = Math.floor((e.time - from) / 1000);
    out[s] = (out[s] ?? 0) + 1;
  }
  return Array.from(out, (v) => v ?? 0);
}

/**
 * 11. Kill a node while auth admits at most R logins a second and answers 429 + Retry-After above it: no client
 * gives up, the first retries are spread instead of all landing at once, and everyone is back at auth's pace.
 */
export const loginThrottled: Scenario = {
  number: 11,
  id: 'login-throttled',
  title: 'Node killed under a login limit',
  async run({ quick, ledger }) {
    const size = sizes(quick);
    const rate = size.loginsPerSecond;
    const cc = await ChaosCluster.start(
      'login-throttled',
      ledger,
      {
        nodes: size.nodes,
        ...TIMING,
        loginLimits: { ...LOCAL_LOGIN_LIMITS, ipBurst: rate, ipPerMinute: rate * 60 },
      },
      size.processes,
    );
    try {
      const pool = cc.clients(size.processes);
      const opening = await openFleet(cc, pool, size.clients, {
        concurrency: 200,
        openTimeoutMs: 120_000,
        label: `opening ${size.clients} clients at ≤ ${rate} logins/s`,
      });
      await until(async () => (await pool.status()).connected === size.clients, 30_000, 250);
      const before = await pool.mark();
      const [victimId, held] = busiestNode(before);
      const victim = cc.cluster.nodes.find((n) => n.nodeId === victimId)!;
      // Twice the time the limit needs (a starved auth admits less than it allows), the spread, one longest
      // back-off window with its Retry-After, and 20 s for a busy machine.
      const boundMs =
        2 * Math.ceil(held / rate) * 1000 +
        BACKOFF_DEFAULTS.unplannedSpreadMs +
        BACKOFF_DEFAULTS.maxMs +
        20_000;
      say(`  kill -9 ${victimId} holding ${held} clients; auth admits ${rate} logins/s`);
      const killedAt = Date.now();
      victim.kill();
      const back = await allBack(pool, held, size.clients, boundMs);
      const backMs = Date.now() - killedAt;
      const after = await pool.status();
      const events = (await cc.authEvents()).filter((e) => e.time >= killedAt);
      const issued = events.filter((e) => e.msg === 'session issued');
      const limited = events.filter((e) => e.msg === 'login limited' && e.status === 429);
      const asked = events.filter((e) => e.status !== undefined);
      const admittedPerSecond = perSecond(issued, killedAt);
      const askedPerSecond = perSecond(asked, killedAt);
      const peak = Math.max(0, ...admittedPerSecond);
      const firstSecond = askedPerSecond[0] ?? 0;
      return {
        figure: `${count(held)} back in ${seconds(backMs)} at ≤ ${rate} logins/s (peak ${peak}/s, ${count(limited.length)} × 429); 0 gave up expected, ${after.gaveUp + opening.failed} did`,
        checks: [
          check(
            'no client gave up (no error event), opening under the limit included',
            after.gaveUp === 0 && opening.failed === 0,
            `${after.gaveUp} after the kill, ${opening.failed} while opening`,
          ),
          check(
            `every client of the killed node back, all ${count(size.clients)} connected, within ${seconds(boundMs)}`,
            back && after.reopenDelaysMs.length >= held,
            `${count(after.connected)} connected, ${count(after.reopenDelaysMs.length)} reopens after ${seconds(backMs)}`,
          ),
          check(
            'auth throttled the return: 429 + Retry-After answered, admitted logins ≤ burst + rate in every second',
            limited.length > 0 && peak <= 2 * rate,
            `${count(limited.length)} × 429; peak ${peak} admitted in a second (limit ${2 * rate})`,
          ),
          check(
            `first retries spread: ≤ ${FIRST_SECOND_SHARE * 100} % of the ${count(held)} asked auth within 1 s of the kill`,
            firstSecond <= FIRST_SECOND_SHARE * held,
            `${count(firstSecond)} requests in the first second`,
          ),
        ],
        metrics: {
          clients: size.clients,
          nodes: size.nodes,
          loginsPerSecond: rate,
          openingMs: opening.ms,
          killed: victimId,
          held,
          backMs,
          gaveUp: after.gaveUp,
          limited429: limited.length,
          peakAdmittedPerSecond: peak,
          admittedPerSecond,
          askedPerSecond,
          failedAttempts: after.failedAttempts,
        },
      };
    } finally {
      await cc.stop();
    }
  },
};
