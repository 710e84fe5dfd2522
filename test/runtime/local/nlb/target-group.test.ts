import { Writable } from 'node:stream';
import {
  NLB_HEALTH_CHECK_DEFAULTS,
  type Probe,
  TargetGroupController,
  type TargetGroupOptions,
} from '../../../../runtime/local/nlb';
import { createLogger } from '../../../../runtime/shared/log';

const vip = { host: '127.0.9.9', port: 8000 };
const INTERVAL = 1_000;
const DELAY = 5_000;

/** A controller with a scripted probe and a recording applier, on jest's fake clock. */
function harness(options: Partial<TargetGroupOptions> = {}) {
  const health = new Map<number, boolean | 'timeout'>();
  const probed: number[] = [];
  const rulesets: string[] = [];
  const ended: number[] = [];
  const lines: Record<string, unknown>[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failApply = false;
  const probe: Probe = async (target) => {
    probed.push(target.port);
    const state = health.get(target.port) ?? true;
    if (state === 'timeout') return { ok: false, detail: 'timeout' };
    return { ok: state, detail: state ? '200' : '503' };
  };
  const log = createLogger(
    'test',
    'info',
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const controller = new TargetGroupController({
    vip,
    probe,
    log,
    healthCheck: { intervalMs: INTERVAL, timeoutMs: 500 },
    deregistrationDelayMs: DELAY,
    apply: async (ruleset) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      if (failApply) throw new Error('nft: boom');
      rulesets.push(ruleset);
    },
    endFlows: async (target) => {
      ended.push(target.port);
      return 7;
    },
    ...options,
  });
  /** Ports in the last applied map, or 'reset' when it refuses new flows. */
  const mapped = () => {
    const last = rulesets.at(-1) ?? '';
    if (last.includes('reject with tcp reset')) return 'reset';
    return [...last.matchAll(/127\.0\.0\.1 \. (\d+)/g)].map((m) => Number(m[1]));
  };
  return {
    controller,
    health,
    probed,
    rulesets,
    ended,
    lines,
    mapped,
    maxInFlight: () => maxInFlight,
    setFailApply: (v: boolean) => {
      failApply = v;
    },
  };
}

const tick = (ms: number) => jest.advanceTimersByTimeAsync(ms);
/** Lets an apply in flight (10 ms on the fake clock) finish. */
const settle = async (p: Promise<void>) => {
  await tick(20);
  await p;
};

jest.setTimeout(5_000);
const state = (h: ReturnType<typeof harness>, id: string) =>
  h.controller.targets().find((t) => t.id === id)?.state;

describe('TargetGroupController', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('defaults to the CDK nlb stack’s health check: /healthz every 10 s, 2 healthy, 2 unhealthy, 6 s timeout', () => {
    expect(NLB_HEALTH_CHECK_DEFAULTS).toEqual({
      path: '/healthz',
      intervalMs: 10_000,
      timeoutMs: 6_000,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    });
    const c = new TargetGroupController({ vip, apply: async () => {}, endFlows: async () => 0 });
    expect(c.healthCheck).toEqual(NLB_HEALTH_CHECK_DEFAULTS);
    expect(c.deregistrationDelayMs).toBe(30_000);
  });

  it('resets new flows until a target has passed healthyThreshold checks, then maps the healthy ones', async () => {
    const h = harness();
    await settle(h.controller.start());
    expect(h.mapped()).toBe('reset');
    h.controller.register({ id: 'a', host: '127.0.0.1', port: 9101 });
    h.controller.register({ id: 'b', host: '127.0.0.1', port: 9102 });
    await tick(0);
    expect(state(h, 'a')).toBe('initial');
    expect(h.mapped()).toBe('reset');
    await tick(INTERVAL);
    expect(h.controller.targets().map((t) => [t.id, t.state])).toEqual([
      ['a', 'healthy'],
      ['b', 'healthy'],
    ]);
    await tick(20);
    expect(h.mapped()).toEqual([9101, 9102]);
    expect(h.maxInFlight()).toBe(1);
    expect(
      h.lines.filter((l) => l.event === 'target-state').map((l) => `${l.id}:${l.from}->${l.to}`),
    ).toEqual([
      'a:unregistered->initial',
      'b:unregistered->initial',
      'a:initial->healthy',
      'b:initial->healthy',
    ]);
    await settle(h.controller.close());
  });

  it('takes a target out after unhealthyThreshold failed checks (interval × threshold), with the NLB’s reason', async () => {
    const h = harness();
    h.controller.register({ id: 'a', host: '127.0.0.1', port: 9101 });
    h.controller.register({ id: 'b', host: '127.0.0.1', port: 9102 });
    h.controller.register({ id: 'c', host: '127.0.0.1', port: 9103 });
    await tick(INTERVAL + 20);
    expect(h.mapped()).toEqual([9101, 9102, 9103]);
    h.health.set(9102, false);
    h.health.set(9103, 'timeout');
    await tick(2 * INTERVAL - 30);
    expect(state(h, 'b')).toBe('healthy');
    await tick(10);
    expect(h.controller.targets().map((t) => [t.id, t.state, t.reason])).toEqual([
      ['a', 'healthy', ''],
      ['b', 'unhealthy', 'Target.ResponseCodeMismatch (503)'],
      ['c', 'unhealthy', 'Target.Timeout (timeout)'],
    ]);
    await tick(20);
    expect(h.mapped()).toEqual([9101]);
    h.health.set(9102, true);
    await tick(2 * INTERVAL + 20);
    expect(h.mapped()).toEqual([9101, 9102]);
    await settle(h.controller.close());
  });

  it('fails open to the unhealthy targets when none is healthy, as the NLB does; or resets when told not to', async () => {
    for (const failOpen of [true, false]) {
      const h = harness({ failOpen });
      const applied: boolean[] = [];
      h.controller.on('applied', (a) => applied.push(a.failOpen));
      h.health.set(9101, false);
      h.controller.register({ id: 'a', host: '127.0.0.1', port: 9101 });
      await tick(INTERVAL + 20);
      expect(state(h, 'a')).toBe('unhealthy');
      expect(h.mapped()).toEqual(failOpen ? [9101] : 'reset');
      expect(applied.at(-1)).toBe(failOpen);
      await settle(h.controller.close());
    }
  });

  it('drains a deregistered target: no new flows at once, its flows ended only after the delay', async () => {
    const h = harness();
    h.controller.register({ id: 'a', host: '127.0.0.1', port: 9101 });
    h.controller.register({ id: 'b', host: '127.0.0.1', port: 9102 });
    await tick(INTERVAL + 20);
    let removed = false;
    const done = h.controller.deregister('a').then(() => {
      removed = true;
    });
    expect(state(h, 'a')).toBe('draining');
    expect(h.controller.deregister('a')).toBe(h.controller.deregister('a'));
    await tick(20);
    expect(h.mapped()).toEqual([9102]);
    const probesBefore = h.probed.filter((p) => p === 9101).length;
    await tick(DELAY - 40);
    expect(h.ended).toEqual([]);
    expect(removed).toBe(false);
    await tick(30);
    await done;
    expect(h.ended).toEqual([9101]);
    expect(h.controller.targets().map((t) => t.id)).toEqual(['b']);
    expect(h.probed.filter((p) => p === 9101).length).toBe(probesBefore);
    expect(h.lines.find((l) => l.event === 'flows-ended')).toMatchObject({ id: 'a', ended: 7 });
    await settle(h.controller.close());
  });

  it('retries a failed apply at the next check, never two applies at once', async () => {
    const h = harness();
    h.setFailApply(true);
    h.controller.register({ id: 'a', host: '127.0.0.1', port: 9101 });
    await tick(INTERVAL + 20);
    expect(h.rulesets).toEqual([]);
    expect(h.lines.some((l) => l.event === 'ruleset-apply-failed' && l.level === 'error')).toBe(true);
    h.setFailApply(false);
    await tick(INTERVAL + 20);
    expect(h.mapped()).toEqual([9101]);
    expect(h.maxInFlight()).toBe(1);
    await settle(h.controller.close());
  });

  it('fails to start when the first ruleset cannot be applied', async () => {
    const h = harness();
    h.setFailApply(true);
    const started = expect(h.controller.start()).rejects.toThrow(
      'the first nlb ruleset could not be applied',
    );
    await tick(20);
    await started;
  });

  it('rejects bad settings and bad calls with precise messages', async () => {
    expect(
      () =>
        new TargetGroupController({
          vip,
          apply: async () => {},
          endFlows: async () => 0,
          healthCheck: { intervalMs: 100, timeoutMs: 100, healthyThreshold: 0, path: 'healthz' },
        }),
    ).toThrow(
      'invalid nlb health check:\n  healthCheck.healthyThreshold: an integer in [1, 10] (got 0)\n' +
        '  healthCheck.timeoutMs: below intervalMs (100) (got 100)\n  healthCheck.path: starts with / (got healthz)',
    );
    const h = harness();
    h.controller.register({ id: 'a', host: '127.0.0.1', port: 9101 });
    expect(() => h.controller.register({ id: 'a', host: '127.0.0.1', port: 9102 })).toThrow(
      'target a is already registered',
    );
    await expect(h.controller.deregister('zz')).rejects.toThrow('target zz is not registered');
    await settle(h.controller.close());
  });

  it('close() stops the checks and settles a pending deregistration without ending its flows', async () => {
    const h = harness();
    h.controller.register({ id: 'a', host: '127.0.0.1', port: 9101 });
    await tick(INTERVAL + 20);
    const pending = h.controller.deregister('a');
    await tick(20);
    await settle(h.controller.close());
    await pending;
    const probes = h.probed.length;
    await tick(DELAY * 2);
    expect(h.ended).toEqual([]);
    expect(h.probed.length).toBe(probes);
  });
});
