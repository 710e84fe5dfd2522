import { parseKernelSockets } from '../../bench/harness/kernel-memory';
import { addCpu, cpuSince, parseMachineCpu } from '../../bench/harness/machine-cpu';
import { parseOpenFiles } from '../../bench/harness/socket-limits';
import {
  type CapacityPlan,
  nextStage,
  PER_PROCESS,
  planCapacity,
  type RampState,
  secondsToOpen,
  targetFromEnv,
} from '../../bench/sections/capacity-plan';

const GiB = 1024 ** 3;

describe('planCapacity', () => {
  test('500,000 at full size: 28 pairs of at most 18,000, two a stage, every connection planned once', () => {
    const plan = planCapacity(false);
    const pairs = plan.stages.flat();
    expect(pairs).toHaveLength(28);
    expect(Math.max(...pairs)).toBeLessThanOrEqual(PER_PROCESS);
    expect(pairs.reduce((a, b) => a + b, 0)).toBe(500_000);
    expect(plan.stages.every((s) => s.length <= 2)).toBe(true);
    expect(plan.holdSeconds).toBe(30);
    // The section must end within 13 minutes: ramp, then hold and teardown (decision 0183).
    expect(plan.rampBudgetMs + plan.holdSeconds * 1000).toBeLessThanOrEqual(11.5 * 60_000);
  });

  test('quick ramps in two stages and holds briefly', () => {
    const plan = planCapacity(true);
    expect(plan.stages.length).toBeGreaterThanOrEqual(2);
    expect(plan.stages.flat().reduce((a, b) => a + b, 0)).toBe(plan.target);
    expect(plan.target).toBeLessThanOrEqual(1_000);
  });

  test('BENCH_CAPACITY_TARGET sets the target; a bad value is named', () => {
    expect(targetFromEnv({})).toBeUndefined();
    expect(targetFromEnv({ BENCH_CAPACITY_TARGET: '72000' })).toBe(72_000);
    for (const bad of ['0', '-5', '1.5', 'lots', '2000000'])
      expect(() => targetFromEnv({ BENCH_CAPACITY_TARGET: bad })).toThrow(/^BENCH_CAPACITY_TARGET: got/);
    expect(planCapacity(false, 72_000).stages).toEqual([
      [18_000, 18_000],
      [18_000, 18_000],
    ]);
  });
});

describe('the open-files limit shapes the plan', () => {
  test('a lower ulimit -n gives smaller processes and more pairs; a higher one is capped by the rule', () => {
    const low = planCapacity(false, 500_000, 8_192);
    expect(low.perProcess).toBe(6_192);
    expect(low.stages.flat()).toHaveLength(Math.ceil(500_000 / 6_192));
    expect(planCapacity(false, 500_000, 1_048_576).perProcess).toBe(PER_PROCESS);
    expect(() => planCapacity(false, 500_000, 1_024)).toThrow(/ulimit -n 1024/);
  });

  test('reads the soft limit from /proc/<pid>/limits', () => {
    const limits =
      'Limit  Soft Limit  Hard Limit  Units\nMax open files            20000                20000                files\n';
    expect(parseOpenFiles(limits)).toBe(20_000);
    expect(parseOpenFiles('Max open files   unlimited  unlimited  files')).toBe(Number.POSITIVE_INFINITY);
    expect(() => parseOpenFiles('nothing')).toThrow(/Max open files/);
  });
});

describe('nextStage: the ramp stops at the first limit it meets, and says which', () => {
  const plan: CapacityPlan = planCapacity(false);
  const healthy: RampState = {
    held: 36_000,
    errors: {},
    failed: 0,
    dropped: 0,
    exited: [],
    elapsedMs: 60_000,
    bytesPerConnection: 24 * 1024,
    bytesPerProcess: 70 * 1024 ** 2,
    availableBytes: 18 * GiB,
  };

  test('a healthy ramp goes on', () => {
    expect(nextStage(plan, healthy, 36_000, 4)).toBeUndefined();
  });

  test.each([
    [{ errors: { EMFILE: 3 }, failed: 3 }, 'fd limit'],
    [{ exited: ['node cap-3 exited'] }, 'process exited'],
    [{ dropped: 1 }, 'dropped'],
    [{ errors: { ETIMEDOUT: 100 }, failed: 100 }, 'connect errors'],
    [{ availableBytes: 2.5 * GiB }, 'memory'],
    [{ elapsedMs: 10.9 * 60_000 }, 'time budget'],
  ] as [Partial<RampState>, string][])('%o stops it: %s', (change, cause) => {
    const stop = nextStage(plan, { ...healthy, ...change }, 36_000, 4);
    expect(stop?.cause).toBe(cause);
    expect(stop?.detail).toEqual(expect.any(String));
  });

  test('a few timeouts among many opens are not the capacity', () => {
    expect(nextStage(plan, { ...healthy, failed: 2, errors: { ETIMEDOUT: 2 } }, 36_000, 4)).toBeUndefined();
  });
});

describe('parseKernelSockets', () => {
  test('reads sockstat (TCP memory in pages) and meminfo', () => {
    const sockstat =
      'sockets: used 3857\nTCP: inuse 3787 orphan 0 tw 5368 alloc 3787 mem 110\nUDP: inuse 0 mem 0\n';
    const meminfo = 'MemTotal: 24000000 kB\nMemAvailable:   22432808 kB\nSlab:            1210252 kB\n';
    expect(parseKernelSockets(sockstat, meminfo, 4096)).toEqual({
      socketsUsed: 3857,
      tcpInUse: 3787,
      tcpMemBytes: 110 * 4096,
      slabBytes: 1210252 * 1024,
      availableBytes: 22432808 * 1024,
    });
  });
});

describe('parseMachineCpu', () => {
  test('reads the cpu line of /proc/stat in seconds, nice counted as user, iowait as idle', () => {
    const stat = 'cpu  4115797 563176 1572391 802199 3357 0 51708 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n';
    const cpu = parseMachineCpu(stat);
    expect(cpu.user).toBeCloseTo(46789.73, 2);
    expect(cpu.system).toBeCloseTo(15723.91, 2);
    expect(cpu.idle).toBeCloseTo(8055.56, 2);
    expect(cpu.softirq).toBeCloseTo(517.08, 2);
    expect(cpuSince(cpu, addCpu(cpu, cpu))).toEqual(cpu);
    expect(() => parseMachineCpu('intr 1 2 3')).toThrow(/no "cpu" line/);
  });
});

describe('secondsToOpen', () => {
  test('without holding it is the CPU over the cores; holding slows the ramp as it grows', () => {
    expect(secondsToOpen(500_000, 1, 0, 2)).toBe(250);
    // A step-by-step ramp of 1 s steps agrees with the closed form.
    let held = 0;
    let t = 0;
    while (held < 300_000) {
      held += (2 - 3e-6 * held) / 1e-3;
      t += 1;
    }
    expect(secondsToOpen(300_000, 1, 3, 2)).toBeGreaterThan(t - 2);
    expect(secondsToOpen(300_000, 1, 3, 2)).toBeLessThan(t + 2);
    expect(secondsToOpen(300_000, 1, 3, 2)).toBeGreaterThan(secondsToOpen(300_000, 1, 0, 2));
  });

  test('past the holding ceiling (cores / holding cost) it never gets there', () => {
    expect(secondsToOpen(500_000, 0.7, 4, 2)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(secondsToOpen(499_000, 0.7, 4, 2))).toBe(true);
  });
});
