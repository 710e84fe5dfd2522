import { targetCheck } from '../../harness/check';
import { onCleanup } from '../../harness/cleanup';
import { NodeRig } from '../../harness/node-rig';
import { totalRss } from '../../harness/proc';
import { Progress } from '../../harness/progress';
import { round, sleep } from '../../harness/stats';
import { split } from '../../harness/worker/spread';
import { Load, rate } from '../harness/load';
import type { Section } from '../types';
import type { ConnectJob, ConnectStatus } from '../workers/connect-worker';
import type { OpenedSockets } from '../workers/open-sockets';

/** Section 4: the most connections the direct path holds here, over node processes that each stay under 20k files. */
export const capacity: Section = {
  id: 'capacity',
  title: 'Capacity: direct path, held connections',
  async run(ctx) {
    const nodes = ctx.quick ? 2 : 8;
    const perNode = ctx.quick ? 500 : 15_000;
    const target = nodes * perNode;
    const holdSeconds = ctx.quick ? 2 : 30;
    const rig = await NodeRig.start(ctx.build.nodeBundle);
    const unregister = onCleanup(
      'capacity rig',
      () => rig.stop(),
      () => rig.killNow(),
    );
    try {
      const started = await rig.startNodes('cap', nodes, perNode + 1_000);
      await sleep(1_000);
      const pids = started.map((n) => n.pid);
      const before = totalRss(pids);
      // One client process per node's worth of sockets, each spreading over all nodes (< 18k sockets each).
      const load = await Load.run<ConnectJob, OpenedSockets, ConnectStatus>(
        ctx.build,
        'connect',
        split(target, nodes).map((count) => ({
          targets: started.map((n) => ({ url: n.endpoint, audience: n.nodeId })),
          keyFile: rig.secrets.tokenSecretFile,
          count,
          concurrency: 50,
          presign: false,
          openTimeoutMs: 60_000,
          deadlineMs: 600_000,
        })),
        { label: `opening ${target} over ${nodes} nodes`, total: target },
      );
      try {
        const opened = load.results.reduce((s, r) => s + r.opened, 0);
        const hold = new Progress(`holding ${opened} for ${holdSeconds} s`, holdSeconds);
        for (let s = 1; s <= holdSeconds; s++) {
          await sleep(1_000);
          hold.update(s);
        }
        hold.done();
        const after = totalRss(pids);
        const clientRss = totalRss(load.workers.map((w) => w.pid));
        const status = await load.status();
        const stillOpen = status.reduce((s, x) => s + x.open, 0);
        const dropped = status.reduce((s, x) => s + x.dropped, 0);
        const errors: Record<string, number> = {};
        for (const r of load.results)
          for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
        const data = {
          nodes,
          target,
          opened,
          failed: load.results.reduce((s, r) => s + r.failed, 0),
          errors,
          heldAfterSeconds: holdSeconds,
          stillOpen,
          dropped,
          connectsPerSecond: Math.round(rate(opened, load.results)),
          nodeBytesPerConnection: Math.round((after - before) / Math.max(1, opened)),
          clientBytesPerConnection: Math.round(clientRss / Math.max(1, opened)),
          nodeRssBytes: after,
        };
        const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
        return {
          data,
          targets: [
            targetCheck(
              'connections held for the whole window',
              stillOpen,
              '>=',
              ctx.quick ? target : 120_000,
            ),
            targetCheck('connections dropped while held', dropped, '<=', 0),
          ],
          table: [
            [
              'node processes',
              'opened',
              'failed',
              `still open after ${holdSeconds} s`,
              'dropped',
              'connects/s',
              'node RSS / connection',
              'client RSS / connection',
            ],
            [
              String(nodes),
              String(opened),
              String(data.failed),
              String(stillOpen),
              String(dropped),
              String(data.connectsPerSecond),
              kb(data.nodeBytesPerConnection),
              kb(data.clientBytesPerConnection),
            ],
          ],
          notes: [
            `Clients connect straight to the nodes with tokens signed by the bench for each node (what the auth service issues under direct), ` +
              `so the figure is the nodes' holding capacity; the login path is measured in sections 2 and 3. Node RSS in all: ${round(after / 1024 ** 3, 2)} GiB.`,
          ],
        };
      } finally {
        await load.stop();
      }
    } finally {
      await rig.stop();
      unregister();
    }
  },
};
