import { split } from '../../harness/worker/spread';

/**
 * The shape of the capacity ramp: node/client pairs, each pair one node process and one client process
 * holding `perProcess` connections, brought up `pairsPerStage` at a time until the target is held or a
 * limit is met. The figures: docs/decisions/0173-capacity-ramp-shape.md.
 */
export interface CapacityPlan {
  target: number;
  /** Connections per pair, stage by stage: each entry is one pair's count. */
  stages: number[][];
  /** Connections one process holds at most: under the 20,000-files rule, with room for its own files. */
  perProcess: number;
  /** Handshakes in flight in each client process. */
  inFlight: number;
  /** How long one handshake may take before it counts as failed, in ms. */
  openTimeoutMs: number;
  holdSeconds: number;
  /** The whole ramp (not the hold) must end within this, from the section's start, in ms. */
  rampBudgetMs: number;
  /** Past the ramp budget and the hold, how long before a watchdog kills every process of the ramp, in ms. */
  watchdogSlackMs: number;
  /** Memory left to the machine: no stage starts that is projected to leave less available, in bytes. */
  reserveBytes: number;
}

/** The rule's 20,000 files a process, less the node's or client's own. */
export const PER_PROCESS = 18_000;
const GiB = 1024 ** 3;

/** The target a full run ramps toward unless `BENCH_CAPACITY_TARGET` says otherwise. */
export const FULL_TARGET = 500_000;

/**
 * `BENCH_CAPACITY_TARGET` (connections, 1–1,000,000), for a smaller machine or a shorter look; unset: the
 * default. Throws naming the variable when it is not such an integer.
 */
export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.BENCH_CAPACITY_TARGET;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw new Error(
      `BENCH_CAPACITY_TARGET: got ${JSON.stringify(raw)}; accepted: an integer from 1 to 1000000`,
    );
  return n;
}

/** What a process keeps for its own files (bundle, logs, IPC, epoll) below its limit. */
const OWN_FILES = 2_000;
/** The project's rule: no process holds more than this many open files. */
const FILES_RULE = 20_000;

/**
 * The ramp for `target` connections; `openFiles` is the per-process limit read from the machine (`ulimit -n`),
 * of which each process uses at most the rule's 20,000 less its own files.
 */
export function planCapacity(
  quick: boolean,
  target = quick ? 600 : FULL_TARGET,
  openFiles = FILES_RULE,
): CapacityPlan {
  const allowed = Math.min(openFiles, FILES_RULE) - OWN_FILES;
  if (allowed < 100)
    throw new Error(`ulimit -n ${openFiles} leaves no room for a capacity ramp (need 2,100)`);
  const perProcess = Math.min(quick ? 300 : PER_PROCESS, allowed);
  const pairs = split(target, Math.ceil(target / perProcess));
  // Two pairs keep both cores busy (a client and a node each); quick runs one, so it still ramps in two stages.
  const pairsPerStage = quick ? 1 : 2;
  const stages: number[][] = [];
  for (let i = 0; i < pairs.length; i += pairsPerStage) stages.push(pairs.slice(i, i + pairsPerStage));
  return {
    target,
    stages,
    perProcess,
    inFlight: quick ? 32 : 64,
    openTimeoutMs: quick ? 10_000 : 30_000,
    holdSeconds: quick ? 2 : 30,
    rampBudgetMs: quick ? 60_000 : 11 * 60_000,
    watchdogSlackMs: quick ? 30_000 : 90_000,
    reserveBytes: quick ? 0.25 * GiB : 2 * GiB,
  };
}

/** Why the ramp stopped short of the target. */
export type StopCause =
  | 'fd limit'
  | 'memory'
  | 'connect errors'
  | 'dropped'
  | 'process exited'
  | 'time budget';

export interface Stop {
  cause: StopCause;
  detail: string;
}

/** What the ramp has seen after a stage, to decide whether the next may start. */
export interface RampState {
  held: number;
  /** Failed opens in all stages so far, by error. */
  errors: Record<string, number>;
  failed: number;
  dropped: number;
  /** Processes of the ramp that exited while they should hold, e.g. `node cap-3: SIGKILL`. */
  exited: string[];
  elapsedMs: number;
  /** Bytes the machine spends per held connection so far (processes' RSS growth and kernel slab). */
  bytesPerConnection: number;
  /** New processes' own footprint before they hold anything, bytes. */
  bytesPerProcess: number;
  availableBytes: number;
}

/** A stage is not started with less than this left of the ramp budget. */
const MIN_STAGE_MS = 10_000;

/** Error codes that mean a process ran out of file descriptors. */
const FD_ERRORS = ['EMFILE', 'ENFILE'];

/**
 * Whether the next stage (`next` connections, `processes` processes still to start) may start; the first limit
 * met otherwise. Failed opens stop the ramp only past 0.1 % of the attempts (a timeout or two under load is not
 * the capacity); a drop, an exited process, an fd error stop it at once.
 */
export function nextStage(
  plan: CapacityPlan,
  state: RampState,
  next: number,
  processes: number,
): Stop | undefined {
  const fdErrors = FD_ERRORS.reduce((n, code) => n + (state.errors[code] ?? 0), 0);
  if (fdErrors > 0)
    return { cause: 'fd limit', detail: `${fdErrors} opens failed with ${FD_ERRORS.join('/')}` };
  if (state.exited.length > 0) return { cause: 'process exited', detail: state.exited.join(', ') };
  if (state.dropped > 0)
    return { cause: 'dropped', detail: `${state.dropped} connections closed while held` };
  const attempts = state.held + state.failed;
  if (state.failed > Math.max(1, attempts / 1000)) {
    const top = Object.entries(state.errors)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, v]) => `${k} ×${v}`)
      .join(', ');
    return { cause: 'connect errors', detail: `${state.failed} of ${attempts} opens failed (${top})` };
  }
  const needed = next * state.bytesPerConnection + processes * state.bytesPerProcess;
  if (state.availableBytes - needed < plan.reserveBytes) {
    const gib = (b: number) => (b / GiB).toFixed(1);
    return {
      cause: 'memory',
      detail: `the next ${next} need ~${gib(needed)} GiB; ${gib(state.availableBytes)} GiB available, ${gib(plan.reserveBytes)} GiB kept free`,
    };
  }
  // A stage that starts opens until the budget runs out (then it is halted): only one with no time left is skipped.
  if (state.elapsedMs > plan.rampBudgetMs - MIN_STAGE_MS)
    return {
      cause: 'time budget',
      detail: `${Math.round(state.elapsedMs / 1000)} s of the ${plan.rampBudgetMs / 1000} s ramp budget gone`,
    };
  return undefined;
}

/**
 * Seconds to open `target` connections on `cores` doing nothing else, when each costs `openMs` of CPU to open
 * and every held one `holdUs` of CPU a second (the node's pings and the client's pongs): the rate falls as the
 * held ones take more of the cores, dN/dt = (cores − h·N) / c, so t = (c / h) · ln(cores / (cores − h·target)).
 * `Infinity` when holding the target alone would take every core (its ceiling is cores / h).
 */
export function secondsToOpen(target: number, openMs: number, holdUs: number, cores: number): number {
  const c = openMs / 1000;
  const h = holdUs / 1e6;
  if (h <= 0) return (target * c) / cores;
  if (h * target >= cores) return Number.POSITIVE_INFINITY;
  return (c / h) * Math.log(cores / (cores - h * target));
}
