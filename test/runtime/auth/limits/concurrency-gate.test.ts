import fc from 'fast-check';
import { ConcurrencyGate } from '../../../../runtime/auth/limits/concurrency-gate';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A refused task's promise is never awaited: its rejection is expected, not unhandled.
  promise.catch(() => {});
  return { promise, resolve, reject };
};

describe('ConcurrencyGate', () => {
  it('runs up to the limit, queues up to the queue limit, refuses the rest at once', async () => {
    const gate = new ConcurrencyGate(2, 1);
    const tasks = [deferred(), deferred(), deferred()];
    const runs = tasks.map((t) => gate.run(() => t.promise.then(() => 'done')));
    expect(await gate.run(async () => 'never')).toEqual({ admitted: false });
    expect([gate.active, gate.queued]).toEqual([2, 1]);
    tasks[0].resolve();
    await runs[0];
    expect([gate.active, gate.queued]).toEqual([2, 0]);
    tasks[1].resolve();
    tasks[2].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2].map(() => ({ admitted: true, value: 'done' })));
    expect([gate.active, gate.queued]).toEqual([0, 0]);
  });

  it('releases every slot whatever the tasks do (resolve or throw, in any order)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ fail: fc.boolean(), order: fc.nat() }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 8 }),
        async (specs, limit, queueLimit) => {
          const gate = new ConcurrencyGate(limit, queueLimit);
          const tasks = specs.map(() => deferred());
          let peak = 0;
          const runs = tasks.map((t) =>
            gate
              .run(() => {
                peak = Math.max(peak, gate.active);
                return t.promise;
              })
              .catch(() => 'threw'),
          );
          const order = specs.map((s, i) => ({ i, key: s.order })).sort((a, b) => a.key - b.key);
          for (const { i } of order) {
            if (specs[i].fail) tasks[i].reject(new Error('boom'));
            else tasks[i].resolve();
            await new Promise((r) => setImmediate(r));
          }
          const results = await Promise.all(runs);
          expect(peak).toBeLessThanOrEqual(limit);
          const refused = results.filter((r) => typeof r === 'object' && !r.admitted).length;
          expect(refused).toBe(Math.max(0, specs.length - limit - queueLimit));
          expect([gate.active, gate.queued]).toEqual([0, 0]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
