import { ScalingController } from '../../bench/harness/scaling-controller';
import { until } from '../../harness/stats';

/** A fleet whose nodes report fixed counts; launched nodes report 0 until told otherwise. */
function fakeFleet(initial: Record<string, number>) {
  const counts = new Map(Object.entries(initial));
  let next = 1;
  return {
    counts,
    readConnections: async () => new Map(counts),
    launch: async () => {
      const id = `new-${next++}`;
      counts.set(id, 0);
      return id;
    },
  };
}

const options = (fleet: ReturnType<typeof fakeFleet>) => ({
  policy: { target: 500, min: 2, max: 6, alarmDatapoints: 3 },
  periodMs: 40,
  warmupMs: 120,
  launchDelayMs: 60,
  initialNodes: [...fleet.counts.keys()],
  readConnections: fleet.readConnections,
  launch: fleet.launch,
});

describe('ScalingController', () => {
  it('after 3 periods above the target adds ceil(nodes × average / target) nodes, each after the launch delay', async () => {
    const fleet = fakeFleet({ a: 900, b: 900 });
    const controller = new ScalingController(options(fleet));
    controller.start();
    try {
      expect(
        await until(() => controller.events.filter((e) => e.kind === 'launched').length === 2, 10_000),
      ).toBe(true);
    } finally {
      await controller.stop();
    }
    const [first, ...rest] = controller.events;
    expect(first).toEqual(expect.objectContaining({ kind: 'scale-out', from: 2, to: 4, datapoint: 900 }));
    expect(controller.datapoints.length).toBeGreaterThanOrEqual(3);
    for (const e of rest.filter((x) => x.kind === 'launched')) {
      expect(e.atMs - first.atMs).toBeGreaterThanOrEqual(55);
    }
    expect(controller.desired).toBe(4);
  });

  it('does not scale out below the target, and never past max', async () => {
    const quiet = fakeFleet({ a: 500, b: 400 });
    const calm = new ScalingController(options(quiet));
    calm.start();
    await until(() => calm.datapoints.length >= 5, 10_000);
    await calm.stop();
    expect(calm.events).toEqual([]);
    expect(calm.desired).toBe(2);

    const flood = fakeFleet({ a: 100_000, b: 100_000 });
    const busy = new ScalingController(options(flood));
    busy.start();
    await until(() => busy.launching === 0 && busy.desired === 6, 10_000);
    await busy.stop();
    expect(busy.desired).toBe(6);
    expect(flood.counts.size).toBe(6);
  });

  it('a failed launch leaves the group short, and the next alarm tries again', async () => {
    const fleet = fakeFleet({ a: 900, b: 900 });
    let failures = 1;
    const controller = new ScalingController({
      ...options(fleet),
      launch: async () => {
        if (failures-- > 0) throw new Error('no capacity in the zone');
        return fleet.launch();
      },
    });
    controller.start();
    try {
      await until(() => controller.events.filter((e) => e.kind === 'launched').length >= 2, 10_000);
    } finally {
      await controller.stop();
    }
    expect(controller.events).toContainEqual(
      expect.objectContaining({ kind: 'launch-failed', error: 'no capacity in the zone' }),
    );
    expect(controller.events.filter((e) => e.kind === 'launched').length).toBeGreaterThanOrEqual(2);
  });
});
