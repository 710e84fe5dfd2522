import { startAuthServer } from '../../harness/auth-server';
import { targetCheck } from '../../harness/check';
import { killGroup, onCleanup } from '../../harness/cleanup';
import { NodeRig } from '../../harness/node-rig';
import { Progress } from '../../harness/progress';
import { round, sleep } from '../../harness/stats';
import { Worker } from '../../harness/worker/worker';
import { startLocalHaproxy } from '../../runtime/local/local-haproxy';
import { createLogger } from '../../runtime/shared/log';
import type { Section, SectionContext } from '../types';
import { NLB_PATHS } from '../workers/nlb-path-job';
import type { PathJob, PathResult, Via } from '../workers/path-worker';
import { measureNlbPath } from './path-cost-nlb';
import { pathSettings } from './path-settings';

type PathName = 'floor (client → node, token in hand)' | 'direct' | 'haproxy';

/** All paths in one load process, their work interleaved in slices. */
async function measurePaths(
  ctx: SectionContext,
  paths: [PathName, Via][],
): Promise<Record<string, PathResult>> {
  const worker = new Worker<PathJob, Record<string, PathResult>>(ctx.build, 'path');
  const settings = pathSettings(ctx);
  const bar = new Progress(
    'sessions over the three paths, then round trips',
    settings.sessions * paths.length,
  );
  try {
    return await worker.run({ paths: paths.map(([name, via]) => ({ name, via })), ...settings }, (n) =>
      bar.update(n),
    );
  } finally {
    bar.done();
    await worker.stop();
  }
}

type Row = readonly [string, PathResult];

/** floor, direct and haproxy in the bench's own namespace: the same two nodes, one load process. */
async function measureRootPaths(ctx: SectionContext): Promise<Row[]> {
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
      logger: createLogger('wslb-local-haproxy', 'warn'),
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
    unregisterHaproxy();
    return paths.map(([name]) => [name, measured[name]] as const);
  } finally {
    for (const u of undo.reverse()) await u();
    unregister();
  }
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
const pathRow = ([name, r]: Row) => [
  name,
  ms(r.sessionToOpen.p50Ms),
  ms(r.sessionToOpen.p99Ms),
  ms(r.roundTrip.p50Ms),
  ms(r.roundTrip.p99Ms),
  String(r.messagesPerSecond),
  r.sessionFailures === 0
    ? '0'
    : `${r.sessionFailures} (${Object.entries(r.failureCauses ?? {})
        .map(([cause, n]) => `${cause} ×${n}`)
        .join(', ')})`,
];

/** a/b for session p50, RTT p50 and p99, messages/s. */
function ratiosOf(a: PathResult, b: PathResult) {
  return {
    sessionP50: round(a.sessionToOpen.p50Ms / b.sessionToOpen.p50Ms, 3),
    sessionP99: round(a.sessionToOpen.p99Ms / b.sessionToOpen.p99Ms, 3),
    rttP50: round(a.roundTrip.p50Ms / b.roundTrip.p50Ms, 3),
    rttP99: round(a.roundTrip.p99Ms / b.roundTrip.p99Ms, 3),
    messagesPerSecond: round(a.messagesPerSecond / b.messagesPerSecond, 3),
  };
}

const ratioRow = (label: string, r: ReturnType<typeof ratiosOf>) => [
  label,
  `${r.sessionP50}×`,
  `${r.sessionP99}×`,
  `${r.rttP50}×`,
  `${r.rttP99}×`,
  `${r.messagesPerSecond}×`,
  '',
];

/** Section 2: what each hop costs: straight to a node, through auth (direct), HAProxy, and the kernel L4 balancer (nlb). */
export const pathCost: Section = {
  id: 'path-cost',
  title: 'Path cost: direct vs haproxy vs nlb (and a client straight to a node)',
  async run(ctx) {
    const results = await measureRootPaths(ctx);
    const nlb = await measureNlbPath(ctx);
    const get = (name: PathName) => results.find(([n]) => n === name)![1];
    const d = get('direct');
    const h = get('haproxy');
    const dh = ratiosOf(d, h);
    const ratios = {
      rttP50DirectOverHaproxy: dh.rttP50,
      rttP99DirectOverHaproxy: dh.rttP99,
      sessionP50DirectOverHaproxy: dh.sessionP50,
      messagesPerSecondDirectOverHaproxy: dh.messagesPerSecond,
    };
    const nd = 'skipped' in nlb ? undefined : ratiosOf(nlb.nlb, nlb.direct);
    return {
      data: {
        paths: Object.fromEntries(results),
        ratios,
        haproxyNodes: 2,
        nlb:
          'skipped' in nlb
            ? nlb
            : { paths: { [NLB_PATHS.direct]: nlb.direct, nlb: nlb.nlb }, nlbOverDirect: nd },
      },
      targets: [targetCheck('direct RTT p50 / haproxy RTT p50', ratios.rttP50DirectOverHaproxy, '<=', 0.8)],
      table: [
        ['path', 'session → open p50', 'p99', 'round trip p50', 'p99', 'messages/s', 'failed sessions'],
        ...results.map(pathRow),
        ratioRow('ratio direct/haproxy', dh),
        ...('skipped' in nlb
          ? []
          : [
              pathRow([NLB_PATHS.direct, nlb.direct]),
              pathRow(['nlb', nlb.nlb]),
              ratioRow('ratio nlb/direct', nd!),
            ]),
      ],
      notes: [
        `${d.sessionToOpen.count} sessions per path at 10 in flight (after a warm-up), each with the wslb client ` +
          `(POST /session, then open); round trips: ${d.roundTrip.count} messages of 32 bytes, one in flight on each of the held connections. ` +
          'HAProxy 2.6 in mode http with timeout tunnel, the project renderer, in front of the same two nodes.',
        'skipped' in nlb
          ? `nlb skipped: ${nlb.skipped}`
          : 'nlb: a local cluster with strategy nlb (two nodes) inside a network namespace of the bench, where an nftables DNAT rule ' +
            'on 127.0.9.9:8000 (numgen random over the healthy targets) stands in for the NLB; auth answers that address. ' +
            'The rule applies only inside the namespace, so a direct cluster (two nodes) runs there too and one load process ' +
            'interleaves both paths: "ratio nlb/direct" compares those two rows, measured together.',
      ],
    };
  },
};
