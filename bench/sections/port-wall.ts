import { targetCheck } from '../../harness/check';
import { Progress } from '../../harness/progress';
import { round } from '../../harness/stats';
import { Worker } from '../../harness/worker/worker';
import { createNamespace } from '../harness/netns';
import { renderBarChart } from '../report/svg';
import type { Section } from '../types';
import type { WallJob, WallResult } from '../workers/wall-worker';

const FULL_RANGE = { low: 40_000, high: 40_499 };
const QUICK_RANGE = { low: 40_000, high: 40_199 };
const size = (r: { low: number; high: number }) => r.high - r.low + 1;

/** Section 5: the seed's 65,536 wall at 500 ports, and HAProxy's fix (one `server` line per source IP). */
export const portWall: Section = {
  id: 'port-wall',
  title: 'The 65,536 wall, scaled down: one HAProxy, one node, a 500-port range',
  async run(ctx) {
    const counts = ctx.quick ? [1, 2] : [1, 2, 4];
    const RANGE = ctx.quick ? QUICK_RANGE : FULL_RANGE;
    const PORTS = size(RANGE);
    const runs: WallResult[] = [];
    for (const k of counts) {
      // A fresh namespace per run: no TIME_WAIT left over from the previous one.
      const ns = createNamespace(`wall${k}`, RANGE);
      const worker = new Worker<WallJob, WallResult>(ctx.build, 'wall', { netns: ns.name });
      try {
        const attempts = k * PORTS + 200;
        const bar = new Progress(`${k} source IP${k > 1 ? 's' : ''}: opening up to ${attempts}`, attempts);
        runs.push(
          await worker.run(
            {
              nodeBundle: ctx.build.nodeBundle,
              sourceIps: Array.from({ length: k }, (_, i) => `127.0.1.${i + 1}`),
              attempts,
              clientPortBase: 10_000,
              deadlineMs: 180_000,
            },
            (n) => bar.update(n),
          ),
        );
        bar.done(`${runs.at(-1)!.held} held`);
      } finally {
        await worker.stop();
        ns.remove();
      }
    }
    const one = runs[0].held;
    const rows = runs.map((r) => ({
      ...r,
      linear: r.sourceIps * one,
      ofLinear: one > 0 ? round(r.held / (r.sourceIps * one), 3) : 0,
    }));
    const chart = renderBarChart({
      title: `Connections one HAProxy holds to one node (${PORTS}-port range)`,
      yLabel: 'connections held',
      series: ['held', `linear: k × ${one}`],
      groups: rows.map((r) => ({
        label: `${r.sourceIps} source IP${r.sourceIps > 1 ? 's' : ''}`,
        values: [r.held, r.linear],
      })),
    });
    return {
      data: { portRange: RANGE, runs: rows },
      targets: rows
        .filter((r) => r.sourceIps > 1)
        .map((r) =>
          targetCheck(
            `${r.sourceIps} source IPs held / (${r.sourceIps} × 1-IP count)`,
            r.ofLinear,
            '>=',
            0.9,
          ),
        ),
      table: [
        ['source IPs', 'attempted', 'held', 'per server line', 'k × 1-IP count', 'held / linear', 'refusals'],
        ...rows.map((r) => [
          String(r.sourceIps),
          String(r.attempts),
          String(r.held),
          Object.values(r.perServer).join(' / '),
          String(r.linear),
          r.ofLinear.toFixed(3),
          Object.entries(r.errors)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || '-',
        ]),
      ],
      notes: [
        `Inside a network namespace made by the bench (loopback only, ip_local_port_range ${RANGE.low}-${RANGE.high}); ` +
          'clients bind explicit ports outside that range, so only HAProxy→node connections meet the wall.',
      ],
      charts: { 'port-wall.svg': chart },
    };
  },
};
