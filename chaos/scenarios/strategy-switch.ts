import { check } from '../../harness/check';
import { say } from '../../harness/progress';
import { count, seconds, sleep, summarize } from '../../harness/stats';
import { STRATEGIES, type Strategy } from '../../runtime/contract/strategies';
import { LOCAL_HAPROXY_MAXCONN } from '../../runtime/local/local-haproxy';
import { currentNamespace } from '../../runtime/local/netns';
import { ChaosCluster } from '../harness/chaos-cluster';
import { closesWith } from '../harness/client-pool';
import { heldFleet } from '../harness/held-fleet';
import { clusterSizes, type Sizes, TIMING } from '../sizes';
import type { Scenario, ScenarioId } from '../types';
import type { ClientStatus } from '../workers/client-protocol';

/** On top of the drain window, the time the move may take: a heartbeat to learn the path, the last logins. */
export const SWITCH_GRACE_MS = 10_000;

/**
 * Clients at full size when one side of the switch is `haproxy`: every client passes one local HAProxy process
 * at some point, and it holds at most LOCAL_HAPROXY_MAXCONN (9,000; two files a connection under the 20,000-file
 * rule), so 10,000 cannot pass it here (scenario 12 stopped at 9,000). On AWS each pair instance is sized far
 * higher (docs/strategies/haproxy.md). See docs/decisions/0167-switch-scenario-sizes.md.
 */
export const HAPROXY_SWITCH_CLIENTS = LOCAL_HAPROXY_MAXCONN - 500; // a margin: no client meets a full HAProxy

/**
 * The 4 nodes and 10,000 clients at full size (8,500 through a local HAProxy: HAPROXY_SWITCH_CLIENTS);
 * at quick size (six scenarios in the CI's quick run) 2 nodes and 200 clients in one client process.
 */
export function switchSizes(quick: boolean, from: Strategy, to: Strategy): Sizes {
  if (quick) return { nodes: 2, clients: 200, processes: 1 };
  const full = clusterSizes(false);
  // Outside a namespace the nlb stand-in is HAProxy in tcp mode, one process too (runtime/local/nlb-fallback.ts).
  const nlbIsHaproxy = !currentNamespace() && (from === 'nlb' || to === 'nlb');
  return from === 'haproxy' || to === 'haproxy' || nlbIsHaproxy
    ? { ...full, clients: Math.min(full.clients, HAPROXY_SWITCH_CLIENTS) }
    : full;
}

/**
 * The drain window of a full-size switch, sized by the rule the client's docs give for `unplannedSpreadMs`
 * (clients ÷ the logins a second the auth service takes): every moved client logs in again through the one local
 * auth process, which shares the two cores with the nodes and the clients' reconnects and issued ~200 sessions a
 * second during a move (chaos 15, 2026-11-30: 8,500 in ~43 s). At the deployed 30 s, logins queued at auth and
 * the move finished in 42–49 s, past window + 10 s; at 45 s it finished in 44 s. Decision 0181.
 */
export const SWITCH_DRAIN_SECONDS_FULL = 45;

/** The scenarios' 5 s at quick size (200 clients); {@link SWITCH_DRAIN_SECONDS_FULL} at full size. */
export const switchDrainSeconds = (quick: boolean) =>
  quick ? TIMING.drainSeconds : SWITCH_DRAIN_SECONDS_FULL;

/**
 * 12-17. A live switch from `from` to `to` under a full fleet (issue 14): the new path is started and handed out,
 * the nodes move their old-path clients with 1012 in batches over the drain window, and they come back through
 * auth on the new path. Pass: all on the new path, none lost, no abnormal close, done within the window + 10 s.
 */
function strategySwitch(number: number, from: Strategy, to: Strategy): Scenario {
  const id = `switch-${from}-${to}` as ScenarioId;
  return {
    number,
    id,
    title: `Switch ${from} → ${to}`,
    nlbPath: from === 'nlb' || to === 'nlb',
    async run({ quick, ledger }) {
      const size = switchSizes(quick, from, to);
      const drainSeconds = switchDrainSeconds(quick);
      const cc = await ChaosCluster.start(
        id,
        ledger,
        {
          nodes: size.nodes,
          ...TIMING,
          drainSeconds,
          strategy: from,
        },
        size.processes,
      );
      try {
        const { cluster } = cc;
        const { pool } = await heldFleet(cc, size.processes, size.clients);
        const onPath = (s: ClientStatus, path: Strategy) =>
          Object.entries(s.byUrl)
            .filter(([url]) => cluster.pathOf(url) === path)
            .reduce((sum, [, n]) => sum + n, 0);
        const before = await pool.status();
        const windowMs = drainSeconds * 1000;
        const limitMs = windowMs + SWITCH_GRACE_MS;
        say(`  ${count(onPath(before, from))} clients on ${from}; switching to ${to}`);
        const started = Date.now();
        await cluster.switchTo(to);
        // The move starts when the path is named current, the last step of switchTo (as in AWS, where the new
        // tier is created before the auth function changes); starting the tier is reported on its own.
        const t0 = Date.now();
        const tierStartMs = t0 - started;
        let after = await pool.status();
        // Wait past the limit too, so a slow move is measured rather than cut off.
        while (onPath(after, to) < size.clients && Date.now() - t0 < limitMs + 20_000) {
          await sleep(250);
          after = await pool.status();
        }
        const finishedMs = Date.now() - t0;
        await cluster.retire({ force: true });
        const onNewPath = onPath(after, to);
        const lost = Math.max(size.clients - after.connected, after.gaveUp);
        const abnormal = closesWith(after, 1006);
        const moved = closesWith(after, 1012);
        const standIn = cluster.nlb?.kind;
        return {
          figure: `${count(onNewPath)}/${count(size.clients)} on ${to} after ${seconds(finishedMs)} (window ${drainSeconds} s); ${lost} lost, ${abnormal} abnormal closes`,
          checks: [
            check(
              `every client on the new path (${to})`,
              onNewPath === size.clients,
              `${count(onNewPath)} of ${count(size.clients)}`,
            ),
            check('no client lost', lost === 0, `${lost} not connected or gave up`),
            check('no abnormal close (1006)', abnormal === 0, `${abnormal}`),
            check(
              `finished within the drain window + ${SWITCH_GRACE_MS / 1000} s`,
              finishedMs <= limitMs,
              `${finishedMs} ms (limit ${limitMs} ms)`,
            ),
          ],
          metrics: {
            from,
            to,
            clients: size.clients,
            onNewPath,
            lost,
            abnormalCloses: abnormal,
            movedWith1012: moved,
            finishedMs,
            tierStartMs,
            closeToReopenMs: summarize(after.reopenDelaysMs),
            // Close → reopen split into the clients' back-off (every delay drawn until they were back) and the
            // rest (logins and opens); the delay drawn after the 1012 and the attempt count it was drawn from
            // (by value); every retry by cause.
            backoffInReopenMs: summarize(after.reopenBackoffMs),
            loginAndOpenInReopenMs: summarize(
              after.reopenDelaysMs.map((d, i) => d - after.reopenBackoffMs[i]),
            ),
            delayAfter1012Ms: summarize(after.after1012.map((a) => a.delayMs)),
            attemptAt1012: tally(after.after1012.map((a) => a.attempt)),
            retryCauses: after.retryCauses,
            drainWindowMs: windowMs,
            refusedAttempts: after.failedAttempts,
            ...(standIn ? { nlbStandIn: standIn } : {}),
            finalByPath: Object.fromEntries(STRATEGIES.map((p) => [p, onPath(after, p)])),
          },
        };
      } finally {
        await cc.stop();
      }
    },
  };
}

/** How many times each value occurs, keyed by the value. */
function tally(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** The six ordered pairs, numbered 12-17. */
export const STRATEGY_SWITCHES: Scenario[] = STRATEGIES.flatMap((from) =>
  STRATEGIES.filter((to) => to !== from).map((to) => [from, to] as const),
).map(([from, to], i) => strategySwitch(12 + i, from, to));
