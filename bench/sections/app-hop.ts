import { onCleanup } from '../../harness/cleanup';
import { NodeRig } from '../../harness/node-rig';
import { rssBytes } from '../../harness/proc';
import { Progress } from '../../harness/progress';
import { round, sleep } from '../../harness/stats';
import { split } from '../../harness/worker/spread';
import { Worker } from '../../harness/worker/worker';
import type { NodeProcess } from '../../runtime/local/node-process';
import { Load } from '../harness/load';
import type { Section, SectionContext } from '../types';
import type { BareEchoJob } from '../workers/bare-echo-worker';
import type { ConnectJob, ConnectStatus } from '../workers/connect-worker';
import type { OpenedSockets } from '../workers/open-sockets';
import type { PathJob, PathResult } from '../workers/path-worker';
import { pathSettings } from './path-settings';

type Mode = 'in-process' | 'sidecar';

const MAX_PAYLOAD = 64 * 1024;

interface Memory {
  opened: number;
  failed: number;
  /** RSS growth of the node (and, in sidecar mode, of the upstream) per idle connection. */
  bytesPerConnection: number;
  nodeBytesPerConnection: number;
}

/** Open `n` idle clients on `node`; the RSS growth of the processes in `pids` per opened client. */
async function memoryPerConnection(
  ctx: SectionContext,
  rig: NodeRig,
  node: NodeProcess,
  pids: number[],
  n: number,
  label: string,
): Promise<Memory> {
  await sleep(ctx.quick ? 300 : 1_000);
  const before = pids.map((pid) => rssBytes(pid));
  const load = await Load.run<ConnectJob, OpenedSockets, ConnectStatus>(
    ctx.build,
    'connect',
    split(n, 2).map((count) => ({
      targets: [{ url: node.endpoint, audience: node.nodeId }],
      keyFile: rig.secrets.tokenSecretFile,
      count,
      concurrency: 50,
      presign: true,
      openTimeoutMs: 20_000,
      deadlineMs: 240_000,
    })),
    { label, total: n },
  );
  try {
    // Every sidecar client's upstream socket is opened after its upgrade: let them settle.
    await sleep(ctx.quick ? 1_000 : 3_000);
    const grown = pids.map((pid, i) => rssBytes(pid) - before[i]);
    const opened = load.results.reduce((s, r) => s + r.opened, 0);
    const per = (bytes: number) => (opened > 0 ? bytes / opened : 0);
    return {
      opened,
      failed: load.results.reduce((s, r) => s + r.failed, 0),
      bytesPerConnection: Math.round(per(grown.reduce((a, b) => a + b, 0))),
      nodeBytesPerConnection: Math.round(per(grown[0])),
    };
  } finally {
    await load.stop();
  }
}

/**
 * Section 10: what the sidecar hop costs. Two nodes of the same bundle on one rig: one hosts the echo app in
 * process, the other pipes every client to a bare `ws` echo server on loopback (UPSTREAM_URL). Round trips of both
 * come from one load process, interleaved in slices; memory per idle connection counts the node and, for the
 * sidecar, the upstream too (what the host pays).
 */
export const appHop: Section = {
  id: 'app-hop',
  title: 'The app hop: sidecar vs in-process',
  async run(ctx) {
    const n = ctx.quick ? 150 : 5_000;
    const rig = await NodeRig.start(ctx.build.nodeBundle);
    const upstream = new Worker<BareEchoJob, { port: number }>(ctx.build, 'bare-echo');
    const unregister = onCleanup(
      'app-hop rig',
      async () => {
        await upstream.stop();
        await rig.stop();
      },
      () => rig.killNow(),
    );
    try {
      const { port } = await upstream.run({ maxPayloadBytes: MAX_PAYLOAD, deadlineMs: 600_000 });
      const nodes: Record<Mode, NodeProcess> = {
        'in-process': await rig.startNode('hop-in-process', 19_000),
        sidecar: await rig.startNode('hop-sidecar', 9_000, { UPSTREAM_URL: `ws://127.0.0.1:${port}` }),
      };
      const settings = {
        ...pathSettings(ctx),
        sessions: ctx.quick ? 20 : 500,
        messages: ctx.quick ? 200 : 20_000,
      };
      const paths = (Object.keys(nodes) as Mode[]).map((name) => ({
        name,
        via: {
          kind: 'token' as const,
          url: nodes[name].endpoint,
          keyFile: rig.secrets.tokenSecretFile,
          audience: nodes[name].nodeId,
        },
      }));
      const worker = new Worker<PathJob, Record<Mode, PathResult>>(ctx.build, 'path');
      const bar = new Progress('round trips in-process and through the sidecar', settings.sessions * 2);
      let rtt: Record<Mode, PathResult>;
      try {
        rtt = await worker.run({ paths, ...settings }, (done) => bar.update(done));
      } finally {
        bar.done();
        await worker.stop();
      }
      for (const node of Object.values(nodes)) await node.stop(3_000);
      // Fresh nodes for memory: the round trips above leave heap behind that a later GC would give back.
      const fresh = {
        'in-process': await rig.startNode('hop-mem-in-process', 19_000),
        sidecar: await rig.startNode('hop-mem-sidecar', 9_000, { UPSTREAM_URL: `ws://127.0.0.1:${port}` }),
      };
      const memory: Record<Mode, Memory> = {
        'in-process': await memoryPerConnection(
          ctx,
          rig,
          fresh['in-process'],
          [fresh['in-process'].pid!],
          n,
          `in-process, ${n} idle sockets`,
        ),
        sidecar: await memoryPerConnection(
          ctx,
          rig,
          fresh.sidecar,
          [fresh.sidecar.pid!, upstream.pid!],
          n,
          `sidecar, ${n} idle sockets`,
        ),
      };
      const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : 0);
      const rttP50 = ratio(rtt.sidecar.roundTrip.p50Ms, rtt['in-process'].roundTrip.p50Ms);
      const rttP99 = ratio(rtt.sidecar.roundTrip.p99Ms, rtt['in-process'].roundTrip.p99Ms);
      const memoryRatio = ratio(memory.sidecar.bytesPerConnection, memory['in-process'].bytesPerConnection);
      const ms = (v: number) => `${v.toFixed(2)} ms`;
      const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
      const row = (mode: Mode) => [
        mode,
        ms(rtt[mode].roundTrip.p50Ms),
        ms(rtt[mode].roundTrip.p99Ms),
        String(Math.round(rtt[mode].messagesPerSecond)),
        `${memory[mode].opened}/${n}`,
        kb(memory[mode].bytesPerConnection),
        kb(memory[mode].nodeBytesPerConnection),
      ];
      return {
        data: {
          connections: n,
          roundTrips: settings.messages,
          messageBytes: settings.messageBytes,
          rtt: { 'in-process': rtt['in-process'].roundTrip, sidecar: rtt.sidecar.roundTrip },
          memory,
          sidecarOverInProcess: { rttP50, rttP99, memory: memoryRatio },
        },
        // What the hop costs is reported, not judged: there is no target a sidecar must meet.
        targets: [],
        table: [
          [
            'mode',
            'RTT p50',
            'RTT p99',
            'messages/s',
            'idle sockets',
            'RSS per connection (host)',
            'of it, the node',
          ],
          row('in-process'),
          row('sidecar'),
          ['sidecar / in-process', `${rttP50}×`, `${rttP99}×`, '', '', `${memoryRatio}×`, ''],
        ],
        notes: [
          `${settings.messages} round trips of ${settings.messageBytes}-byte messages over ${settings.connections} connections per mode, interleaved in ${settings.slices} slices from one load process; the in-process node echoes, the sidecar node pipes to a bare ws echo server on 127.0.0.1.`,
          'RSS per connection (host): the node, plus the upstream process in sidecar mode, after opening the idle sockets, divided by the sockets opened.',
        ],
      };
    } finally {
      await upstream.stop();
      await rig.stop();
      unregister();
    }
  },
};
