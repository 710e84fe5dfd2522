import { availableParallelism } from 'node:os';
import { targetCheck } from '../../harness/check';
import { count, round } from '../../harness/stats';
import { readKernelSockets } from '../harness/kernel-memory';
import { readSocketLimits } from '../harness/socket-limits';
import type { Section } from '../types';
import { planCapacity, secondsToOpen, targetFromEnv } from './capacity-plan';
import { type RampResult, runRamp } from './capacity-ramp';

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

/** Where the opening CPU went, per connection: the processes' user/system time and the machine's softirq. */
function cpuNote(r: RampResult): string {
  const { node, client } = r.cpuSplitMsPerConnection;
  const m = r.machineCpuMsPerConnection;
  const ms = (v: number) => `${round(v, 3)} ms`;
  return (
    `CPU per connection opened: nodes ${ms(node.user)} user + ${ms(node.system)} system, clients ` +
    `${ms(client.user)} user + ${ms(client.system)} system; the whole machine over the opening windows ` +
    `(other work included) ${ms(m.user)} user, ${ms(m.system)} system, ${ms(m.softirq)} softirq, ${ms(m.idle)} idle. ` +
    `Holding (the hold window: pings, pongs, heartbeats): nodes ${r.holdCpuUsPerConnectionSecond.node} µs and clients ` +
    `${r.holdCpuUsPerConnectionSecond.client} µs of CPU per held connection per second.`
  );
}

/**
 * Section 4: the most idle connections the direct path holds here, found by ramping node/client pairs toward
 * 500,000 (`--quick`: 600; `BENCH_CAPACITY_TARGET` sets it) until a limit is met, then holding them 30 s; and where the memory goes.
 */
export const capacity: Section = {
  id: 'capacity',
  title: 'Capacity: direct path, held connections',
  async run(ctx) {
    const limits = { ...readSocketLimits(), memAvailableBytes: readKernelSockets().availableBytes };
    const plan = planCapacity(ctx.quick, targetFromEnv(), limits.openFilesPerProcess);
    const r = await runRamp(ctx.build, plan);
    const held = r.hold.dropped === 0 ? r.hold.stillOpen : 0;
    const stoppedBy = r.stop ? `${r.stop.cause}: ${r.stop.detail}` : 'target reached';
    const per = r.memory.perConnection;
    const cpuMs = r.cpuMsPerConnection.node + r.cpuMsPerConnection.client;
    const cores = availableParallelism();
    // What opening the whole target takes at the measured CPU per connection opened and per connection held,
    // on cores doing nothing else; holding alone takes every core at the ceiling.
    const holdUs = r.holdCpuUsPerConnectionSecond.node + r.holdCpuUsPerConnectionSecond.client;
    const toOpen = secondsToOpen(plan.target, cpuMs, holdUs, cores);
    const targetOpenSeconds = Number.isFinite(toOpen) ? Math.round(toOpen) : null;
    const holdingCeiling = holdUs > 0 ? Math.round((cores * 1e6) / holdUs) : null;
    const data = {
      ...r,
      held,
      stoppedBy,
      perProcess: plan.perProcess,
      limits,
      inFlightPerClient: plan.inFlight,
      targetOpenSecondsOnIdleCores: targetOpenSeconds,
      holdingCeiling,
      bytesPerConnection: per.node + per.client + per.kernelSlab + per.kernelTcpMem,
    };
    return {
      data,
      targets: [
        targetCheck(`connections held ${plan.holdSeconds} s, none dropped`, held, '>=', plan.target),
        targetCheck('connections dropped while held', r.hold.dropped, '<=', 0),
      ],
      table: [
        [
          'node + client processes',
          'offered',
          'opened',
          `held ${plan.holdSeconds} s`,
          'dropped',
          'stopped by',
          'connects/s',
          'node CPU / conn',
          'client CPU / conn',
          'node RSS / conn',
          'client RSS / conn',
          'kernel slab / conn',
          'kernel TCP mem / conn',
          'sockets / conn',
        ],
        [
          `${r.pairs} + ${r.pairs}`,
          count(r.attempted),
          count(r.opened),
          count(r.hold.stillOpen),
          count(r.hold.dropped),
          r.stop?.cause ?? 'target reached',
          count(r.connectsPerSecond),
          `${r.cpuMsPerConnection.node} ms`,
          `${r.cpuMsPerConnection.client} ms`,
          kb(per.node),
          kb(per.client),
          kb(per.kernelSlab),
          `${per.kernelTcpMem} B`,
          String(per.sockets),
        ],
      ],
      notes: [
        `Ramp: pairs of one node process and one client process, ${count(plan.perProcess)} connections each ` +
          `(under the 20,000-files rule), ${plan.stages[0]?.length ?? 0} pairs a stage, ${plan.inFlight} handshakes ` +
          `in flight per client, each client bound to its own 127.N.p.1 with explicit ports. ${stoppedBy}. ` +
          `Ramp ${r.rampSeconds} s; ${count(r.failed)} opens failed${r.failed ? ` (${JSON.stringify(r.errors)})` : ''}.`,
        `Limits read before the ramp: ${count(limits.openFilesPerProcess)} open files a process (so ` +
          `${count(plan.perProcess)} connections each, ${plan.stages.flat().length} pairs planned), ephemeral ports ` +
          `${limits.ephemeralPorts.low}–${limits.ephemeralPorts.high} (unused: clients name their ports), ` +
          `${round(limits.memAvailableBytes / 1024 ** 3, 1)} GiB available.`,
        `Opening cost ${round(cpuMs, 2)} ms of CPU per connection (node and client, user + system, holding during the ` +
          `ramp included) and holding ${round(holdUs, 2)} µs per connection a second: holding alone would take ` +
          `${cores} cores at ${holdingCeiling === null ? '–' : count(holdingCeiling)} connections, and ` +
          `${count(plan.target)} need ${targetOpenSeconds === null ? 'more than the cores can give' : `~${count(targetOpenSeconds)} s`} ` +
          `on ${cores} cores doing nothing else.`,
        cpuNote(r),
        `Memory at the end of the hold: nodes ${round(r.memory.nodeRssBytes / 1024 ** 3, 2)} GiB RSS, clients ` +
          `${round(r.memory.clientRssBytes / 1024 ** 3, 2)} GiB; kernel slab and sockstat's TCP memory are machine-wide ` +
          `(growth since before the ramp), MemAvailable ${round(r.memory.kernelAfter.availableBytes / 1024 ** 3, 1)} GiB.`,
        'Clients connect straight to the nodes with tokens signed by the bench for each node (what the auth service issues ' +
          "under direct), so the figure is the nodes' holding capacity; the login path is measured in sections 2 and 3.",
      ],
    };
  },
};
