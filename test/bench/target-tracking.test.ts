import fc from 'fast-check';
import {
  checkPolicy,
  desiredCapacity,
  type ScalingState,
  type TargetTrackingPolicy,
} from '../../bench/harness/target-tracking';

const policy: TargetTrackingPolicy = { target: 5000, min: 4, max: 10, alarmDatapoints: 3 };

describe('desiredCapacity', () => {
  it('scales out in proportion once the last 3 period averages exceed the target', () => {
    expect(desiredCapacity(policy, { datapoints: [5100, 5500, 5800], counted: 4, desired: 4 })).toBe(5);
    expect(desiredCapacity(policy, { datapoints: [6000, 7000, 7500], counted: 4, desired: 4 })).toBe(6);
  });

  it('waits for 3 data points above the target: fewer, or one at the target, change nothing', () => {
    expect(desiredCapacity(policy, { datapoints: [9000, 9000], counted: 4, desired: 4 })).toBe(4);
    expect(desiredCapacity(policy, { datapoints: [9000, 5000, 9000], counted: 4, desired: 4 })).toBe(4);
  });

  it('counts warming nodes as capacity: the same load adds nothing twice', () => {
    // 4 counted nodes at 6,000 want 5; one is already launching.
    expect(desiredCapacity(policy, { datapoints: [6000, 6000, 6000], counted: 4, desired: 5 })).toBe(5);
  });

  it('never scales in (the drain does) and stays within min and max', () => {
    expect(desiredCapacity(policy, { datapoints: [100, 100, 100], counted: 8, desired: 8 })).toBe(8);
    expect(desiredCapacity(policy, { datapoints: [1e6, 1e6, 1e6], counted: 4, desired: 4 })).toBe(10);
    expect(desiredCapacity(policy, { datapoints: [], counted: 0, desired: 0 })).toBe(4);
  });

  const policies = fc
    .record({
      target: fc.integer({ min: 1, max: 20_000 }),
      min: fc.integer({ min: 0, max: 20 }),
      span: fc.integer({ min: 0, max: 20 }),
      alarmDatapoints: fc.integer({ min: 1, max: 5 }),
    })
    .map(({ span, ...p }) => ({ ...p, max: Math.max(1, p.min + span) }));
  const states = fc.record({
    datapoints: fc.array(fc.double({ min: 0, max: 50_000, noNaN: true }), { maxLength: 8 }),
    counted: fc.integer({ min: 0, max: 30 }),
    desired: fc.integer({ min: 0, max: 30 }),
  });

  it('property: never below min, never above max', () => {
    fc.assert(
      fc.property(policies, states, (p, s) => {
        const d = desiredCapacity(p, s);
        expect(d).toBeGreaterThanOrEqual(p.min);
        expect(d).toBeLessThanOrEqual(p.max);
      }),
    );
  });

  it('property: non-decreasing in load (every data point raised by the same amount or more)', () => {
    fc.assert(
      fc.property(
        policies,
        states,
        fc.array(fc.double({ min: 0, max: 20_000, noNaN: true }), { minLength: 8, maxLength: 8 }),
        (p, s, raise) => {
          const more: ScalingState = { ...s, datapoints: s.datapoints.map((d, i) => d + raise[i]) };
          expect(desiredCapacity(p, more)).toBeGreaterThanOrEqual(desiredCapacity(p, s));
        },
      ),
    );
  });

  it('property: never below the current desired capacity within the bounds (no scale-in)', () => {
    fc.assert(
      fc.property(policies, states, (p, s) => {
        expect(desiredCapacity(p, s)).toBeGreaterThanOrEqual(Math.min(p.max, Math.max(p.min, s.desired)));
      }),
    );
  });
});

describe('checkPolicy', () => {
  it('names every field out of range at once', () => {
    expect(() => checkPolicy({ target: 0, min: 3, max: 2, alarmDatapoints: 0 })).toThrow(
      'invalid target tracking policy:\n  target: got 0; accepted: > 0\n' +
        '  max: got 2; accepted: an integer >= min and >= 1\n  alarmDatapoints: got 0; accepted: an integer >= 1',
    );
  });
});
