import { targetCheck } from '../../harness/check';
import { count, round } from '../../harness/stats';
import { parseConfig } from '../../lib/config';
import { SCALING_POLICY } from '../../lib/fleet/scaling-policy';
import { buildRef, runHost } from '../harness/host';
import { SCALE_OUT_DATAPOINTS, type TargetTrackingPolicy } from '../harness/target-tracking';
import type { Section } from '../types';
import type { RampHostJob, RampHostResult, RampSample } from '../workers/ramp-host';

/**
 * One run's shape. `context` goes through the stack's own `parseConfig`, as `cdk deploy -c …` would; the
 * policy's period and warm-up are the stack's (`SCALING_POLICY`), divided by `timeScale` (decision 0176).
 */
export interface Scenario {
  context: { nodes: string; maxConnectionsPerNode: string; scalingTargetPerNode: string };
  clients: number;
  rampMs: number;
  /** Deployed seconds per local second: every policy duration is divided by it. */
  timeScale: number;
  workers: number;
  /** Row of the nodes-over-time table every this many ms. */
  rowEveryMs: number;
  deadlineMs: number;
}

/**
 * Full: 0 → 20,000 in 100 s (200/s, 40 % of what this machine's local cluster logs in and connects when quiet)
 * on 3 nodes of 5,000 (15,000: the fleet must grow), target 2,500, time scale 24 (a 40-minute ramp in AWS;
 * launch delay 10 s = the 4-minute warm-up). Sizes: decision 0178. Quick:
 * 600 in 6 s on 2 nodes of 500, target 150 (crossed early, even on a machine too busy to keep the ramp's
 * pace), time scale 120, so one scale-out fits in CI's budget.
 */
export function rampScenario(quick: boolean): Scenario {
  if (quick) {
    return {
      context: { nodes: '2/2/4', maxConnectionsPerNode: '500', scalingTargetPerNode: '150' },
      clients: 600,
      rampMs: 6_000,
      timeScale: 120,
      workers: 1,
      rowEveryMs: 1_000,
      deadlineMs: 90_000,
    };
  }
  return {
    context: { nodes: '3/3/10', maxConnectionsPerNode: '5000', scalingTargetPerNode: '2500' },
    clients: 20_000,
    rampMs: 100_000,
    timeScale: 24,
    workers: 4,
    rowEveryMs: 10_000,
    // The watchdog: the host cuts the ramp to answer before it, and stops itself (and everything it started)
    // by then; the full run takes ~2.5 min on a quiet machine.
    deadlineMs: 200_000,
  };
}

/** What the controller applies: the stack's numbers for `s`, on its clock (decisions 0176, 0177). */
export interface RampPolicy {
  cap: number;
  policy: TargetTrackingPolicy;
  periodMs: number;
  warmupMs: number;
  launchDelayMs: number;
}

/** @throws {InvalidInputError} when the scenario's context is one the stack would refuse */
export function rampPolicy(s: Scenario): RampPolicy {
  const config = parseConfig({ strategy: 'direct', ...s.context }, ['strategy', ...Object.keys(s.context)]);
  const warmupMs = (SCALING_POLICY.warmupSeconds * 1000) / s.timeScale;
  return {
    cap: config.maxConnectionsPerNode,
    policy: {
      target: config.scalingTargetPerNode,
      min: config.nodes.min,
      max: config.nodes.max,
      alarmDatapoints: SCALE_OUT_DATAPOINTS,
    },
    periodMs: (SCALING_POLICY.metricPeriodSeconds * 1000) / s.timeScale,
    warmupMs,
    // The stand-in for EC2 boot: the stack's own launch-to-first-metric estimate, scaled (decision 0177).
    launchDelayMs: warmupMs,
  };
}

/** Every `everyMs`, the sample nearest that time: the small nodes-over-time series of the report. */
function rows(samples: RampSample[], everyMs: number): RampSample[] {
  const picked: RampSample[] = [];
  const end = samples.at(-1)?.tMs ?? 0;
  for (let t = 0; t <= end + everyMs / 2; t += everyMs) {
    const near = samples.reduce((a, b) => (Math.abs(b.tMs - t) < Math.abs(a.tMs - t) ? b : a));
    if (!picked.includes(near)) picked.push(near);
  }
  return picked;
}

/** Section 9: the node group's target tracking, applied locally while 0 → N clients arrive. */
export const ramp: Section = {
  id: 'ramp',
  title: 'Ramp: the fleet scales out on connections while clients arrive',
  async run(ctx) {
    const s = rampScenario(ctx.quick);
    const { cap, policy, periodMs, warmupMs, launchDelayMs } = rampPolicy(s);
    const job: RampHostJob = {
      build: buildRef(ctx.build),
      clients: s.clients,
      rampMs: s.rampMs,
      workers: s.workers,
      maxConnectionsPerNode: cap,
      policy,
      periodMs,
      warmupMs,
      launchDelayMs,
      settleMs: (SCALE_OUT_DATAPOINTS + 2) * periodMs + warmupMs * 2,
      openTimeoutMs: 10_000,
      deadlineMs: s.deadlineMs,
    };
    const r = await runHost<RampHostJob, RampHostResult>(ctx.build, 'ramp-host', job, {
      inNamespace: false,
      tag: 'ramp',
      label: `0 → ${count(s.clients)} clients in ${s.rampMs / 1000} s`,
      total: s.clients,
    });
    const maxFill = Math.max(0, ...r.samples.map((x) => x.fill));
    const scaleOuts = r.events.filter((e) => e.kind === 'scale-out');
    const launched = r.events.filter((e) => e.kind === 'launched');
    const failedLaunches = r.events.filter((e) => e.kind === 'launch-failed');
    const otherFailures = Object.values(r.clients.failures).reduce((a, b) => a + b, 0);
    const nodesAtEnd = r.final.filter((n) => n.state === 'active').length;
    const firstNodeAt = launched[0]?.atMs;
    const contextFlags = Object.entries(s.context)
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' ');
    return {
      data: {
        scenario: s,
        policy: job.policy,
        periodMs,
        warmupMs,
        launchDelayMs: job.launchDelayMs,
        clients: r.clients,
        maxFill: round(maxFill, 4),
        scaleOuts: scaleOuts.length,
        nodesLaunched: launched.length,
        nodesAtEnd,
        events: r.events,
        datapoints: r.datapoints.map((d) => round(d, 1)),
        series: rows(r.samples, 1_000).map((x) => ({ ...x, fill: round(x.fill, 4) })),
      },
      targets: [
        targetCheck('refused logins (auth: no node has headroom)', r.clients.refusedLogins, '<=', 0),
        targetCheck('refused upgrades (node full)', r.clients.refusedUpgrades, '<=', 0),
        targetCheck('other failed arrivals (timeouts, errors)', otherFailures, '<=', 0),
        targetCheck('clients open at the end', r.clients.opened, '>=', s.clients),
        targetCheck(
          'fullest node, connections / cap, any time (1 = at the cap)',
          maxFill,
          '<=',
          round((cap - 1) / cap, 4),
        ),
        targetCheck('nodes the policy launched', launched.length, '>=', 1),
      ],
      table: [
        ['t (s)', 'clients open', 'nodes taking clients', 'desired nodes', 'fullest node'],
        ...rows(r.samples, s.rowEveryMs).map((x) => [
          (x.tMs / 1000).toFixed(1),
          count(x.connections),
          String(x.nodes),
          String(x.desired),
          `${(x.fill * 100).toFixed(1)} %`,
        ]),
      ],
      notes: [
        `0 → ${count(s.clients)} clients in ${s.rampMs / 1000} s (${count(Math.round(s.clients / (s.rampMs / 1000)))}/s, ` +
          `${s.workers} client processes; each arrival logs in through auth and opens its WebSocket; a refusal is counted, not retried), ` +
          `\`direct\`, stack context \`${contextFlags}\` through the stack's own parseConfig: cap ${count(cap)}, ` +
          `target ${count(policy.target)} per node, ${policy.min}–${policy.max} nodes. ` +
          `Policy (bench/harness/target-tracking.ts): after ${SCALE_OUT_DATAPOINTS} period averages above the target, ` +
          'desired = max(desired, ⌈nodes counted × average / target⌉), warming nodes counted as capacity, within min–max. ' +
          `Time scale ${s.timeScale}: the stack's ${SCALING_POLICY.metricPeriodSeconds} s period is ${periodMs / 1000} s here, ` +
          `its ${SCALING_POLICY.warmupSeconds} s warm-up ${warmupMs / 1000} s, and a node starts ${job.launchDelayMs / 1000} s ` +
          'after the decision (EC2 boot; decisions 0176, 0177).',
        `${scaleOuts.length} scale-out decisions, ${launched.length} nodes launched` +
          (firstNodeAt === undefined
            ? ''
            : ` (the first took clients at ${(firstNodeAt / 1000).toFixed(1)} s)`) +
          `, ${nodesAtEnd} nodes at the end; ${count(r.clients.opened)}/${count(s.clients)} open; ` +
          `refused logins ${r.clients.refusedLogins}, refused upgrades ${r.clients.refusedUpgrades}, ` +
          `other failures ${JSON.stringify(r.clients.failures)}, dropped ${r.clients.dropped}; ` +
          `fullest node ${(maxFill * 100).toFixed(1)} % of its cap. The load generator: the last arrival started at ` +
          `${(r.clients.lastArrivalMs / 1000).toFixed(1)} s (planned ${s.rampMs / 1000} s), at most ` +
          `${(r.clients.maxLagMs / 1000).toFixed(1)} s late; ${count(r.clients.notStarted)} not started.` +
          (failedLaunches.length ? ` Launches failed: ${failedLaunches.length}.` : ''),
      ],
    };
  },
};
