import { round } from '../../harness/stats';
import type { LocalStrategy } from '../../runtime/local/local-cluster';
import { buildRef, nlbUnavailable, runHost } from '../harness/host';
import { renderBarChart } from '../report/svg';
import type { Section, SectionContext } from '../types';
import type { ScaleOutJob, ScaleOutResult } from '../workers/scale-out-host';

interface Run {
  strategy: LocalStrategy;
  rule: string;
  before: number;
  after: number;
  connected: number;
  failed: number;
  perNodeBefore: number[];
  perNode: number[];
  /** Clients the new node took of the `after` arrivals. */
  newNodeShare: number;
  maxOverMean: number;
}

const RULE: Record<LocalStrategy, string> = {
  nlb: 'random flow placement (kernel, nftables numgen)',
  haproxy: 'leastconn',
  direct: 'p2c on registry load',
};

/**
 * Sizes per strategy. HAProxy holds fewer than 10,000 proxied connections here (two sockets each under a
 * 20,000-file limit; the local config's maxconn is 9,000), so its run is scaled to 6,000 + 2,000.
 */
function sizes(ctx: SectionContext, strategy: LocalStrategy): { before: number; after: number } {
  if (ctx.quick) return { before: 300, after: 100 };
  return strategy === 'haproxy' ? { before: 6_000, after: 2_000 } : { before: 9_000, after: 3_000 };
}

async function runScaleOut(ctx: SectionContext, strategy: LocalStrategy): Promise<Run> {
  const { before, after } = sizes(ctx, strategy);
  const r = await runHost<ScaleOutJob, ScaleOutResult>(
    ctx.build,
    'scale-out-host',
    {
      strategy,
      build: buildRef(ctx.build),
      before,
      after,
      processes: ctx.quick ? 1 : 3,
      deadlineMs: 300_000,
    },
    {
      inNamespace: strategy === 'nlb',
      tag: 'scale-nlb',
      label: `${strategy}: 3 nodes, then a 4th`,
      total: before + after,
    },
  );
  const perNode = r.after.map((n) => n.connections);
  const total = perNode.reduce((a, b) => a + b, 0);
  const newNode = perNode[perNode.length - 1] ?? 0;
  return {
    strategy,
    rule: RULE[strategy],
    before,
    after,
    connected: r.connected,
    failed: r.failed,
    perNodeBefore: r.before.map((n) => n.connections),
    perNode,
    newNodeShare: round(newNode / after, 3),
    maxOverMean: round(Math.max(...perNode) / (total / Math.max(1, perNode.length)), 3),
  };
}

/** Section 6: a node joins a busy fleet; which strategies fill it. An L4 balancer spreads new flows only. */
export const scaleOut: Section = {
  id: 'scale-out',
  title: 'Scale-out evenness: a 4th node joins 3 busy ones',
  async run(ctx) {
    const skipped = nlbUnavailable();
    const strategies: LocalStrategy[] = skipped ? ['haproxy', 'direct'] : ['nlb', 'haproxy', 'direct'];
    const runs: Run[] = [];
    for (const strategy of strategies) runs.push(await runScaleOut(ctx, strategy));
    const chart = renderBarChart({
      title: 'Connections per node after a 4th node joined and a third more clients arrived',
      yLabel: 'connections',
      series: ['node-1', 'node-2', 'node-3', 'node-4 (joined)'],
      groups: runs.map((r) => ({
        label: `${r.strategy} ${(r.before + r.after).toLocaleString('en-US')}`,
        values: r.perNode,
      })),
    });
    return {
      data: { runs, ...(skipped ? { nlbSkipped: skipped } : {}) },
      targets: [],
      table: [
        [
          'strategy',
          'placement',
          'clients before + after',
          'connected',
          'per node before',
          'per node after',
          'new node took',
          'max/mean',
        ],
        ...runs.map((r) => [
          r.strategy,
          r.rule,
          `${r.before} + ${r.after}`,
          `${r.connected}/${r.before + r.after}`,
          r.perNodeBefore.join(' / '),
          r.perNode.join(' / '),
          `${Math.round(r.newNodeShare * 100)} % of the new`,
          r.maxOverMean.toFixed(3),
        ]),
      ],
      notes: [
        'Each run is a fresh local cluster (3 node processes), clients held by several fleet processes through auth; ' +
          "then `addNode()` and the new arrivals; counts are each node's own (`/healthz`). " +
          'nlb runs inside a network namespace of the bench, where an nftables DNAT rule on 127.0.9.9:8000 stands in for the NLB. ' +
          'The even share after scale-out is max/mean 1.0; random flow placement gives the new node about a quarter of the new flows and moves no held one, ' +
          'so with 9,000 + 3,000 it ends near 750 against about 3,750 on each old node (max/mean ≈ 1.25). ' +
          'HAProxy is scaled to 6,000 + 2,000: it holds fewer than 10,000 proxied connections under the 20,000-file limit. ' +
          "The agent adds the new node's server lines to the running HAProxy worker through the runtime API (decision 0054), so `leastconn` " +
          "keeps the old nodes' counts and sends arrivals to the new node until it has caught up; with a reload instead, the new worker " +
          'counted no connection and spread them evenly (500 each, max/mean 1.25, in the run before that change).',
        ...(skipped ? [`nlb skipped: ${skipped}`] : []),
      ],
      charts: { 'scale-out.svg': chart },
    };
  },
};
