import { ScalingController } from '../../bench/harness/scaling-controller';
import { rampPolicy, rampScenario, type Scenario } from '../../bench/sections/ramp';

/**
 * The ramp section's sizes in a model of the local run, driven by the real controller on fake timers:
 * arrivals on the planned ramp go to the emptiest node taking clients (p2c fills a trailing node first,
 * decision 0165); nodes report their counts every 2 s (the deployed heartbeat); a launched node process
 * takes clients 1 s after the launch delay. The model has no CPU limits: it checks decision 0178's
 * arithmetic (the room carries the ramp while the fleet grows), not this machine.
 */
async function model(s: Scenario, overrideTarget?: number) {
  const plan = rampPolicy(s);
  const policy = overrideTarget ? { ...plan.policy, target: overrideTarget } : plan.policy;
  const nodes = new Map<string, number>();
  for (let i = 1; i <= policy.min; i++) nodes.set(`node-${i}`, 0);
  let reported = new Map(nodes);
  const controller = new ScalingController({
    ...plan,
    policy,
    initialNodes: [...nodes.keys()],
    readConnections: async () => reported,
    launch: async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      const id = `node-${nodes.size + 1}`;
      nodes.set(id, 0);
      return id;
    },
  });
  const stepMs = 100;
  const perStep = (s.clients * stepMs) / s.rampMs;
  let arrived = 0;
  let maxFill = 0;
  controller.start();
  for (let t = 0; t < s.rampMs + 40_000; t += stepMs) {
    for (
      let due = Math.min(s.clients, Math.round(((t + stepMs) / stepMs) * perStep));
      arrived < due;
      arrived++
    ) {
      const [emptiest] = [...nodes].sort((a, b) => a[1] - b[1])[0];
      nodes.set(emptiest, (nodes.get(emptiest) ?? 0) + 1);
    }
    maxFill = Math.max(maxFill, ...[...nodes.values()].map((n) => n / plan.cap));
    if (t % 2_000 === 0) reported = new Map(nodes);
    await jest.advanceTimersByTimeAsync(stepMs);
  }
  const stopped = controller.stop();
  await jest.advanceTimersByTimeAsync(plan.launchDelayMs + 2_000);
  await stopped;
  return { maxFill, nodes: nodes.size, desired: controller.desired, events: controller.events };
}

describe('the ramp section sizes (decision 0178), in a model', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('full size: the fleet grows past what the starting nodes hold and no node passes 85 %', async () => {
    const s = rampScenario(false);
    const plan = rampPolicy(s);
    expect(plan.policy.min * plan.cap).toBeLessThan(s.clients);
    const r = await model(s);
    expect(r.maxFill).toBeLessThan(0.85);
    expect(r.nodes).toBeGreaterThanOrEqual(Math.ceil(s.clients / plan.policy.target));
  });

  it('full size at the default 70 % target: the starting fleet would have to carry the ramp', async () => {
    const s = rampScenario(false);
    const r = await model(s, Math.floor(rampPolicy(s).cap * 0.7));
    expect(r.maxFill).toBeGreaterThan(0.85);
  });

  it('quick: at least one scale-out', async () => {
    const r = await model(rampScenario(true));
    expect(r.events.some((e) => e.kind === 'launched')).toBe(true);
    expect(r.maxFill).toBeLessThan(0.85);
  });
});
