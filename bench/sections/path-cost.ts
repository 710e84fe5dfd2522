import { startLocalHaproxy } from '../../runtime/haproxy/local-haproxy';
import { createLogger } from '../../runtime/shared/log';
import { startAuthServer } from '../harness/auth-server';
import { killGroup, onCleanup } from '../harness/cleanup';
import { NodeRig } from '../harness/node-rig';
import { Progress } from '../harness/progress';
import { Worker } from '../harness/worker';
import { check, round, type Section, type SectionContext, sleep } from '../types';
import type { PathJob, PathResult, Via } from '../workers/path-worker';

type PathName = 'floor (client → node, token in hand)' | 'direct' | 'haproxy';

/** All paths in one load process, their work interleaved in slices. */
async function measurePaths(
  ctx: SectionContext,
  paths: [PathName, Via][],
): Promise<Record<string, PathResult>> {
  const sessions = ctx.quick ? 150 : 5_000;
  const worker = new Worker<PathJob, Record<string, PathResult>>(ctx.build, 'path');
  const bar = new Progress('sessions over the three paths, then round trips', sessions * paths.length);
  try {
    return await worker.run(
      {
        paths: paths.map(([name, via]) => ({ name, via })),
        sessions,
        warmup: ctx.quick ? 30 : 200,
        concurrency: 10,
        connections: ctx.quick ? 10 : 100,
        messages: ctx.quick ? 500 : 20_000,
        messageBytes: 32,
        slices: ctx.quick ? 2 : 10,
        deadlineMs: 600_000,
      },
      (n) => bar.update(n),
    );
  } finally {
    bar.done();
    await worker.stop();
  }
}

/** Section 2: what each hop costs, the same nodes reached straight, through auth (direct) and through HAProxy. */
export const pathCost: Section = {
  id: 'path-cost',
  title: 'Path cost: direct vs haproxy (and a client straight to a node)',
  async run(ctx) {
    const rig = await NodeRig.start(ctx.build.nodeBundle);
    const undo: (() => Promise<void>)[] = [() => rig.stop()];
    const unregister = onCleanup(
      'path-cost rig',
      async () => {
        for (const u of undo.reverse()) await u();
      },
      () => rig.killNow(),
    );
    try {
      const nodes = await rig.startNodes('path', 2, 10_000);
      const haproxy = await startLocalHaproxy({
        backends: nodes.map((n) => ({ id: n.nodeId, host: '127.0.0.1', port: n.port })),
        logger: createLogger('haproxy-local', 'warn'),
      });
      undo.push(() => haproxy.close());
      const unregisterHaproxy = onCleanup(
        'haproxy',
        async () => {},
        () => killGroup(haproxy.pid, 'SIGKILL'),
      );
      const direct = await startAuthServer(rig, 'direct');
      undo.push(() => direct.close());
      const viaHaproxy = await startAuthServer(rig, 'haproxy', haproxy.url);
      undo.push(() => viaHaproxy.close());
      // Health checks (every 500 ms) bring the servers up; heartbeats bring the nodes into the registry.
      await sleep(1_500);
      const credentials = rig.benchCredentials;
      const paths: [PathName, Via][] = [
        [
          'floor (client → node, token in hand)',
          {
            kind: 'token',
            url: nodes[0].endpoint,
            keyFile: rig.secrets.tokenSecretFile,
            audience: nodes[0].nodeId,
          },
        ],
        ['direct', { kind: 'auth', authUrl: direct.url, credentials }],
        ['haproxy', { kind: 'auth', authUrl: viaHaproxy.url, credentials }],
      ];
      const measured = await measurePaths(ctx, paths);
      const results = paths.map(([name]) => [name, measured[name]] as const);
      unregisterHaproxy();
      const get = (name: PathName) => results.find(([n]) => n === name)![1];
      const d = get('direct');
      const h = get('haproxy');
      const ratios = {
        rttP50DirectOverHaproxy: round(d.roundTrip.p50Ms / h.roundTrip.p50Ms, 3),
        rttP99DirectOverHaproxy: round(d.roundTrip.p99Ms / h.roundTrip.p99Ms, 3),
        sessionP50DirectOverHaproxy: round(d.sessionToOpen.p50Ms / h.sessionToOpen.p50Ms, 3),
        messagesPerSecondDirectOverHaproxy: round(d.messagesPerSecond / h.messagesPerSecond, 3),
      };
      const ms = (v: number) => `${v.toFixed(2)} ms`;
      return {
        data: { paths: Object.fromEntries(results), ratios, haproxyNodes: nodes.length },
        targets: [check('direct RTT p50 / haproxy RTT p50', ratios.rttP50DirectOverHaproxy, '<=', 0.8)],
        table: [
          ['path', 'session → open p50', 'p99', 'round trip p50', 'p99', 'messages/s', 'failed sessions'],
          ...results.map(([name, r]) => [
            name,
            ms(r.sessionToOpen.p50Ms),
            ms(r.sessionToOpen.p99Ms),
            ms(r.roundTrip.p50Ms),
            ms(r.roundTrip.p99Ms),
            String(r.messagesPerSecond),
            String(r.sessionFailures),
          ]),
          [
            'ratio direct/haproxy',
            `${ratios.sessionP50DirectOverHaproxy}×`,
            '',
            `${ratios.rttP50DirectOverHaproxy}×`,
            `${ratios.rttP99DirectOverHaproxy}×`,
            `${ratios.messagesPerSecondDirectOverHaproxy}×`,
            '',
          ],
        ],
        notes: [
          `${d.sessionToOpen.count} sessions per path at 10 in flight (after a warm-up), each with the wslb client ` +
            `(POST /session, then open); round trips: ${d.roundTrip.count} messages of 32 bytes, one in flight on each of the held connections. ` +
            'HAProxy 2.6 in mode http with timeout tunnel, the project renderer, in front of the same two nodes.',
        ],
      };
    } finally {
      for (const u of undo.reverse()) await u();
      unregister();
    }
  },
};
