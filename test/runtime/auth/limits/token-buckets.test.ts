import fc from 'fast-check';
import { TokenBuckets } from '../../../../runtime/auth/limits/token-buckets';

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('TokenBuckets', () => {
  it('allows the burst, then refuses with the seconds until the next token', () => {
    const c = clock();
    const buckets = new TokenBuckets({ burst: 3, perMinute: 6, now: c.now });
    for (let i = 0; i < 3; i++) expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(buckets.take('b')).toEqual({ ok: true });
    c.advance(4_000);
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 6 });
    c.advance(6_000);
    expect(buckets.take('a')).toEqual({ ok: true });
  });

  it('never grants more than burst + rate × time, whatever the order of takes and refunds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ waitMs: fc.nat(20_000), refund: fc.boolean() }), { maxLength: 200 }),
        (steps) => {
          const c = clock();
          const buckets = new TokenBuckets({ burst: 5, perMinute: 12, now: c.now });
          let net = 0;
          let elapsed = 0;
          for (const step of steps) {
            c.advance(step.waitMs);
            elapsed += step.waitMs;
            if (buckets.take('k').ok) {
              net += 1;
              if (step.refund) {
                buckets.refund('k');
                net -= 1;
              }
            }
            expect(net).toBeLessThanOrEqual(5 + (elapsed * 12) / 60_000);
          }
        },
      ),
    );
  });

  it('remembers at most maxKeys keys, forgetting the least recently used', () => {
    const buckets = new TokenBuckets({ burst: 1, perMinute: 1, maxKeys: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) buckets.take(`k${i}`);
    expect(buckets.size).toBe(100);
    expect(buckets.take('k999').ok).toBe(false);
    expect(buckets.take('k0').ok).toBe(true);
  });
});
