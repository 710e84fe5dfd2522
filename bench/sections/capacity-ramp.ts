import { killGroup, onCleanup } from '../../harness/cleanup';
import { NodeRig } from '../../harness/node-rig';
import { cpuTimes, rssBytes } from '../../harness/proc';
import { Progress, say } from '../../harness/progress';
import { sleep } from '../../harness/stats';
import { Worker } from '../../harness/worker/worker';
import { HEARTBEAT_MS } from '../../runtime/contract/defaults';
import type { NodeProcess } from '../../runtime/local/node-process';
import { type KernelSockets, readKernelSockets } from '../harness/kernel-memory';
import { addCpu, cpuSince, type MachineCpu, readMachineCpu } from '../harness/machine-cpu';
import type { Build } from '../harness/worker-build';
import type { IdleJob, IdleStatus } from '../workers/idle-worker';
import type { OpenedSockets } from '../workers/open-sockets';
import { type CapacityPlan, nextStage, type RampState, type Stop } from './capacity-plan';

type CpuTimes = { user: number; system: number };

/** One node process and the client process that holds `count` connections to it. */
export interface RampPair {
  index: number;
  count: number;
  node: NodeProcess;
  client: Worker<IdleJob & { deadlineMs: number }, OpenedSockets, IdleStatus>;
  nodeBaseRss: number;
  clientBaseRss: number;
  /** CPU seconds each had used once started, before it held anything. */
  nodeBaseCpu: CpuTimes;
  clientBaseCpu: CpuTimes;
  result?: OpenedSockets;
  /** Why its job gave no result (the client died, or did not answer in time). */
  error?: string;
}

export interface RampResult {
  target: number;
  pairs: number;
  /** Connections the started stages tried. */
  attempted: number;
  opened: number;
  failed: number;
  errors: Record<string, number>;
  /** The first limit met; `undefined` when every stage ran. */
  stop?: Stop;
  rampSeconds: number;
  connectsPerSecond: number;
  /**
   * CPU (user + system) the nodes and clients spent opening, per connection opened, in ms: the machine-independent
   * cost of the ramp, from which the time to open the target on idle cores follows.
   */
  cpuMsPerConnection: { node: number; client: number };
  /** The same, split into user and system time (ms per connection opened). */
  cpuSplitMsPerConnection: { node: CpuTimes; client: CpuTimes };
  /**
   * The whole machine's CPU (all cores) over the opening windows only, in ms per connection opened: with the
   * processes' own time it shows what is left, chiefly the kernel's softirq for loopback TCP. Machine-wide, so
   * it includes whatever else ran meanwhile.
   */
  machineCpuMsPerConnection: MachineCpu;
  hold: { seconds: number; openAtStart: number; stillOpen: number; dropped: number };
  /**
   * CPU the nodes and clients spent while only holding (the hold window: pings, pongs, heartbeats), in µs per
   * held connection per second: what every second of a long ramp costs on top of opening.
   */
  holdCpuUsPerConnectionSecond: { node: number; client: number };
  memory: {
    nodeRssBytes: number;
    clientRssBytes: number;
    /** Growth since the processes started (nodes, clients) or since before the ramp (kernel), per held connection. */
    perConnection: {
      node: number;
      client: number;
      kernelTcpMem: number;
      kernelSlab: number;
      sockets: number;
    };
    kernelBefore: KernelSockets;
    kernelAfter: KernelSockets;
  };
}

/** Hooks for tests: run after each stage has opened, before the next is judged. */
export interface RampHooks {
  afterStage?(stage: number, pairs: readonly RampPair[]): void | Promise<void>;
}

const STATUS_TIMEOUT_MS = 15_000;
/** Before anything is measured: ~what a node, a client and the kernel spend per connection here. */
const FIRST_GUESS = { bytesPerConnection: 40 * 1024, bytesPerProcess: 80 * 1024 ** 2 };

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Each pair's client status; a client that is gone or silent counts as holding nothing. */
async function statuses(pairs: readonly RampPair[]): Promise<(IdleStatus | undefined)[]> {
  return Promise.all(
    pairs.map((p) =>
      withTimeout(p.client.status(), STATUS_TIMEOUT_MS, `client ${p.index}`).catch((err: Error) => {
        p.error ??= err.message;
        return undefined;
      }),
    ),
  );
}

/** The processes of the ramp that are no longer running, with how they ended. */
function exitedProcesses(pairs: readonly RampPair[]): string[] {
  const out: string[] = [];
  for (const p of pairs) {
    if (!p.node.running) out.push(`node ${p.node.nodeId} exited`);
    const exit = p.client.exit;
    if (exit) out.push(`client ${p.index} exited (${exit.code ?? exit.signal})`);
  }
  return out;
}

const rssOf = (pairs: readonly RampPair[], side: 'node' | 'client') =>
  sum(pairs.map((p) => rssBytes(side === 'node' ? p.node.pid : p.client.pid)));

/**
 * Ramps node/client pairs toward `plan.target` stage by stage, holds what it reached for `plan.holdSeconds`
 * and reports the count held, where and why it stopped, and where the memory went. Never throws for a
 * process that dies or a limit met: those end the ramp and are reported. Everything it starts is stopped
 * by PID before it returns, also on failure.
 */
export async function runRamp(build: Build, plan: CapacityPlan, hooks: RampHooks = {}): Promise<RampResult> {
  const started = Date.now();
  const kernelBefore = readKernelSockets();
  const rig = await NodeRig.start(build.nodeBundle);
  const unregister = onCleanup(
    'capacity rig',
    () => rig.stop(),
    () => rig.killNow(),
  );
  const pairs: RampPair[] = [];
  // A loopback network of this run's own (127.N.p.1 for pair p): its ports are free, whatever ran before.
  const net = 100 + Math.floor(Math.random() * 150);
  const bar = new Progress(`ramping to ${plan.target} in ${plan.stages.length} stages`, plan.target);
  let stop: Stop | undefined;
  let rampMs = 0;
  // Every pair started, opened or not: the watchdog's list.
  const everyPair: RampPair[] = [];
  // Every wait of the ramp is bounded on its own; should one still hang, killing the processes settles them all.
  const watchdogMs = plan.rampBudgetMs + plan.holdSeconds * 1000 + plan.watchdogSlackMs;
  let watchdogStop: Stop | undefined;
  const watchdog = setTimeout(() => {
    say(
      JSON.stringify({
        event: 'capacity watchdog',
        afterSeconds: watchdogMs / 1000,
        killing: everyPair.length * 2,
      }),
    );
    watchdogStop = {
      cause: 'time budget',
      detail: `the watchdog killed every process after ${watchdogMs / 1000} s`,
    };
    for (const p of everyPair) killGroup(p.client.pid);
    rig.killNow();
  }, watchdogMs);
  /** Time spent opening (node and client starts left out), for the connect rate. */
  let openingMs = 0;
  let machineOpening: MachineCpu | undefined;
  try {
    const observe = async (): Promise<RampState> => {
      const now = await statuses(pairs);
      const held = sum(now.map((s) => s?.open ?? 0));
      const nodeGrowth = rssOf(pairs, 'node') - sum(pairs.map((p) => p.nodeBaseRss));
      const clientGrowth = rssOf(pairs, 'client') - sum(pairs.map((p) => p.clientBaseRss));
      const kernel = readKernelSockets();
      const measured = held > 1_000;
      return {
        held,
        errors: mergeErrors(pairs),
        failed: sum(now.map((s, i) => s?.failed ?? pairs[i].result?.failed ?? 0)),
        dropped: sum(now.map((s) => s?.dropped ?? 0)),
        exited: exitedProcesses(pairs),
        elapsedMs: Date.now() - started,
        bytesPerConnection: measured
          ? Math.max(0, nodeGrowth + clientGrowth + kernel.slabBytes - kernelBefore.slabBytes) / held
          : FIRST_GUESS.bytesPerConnection,
        bytesPerProcess: pairs.length
          ? sum(pairs.map((p) => p.nodeBaseRss + p.clientBaseRss)) / (2 * pairs.length)
          : FIRST_GUESS.bytesPerProcess,
        availableBytes: kernel.availableBytes,
      };
    };

    const startStage = async (counts: number[], first: number): Promise<RampPair[]> => {
      const out: RampPair[] = [];
      try {
        for (const count of counts) {
          out.push(await startPair(build, rig, first + out.length, count));
          everyPair.push(out[out.length - 1]);
        }
        return out;
      } catch (err) {
        await stopClients(out);
        throw err;
      }
    };
    // The next stage's processes start while this one opens, so their start-up hides in its opening.
    let ready: Promise<RampPair[]> | undefined;
    const prestart = (index: number) => {
      const counts = plan.stages[index];
      ready = counts ? startStage(counts, pairs.length) : undefined;
      ready?.catch(() => undefined);
    };
    prestart(0);
    for (const [stage, counts] of plan.stages.entries()) {
      let stagePairs: RampPair[];
      try {
        stagePairs = await ready!;
      } catch (err) {
        stop = { cause: 'process exited', detail: `a pair did not start: ${(err as Error).message}` };
        ready = undefined;
        break;
      }
      ready = undefined;
      stop = watchdogStop ?? nextStage(plan, await observe(), sum(counts), 0);
      if (stop) {
        await stopClients(stagePairs);
        break;
      }
      pairs.push(...stagePairs);
      prestart(stage + 1);
      const openedBefore = sum(pairs.map((p) => p.result?.opened ?? 0));
      const stageStart = Date.now();
      const machineBefore = readMachineCpu();
      const timeLeft = plan.rampBudgetMs - (stageStart - started);
      const timedOut = await openStage(plan, stagePairs, net, rig, timeLeft, (n) =>
        bar.update(openedBefore + n),
      );
      openingMs += Date.now() - stageStart;
      const stageCpu = cpuSince(machineBefore, readMachineCpu());
      machineOpening = machineOpening ? addCpu(machineOpening, stageCpu) : stageCpu;
      if (timedOut) {
        stop = {
          cause: 'time budget',
          detail: `stage ${stage + 1} of ${plan.stages.length} was still opening when the ${plan.rampBudgetMs / 1000} s ramp budget ran out`,
        };
        break;
      }
      await hooks.afterStage?.(stage, pairs);
    }
    // A stage started ahead that will not open.
    if (ready) await (ready as Promise<RampPair[]>).then(stopClients, () => undefined);
    rampMs = Date.now() - started;
    bar.done();
    const cpuGrowth = (side: 'node' | 'client', part: keyof CpuTimes) =>
      sum(
        pairs.map((p) =>
          side === 'node'
            ? cpuTimes(p.node.pid)[part] - p.nodeBaseCpu[part]
            : cpuTimes(p.client.pid)[part] - p.clientBaseCpu[part],
        ),
      );
    const openedByNow = sum((await statuses(pairs)).map((s, i) => s?.opened ?? pairs[i].result?.opened ?? 0));
    const perOpened = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, openedByNow)) / 1000;
    const split = (side: 'node' | 'client') => ({
      user: perOpened(cpuGrowth(side, 'user')),
      system: perOpened(cpuGrowth(side, 'system')),
    });
    const cpuSplitMsPerConnection = { node: split('node'), client: split('client') };
    const cpuMsPerConnection = {
      node: perOpened(cpuGrowth('node', 'user') + cpuGrowth('node', 'system')),
      client: perOpened(cpuGrowth('client', 'user') + cpuGrowth('client', 'system')),
    };
    const machine = machineOpening ?? cpuSince(readMachineCpu(), readMachineCpu());
    const machineCpuMsPerConnection = { ...machine };
    for (const k of Object.keys(machine) as (keyof MachineCpu)[])
      machineCpuMsPerConnection[k] = perOpened(machine[k]);
    // What the last stage left: a drop, an exited process or failed opens end the run there too.
    stop = watchdogStop ?? stop;
    stop ??= nextStage({ ...plan, reserveBytes: -Infinity, rampBudgetMs: Infinity }, await observe(), 0, 0);

    const holdStart = await statuses(pairs);
    const openAtStart = sum(holdStart.map((s) => s?.open ?? 0));
    const droppedAtStart = sum(holdStart.map((s) => s?.dropped ?? 0));
    const processCpu = () => ({
      node: sum(pairs.map((p) => cpuTimes(p.node.pid).user + cpuTimes(p.node.pid).system)),
      client: sum(pairs.map((p) => cpuTimes(p.client.pid).user + cpuTimes(p.client.pid).system)),
    });
    const holdCpuBefore = processCpu();
    const holdStarted = Date.now();
    const hold = new Progress(`holding ${openAtStart} for ${plan.holdSeconds} s`, plan.holdSeconds);
    for (let s = 1; s <= plan.holdSeconds; s++) {
      await sleep(1_000);
      hold.update(s);
    }
    hold.done();
    const holdEnd = await statuses(pairs);
    const holdCpuAfter = processCpu();
    const connectionSeconds = Math.max(1, openAtStart) * ((Date.now() - holdStarted) / 1000);
    const holdUs = (side: 'node' | 'client') =>
      Math.round(((holdCpuAfter[side] - holdCpuBefore[side]) * 1e8) / connectionSeconds) / 100;
    const stillOpen = sum(holdEnd.map((s) => s?.open ?? 0));
    // A client that died during the hold took its sockets with it: they count as dropped.
    const dropped =
      sum(holdEnd.map((s) => s?.dropped ?? 0)) -
      droppedAtStart +
      sum(holdEnd.map((s, i) => (s ? 0 : (holdStart[i]?.open ?? 0))));
    const kernelAfter = readKernelSockets();
    const nodeRss = rssOf(pairs, 'node');
    const clientRss = rssOf(pairs, 'client');
    const per = (bytes: number) => Math.round(bytes / Math.max(1, stillOpen));
    // A client halted by the budget may not have answered its run: its status still counts what it opened.
    const opened = sum(pairs.map((p, i) => Math.max(p.result?.opened ?? 0, holdStart[i]?.opened ?? 0)));
    return {
      target: plan.target,
      pairs: pairs.length,
      attempted: sum(pairs.map((p) => p.count)),
      opened,
      failed: sum(pairs.map((p, i) => Math.max(p.result?.failed ?? 0, holdStart[i]?.failed ?? 0))),
      errors: mergeErrors(pairs),
      // The watchdog may have fired during the hold too.
      ...((watchdogStop ?? stop) ? { stop: watchdogStop ?? stop } : {}),
      rampSeconds: Math.round(rampMs / 100) / 10,
      connectsPerSecond: Math.round((opened * 1000) / Math.max(1, openingMs)),
      cpuMsPerConnection,
      cpuSplitMsPerConnection,
      machineCpuMsPerConnection,
      hold: { seconds: plan.holdSeconds, openAtStart, stillOpen, dropped },
      holdCpuUsPerConnectionSecond: { node: holdUs('node'), client: holdUs('client') },
      memory: {
        nodeRssBytes: nodeRss,
        clientRssBytes: clientRss,
        perConnection: {
          node: per(nodeRss - sum(pairs.map((p) => p.nodeBaseRss))),
          client: per(clientRss - sum(pairs.map((p) => p.clientBaseRss))),
          kernelTcpMem: per(kernelAfter.tcpMemBytes - kernelBefore.tcpMemBytes),
          kernelSlab: per(kernelAfter.slabBytes - kernelBefore.slabBytes),
          sockets:
            Math.round(
              ((kernelAfter.socketsUsed - kernelBefore.socketsUsed) / Math.max(1, stillOpen)) * 100,
            ) / 100,
        },
        kernelBefore,
        kernelAfter,
      },
    };
  } finally {
    clearTimeout(watchdog);
    bar.done();
    await Promise.all(everyPair.map((p) => p.client.stop(10_000)));
    await rig.stop();
    unregister();
  }
}

const stopClients = (pairs: readonly RampPair[]) =>
  Promise.all(pairs.map((p) => p.client.stop(5_000))).then(() => undefined);

function mergeErrors(pairs: readonly RampPair[]): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const p of pairs) {
    for (const [k, v] of Object.entries(p.result?.errors ?? {})) errors[k] = (errors[k] ?? 0) + v;
    if (p.error) errors[p.error] = (errors[p.error] ?? 0) + 1;
  }
  return errors;
}

async function startPair(build: Build, rig: NodeRig, index: number, count: number): Promise<RampPair> {
  // The deployed heartbeat interval, not the rig's faster one: held nodes pay for every beat (and its path check).
  const node = await rig.startNode(`cap-${index + 1}`, count + 500, { HEARTBEAT_MS: String(HEARTBEAT_MS) });
  const client = new Worker<IdleJob & { deadlineMs: number }, OpenedSockets, IdleStatus>(build, 'idle');
  try {
    await withTimeout(client.status(), 30_000, `client ${index} start`);
  } catch (err) {
    await client.stop(1_000);
    throw err;
  }
  return {
    index,
    count,
    node,
    client,
    nodeBaseRss: rssBytes(node.pid),
    clientBaseRss: rssBytes(client.pid),
    nodeBaseCpu: cpuTimes(node.pid),
    clientBaseCpu: cpuTimes(client.pid),
  };
}

/**
 * Opens every pair of a stage at once, each client to its node; past `timeLeftMs` the clients are told to
 * stop starting handshakes and the stage ends with what it has. Resolves whether the budget ran out.
 */
async function openStage(
  plan: CapacityPlan,
  stage: RampPair[],
  net: number,
  rig: NodeRig,
  timeLeftMs: number,
  onProgress: (opened: number) => void,
): Promise<boolean> {
  const progress = stage.map(() => 0);
  const runs = stage.map((p, i) =>
    p.client
      .run(
        {
          target: { url: p.node.endpoint, audience: p.node.nodeId },
          keyFile: rig.secrets.tokenSecretFile,
          count: p.count,
          inFlight: plan.inFlight,
          openTimeoutMs: plan.openTimeoutMs,
          source: { address: `127.${net}.${p.index + 1}.1`, firstPort: 10_000 },
          // The client's own watchdog: it exits by itself if this run never stops it.
          deadlineMs: plan.rampBudgetMs + plan.holdSeconds * 1000 + 180_000,
        },
        (n) => {
          progress[i] = n;
          onProgress(sum(progress));
        },
      )
      .then(
        (result) => {
          p.result = result;
        },
        (err: Error) => {
          p.error = err.message;
        },
      ),
  );
  const all = Promise.all(runs).then(() => false);
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), Math.max(0, timeLeftMs));
  });
  const timedOut = await Promise.race([all, outOfTime]);
  clearTimeout(timer);
  if (!timedOut) return false;
  await Promise.all(stage.map((p) => p.client.call('halt').catch(() => undefined)));
  // Handshakes in flight end within their own timeout; past that the stage is judged on what answered.
  await Promise.race([all, sleep(plan.openTimeoutMs + 5_000)]);
  return true;
}
