import { EventEmitter } from 'node:events';
import { InvalidInputError } from '../../contract/errors';
import { createLogger, type Logger } from '../../shared/log';
import { httpProbe, type Probe, type ProbeResult } from './health-probe';
import { renderRuleset } from './render-ruleset';
import {
  type Endpoint,
  type HealthCheckSettings,
  NLB_DEREGISTRATION_DELAY_MS_DEFAULT,
  NLB_HEALTH_CHECK_DEFAULTS,
  type TargetSpec,
  type TargetState,
  validateHealthCheck,
} from './settings';

export interface TargetStatus extends TargetSpec {
  state: TargetState;
  /** The NLB's reason code for the state, e.g. `Target.ResponseCodeMismatch`. */
  reason: string;
}

export interface TargetChange {
  id: string;
  from: TargetState | 'unregistered';
  to: TargetState | 'unregistered';
  reason: string;
  at: number;
}

export interface RulesetApplied {
  /** Ids of the targets new flows now go to, in map order. */
  targets: string[];
  /** True when no target is healthy and flows go to the unhealthy ones (the NLB fails open). */
  failOpen: boolean;
  at: number;
}

export interface TargetGroupOptions {
  vip: Endpoint;
  /** Applies a whole ruleset atomically (the real one: `nft -f -` inside the namespace). */
  apply: (ruleset: string) => Promise<void>;
  /** Ends the target's remaining flows once its deregistration delay is over; resolves with how many. */
  endFlows: (target: Endpoint) => Promise<number>;
  /** @default NLB_HEALTH_CHECK_DEFAULTS (the CDK stack's values) */
  healthCheck?: Partial<HealthCheckSettings>;
  /** How long a deregistered target keeps its established flows. @default 30000 (the stack's drainSeconds) */
  deregistrationDelayMs?: number;
  /** When no target is healthy, send new flows to the unhealthy ones, as the NLB does. @default true */
  failOpen?: boolean;
  /** @default 'wslb_nlb' */
  table?: string;
  /** @default httpProbe */
  probe?: Probe;
  /** @default createLogger('wslb-nlb') */
  log?: Logger;
}

interface Entry {
  spec: TargetSpec;
  state: TargetState;
  reason: string;
  successes: number;
  failures: number;
  timer?: NodeJS.Timeout;
  removed?: Promise<void>;
}

/**
 * The local mirror of an NLB target group: registration, HTTP health checks with thresholds, draining with a
 * deregistration delay, then connection termination. Every change of the set of targets new flows may go to
 * is rendered as a whole ruleset and handed to `apply`, one at a time.
 */
export class TargetGroupController extends EventEmitter<{
  change: [TargetChange];
  applied: [RulesetApplied];
}> {
  readonly healthCheck: HealthCheckSettings;
  readonly deregistrationDelayMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private readonly probe: Probe;
  private readonly drainTimers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private appliedKey: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: TargetGroupOptions) {
    super();
    this.healthCheck = validateHealthCheck({ ...NLB_HEALTH_CHECK_DEFAULTS, ...options.healthCheck });
    this.deregistrationDelayMs = options.deregistrationDelayMs ?? NLB_DEREGISTRATION_DELAY_MS_DEFAULT;
    if (!Number.isInteger(this.deregistrationDelayMs) || this.deregistrationDelayMs < 0) {
      throw new InvalidInputError('nlb target group', [
        `deregistrationDelayMs: a non-negative integer (got ${this.deregistrationDelayMs})`,
      ]);
    }
    this.log = options.log ?? createLogger('wslb-nlb');
    this.probe = options.probe ?? httpProbe;
  }

  /** Applies the first ruleset (no target yet: new flows to the VIP are reset); throws if that fails. */
  async start(): Promise<void> {
    await this.sync();
    if (this.appliedKey === undefined)
      throw new Error('the first nlb ruleset could not be applied; see the log');
  }

  /** Registers a target in state `initial`; health checks start at once. */
  register(spec: TargetSpec): void {
    if (this.closed) throw new Error('target group is closed');
    if (this.entries.has(spec.id)) throw new Error(`target ${spec.id} is already registered`);
    const entry: Entry = { spec: { ...spec }, state: 'initial', reason: '', successes: 0, failures: 0 };
    this.entries.set(spec.id, entry);
    this.transition(entry, 'initial', 'Elb.RegistrationInProgress', 'unregistered');
    this.schedule(entry, 0);
  }

  /**
   * Starts draining: the target gets no new flow from the next applied ruleset on, keeps its established flows
   * for the deregistration delay, then they are ended and the target is gone. Resolves then.
   */
  deregister(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return Promise.reject(new Error(`target ${id} is not registered`));
    if (entry.removed) return entry.removed;
    clearTimeout(entry.timer);
    this.transition(entry, 'draining', 'Target.DeregistrationInProgress');
    entry.removed = this.drain(entry);
    return entry.removed;
  }

  targets(): TargetStatus[] {
    return [...this.entries.values()].map((e) => ({ ...e.spec, state: e.state, reason: e.reason }));
  }

  /** Resolves once every listed target is healthy (and the ruleset sending flows to them is applied). */
  whenHealthy(ids: string[], timeoutMs: number): Promise<void> {
    const ready = () =>
      ids.every((id) => this.entries.get(id)?.state === 'healthy') && this.appliedKey === this.poolKey();
    return new Promise((resolve, reject) => {
      if (ready()) return resolve();
      const check = () => {
        if (!ready()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`targets not healthy within ${timeoutMs} ms: ${JSON.stringify(this.targets())}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('applied', check);
      };
      this.on('applied', check);
    });
  }

  /** Stops health checks and pending drains (their flows are left alone); waits for an apply in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    for (const pending of this.drainTimers) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.drainTimers.clear();
    await this.queue;
  }

  private async drain(entry: Entry): Promise<void> {
    await this.sync();
    const finished = await new Promise<boolean>((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.drainTimers.delete(pending);
          resolve(true);
        }, this.deregistrationDelayMs),
        resolve: () => resolve(false),
      };
      this.drainTimers.add(pending);
    });
    if (!finished) return;
    let ended = 0;
    try {
      ended = await this.options.endFlows(entry.spec);
    } catch (error) {
      this.log.error({ event: 'end-flows-failed', id: entry.spec.id, err: (error as Error).message });
    }
    this.log.info({ event: 'flows-ended', id: entry.spec.id, ended });
    this.entries.delete(entry.spec.id);
    this.transition(entry, 'unregistered', 'Target.NotRegistered');
  }

  private schedule(entry: Entry, delayMs: number): void {
    entry.timer = setTimeout(() => void this.check(entry), delayMs);
  }

  private async check(entry: Entry): Promise<void> {
    const started = Date.now();
    const { path, timeoutMs, intervalMs } = this.healthCheck;
    const result = await this.probe(entry.spec, path, timeoutMs);
    if (this.closed || entry.state === 'draining' || this.entries.get(entry.spec.id) !== entry) return;
    this.record(entry, result);
    this.schedule(entry, Math.max(0, intervalMs - (Date.now() - started)));
    // Also retries an apply that failed earlier.
    void this.sync();
  }

  private record(entry: Entry, result: ProbeResult): void {
    const { healthyThreshold, unhealthyThreshold } = this.healthCheck;
    if (result.ok) {
      entry.failures = 0;
      entry.successes++;
      if (entry.state !== 'healthy' && entry.successes >= healthyThreshold) {
        this.transition(entry, 'healthy', '');
      }
      return;
    }
    entry.successes = 0;
    entry.failures++;
    if (entry.state !== 'unhealthy' && entry.failures >= unhealthyThreshold) {
      const reason =
        result.detail === 'timeout'
          ? 'Target.Timeout'
          : /^\d+$/.test(result.detail)
            ? 'Target.ResponseCodeMismatch'
            : 'Target.FailedHealthChecks';
      this.transition(entry, 'unhealthy', `${reason} (${result.detail})`);
    }
  }

  private transition(
    entry: Entry,
    to: TargetState | 'unregistered',
    reason: string,
    from: TargetState | 'unregistered' = entry.state,
  ): void {
    if (to !== 'unregistered') entry.state = to;
    entry.reason = reason;
    const change: TargetChange = { id: entry.spec.id, from, to, reason, at: Date.now() };
    this.log.info({ event: 'target-state', ...change });
    this.emit('change', change);
    void this.sync();
  }

  /** Healthy targets in registration order; when there are none, the unhealthy ones if failing open. */
  private pool(): { targets: TargetSpec[]; failOpen: boolean } {
    const all = [...this.entries.values()];
    const healthy = all.filter((e) => e.state === 'healthy').map((e) => e.spec);
    if (healthy.length > 0 || this.options.failOpen === false) return { targets: healthy, failOpen: false };
    const unhealthy = all.filter((e) => e.state === 'unhealthy').map((e) => e.spec);
    return { targets: unhealthy, failOpen: unhealthy.length > 0 };
  }

  private poolKey(): string {
    return this.pool()
      .targets.map((t) => `${t.id}@${t.host}:${t.port}`)
      .join(',');
  }

  /** Queue an apply of the current pool; skipped when the kernel already has it. Never rejects. */
  private sync(): Promise<void> {
    const run = this.queue.then(() => this.applyNow());
    this.queue = run;
    return run;
  }

  private async applyNow(): Promise<void> {
    const key = this.poolKey();
    if (this.closed || key === this.appliedKey) return;
    const { targets, failOpen } = this.pool();
    const ruleset = renderRuleset({ vip: this.options.vip, targets, table: this.options.table });
    try {
      await this.options.apply(ruleset);
    } catch (error) {
      this.log.error({ event: 'ruleset-apply-failed', err: (error as Error).message });
      return;
    }
    this.appliedKey = key;
    const applied: RulesetApplied = { targets: targets.map((t) => t.id), failOpen, at: Date.now() };
    this.log.info({ event: 'ruleset-applied', ...applied });
    this.emit('applied', applied);
  }
}
