import { type Build, buildWorkers } from '../../bench/harness/worker-build';
import { planCapacity } from '../../bench/sections/capacity-plan';
import { type RampPair, runRamp } from '../../bench/sections/capacity-ramp';
import { cleanupAll } from '../../harness/cleanup';
import { until } from '../../harness/stats';

const alive = (pid: number | undefined) => {
  try {
    process.kill(pid!, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the capacity ramp when one of its processes dies', () => {
  let build: Build;
  beforeAll(() => {
    build = buildWorkers();
  });
  afterAll(() => cleanupAll());

  test('reports the count held, the cause and the process, instead of throwing; stops everything it started', async () => {
    const plan = planCapacity(true, 400);
    expect(plan.stages).toEqual([[200], [200]]);
    let seen: RampPair[] = [];
    const result = await runRamp(build, plan, {
      async afterStage(stage, pairs) {
        seen = [...pairs];
        if (stage !== 0) return;
        process.kill(pairs[0].client.pid!, 'SIGKILL');
        await until(() => pairs[0].client.exit !== undefined, 10_000);
      },
    });
    expect(result.stop).toEqual({
      cause: 'process exited',
      detail: expect.stringContaining('client 0 exited (SIGKILL)'),
    });
    // The second stage never started; what the first opened died with its client.
    expect(result.pairs).toBe(1);
    expect(result.opened).toBe(200);
    expect(result.hold.stillOpen).toBe(0);
    for (const p of seen) {
      expect(alive(p.client.pid)).toBe(false);
      expect(p.node.running).toBe(false);
    }
  }, 120_000);

  test('past its budget the watchdog kills every process, and the ramp still reports', async () => {
    // The hang must begin before the budget ends, whatever the load: everything before it (the rig, one node,
    // one client, the stage's opens) counts against the 30 s. 20 connections open in well under a second, so the
    // start-ups alone are left (a few seconds; 200 opens at load ~35 once ran past 30 s and the ramp's own
    // budget, not the watchdog, stopped it). A stage that did open is checked below: the kill is what emptied it.
    const plan = { ...planCapacity(true, 20), rampBudgetMs: 30_000, holdSeconds: 1, watchdogSlackMs: 1_000 };
    expect(plan.stages).toEqual([[20]]);
    let seen: RampPair[] = [];
    const result = await runRamp(build, plan, {
      async afterStage(_stage, pairs) {
        seen = [...pairs];
        // Something that outlasts the budget: the watchdog fires at 31 s.
        await until(() => pairs.every((p) => p.client.exit !== undefined && !p.node.running), 60_000);
      },
    });
    expect(result.stop).toEqual({ cause: 'time budget', detail: expect.stringContaining('watchdog') });
    // The stage held its connections when the hang began; the watchdog's kill is what left none open.
    expect(result.opened).toBe(20);
    expect(result.hold.stillOpen).toBe(0);
    expect(seen.length).toBe(1);
    for (const p of seen) {
      expect(p.client.exit?.signal).toBe('SIGKILL');
      expect(p.node.running).toBe(false);
    }
  }, 120_000);
});
