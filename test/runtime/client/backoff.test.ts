import { backoffDelay, parseRetryAfter, retryDelay } from '../../../runtime/client';

describe('full-jitter back-off', () => {
  it('stays within [0, min(max, base * 2^attempt))', () => {
    expect(backoffDelay(0, () => 0.999, { baseMs: 100, maxMs: 10_000 })).toBe(99);
    expect(backoffDelay(3, () => 0.5, { baseMs: 100, maxMs: 10_000 })).toBe(400);
    expect(backoffDelay(20, () => 0.999, { baseMs: 100, maxMs: 10_000 })).toBe(9990);
    expect(backoffDelay(5, () => 0, {})).toBe(0);
  });
});

describe('retry delay', () => {
  const o = { baseMs: 100, maxMs: 10_000, unplannedSpreadMs: 5_000 };

  it('spreads the first retry after an unplanned close over unplannedSpreadMs, not the first tiny window', () => {
    expect(retryDelay({ attempt: 0 }, () => 0.999, o)).toBe(99);
    expect(retryDelay({ attempt: 0, unplanned: true }, () => 0.999, o)).toBe(4995);
    expect(retryDelay({ attempt: 0, unplanned: true }, () => 0.5, o)).toBe(2500);
    // A long exponential window wins over the spread.
    expect(retryDelay({ attempt: 8, unplanned: true }, () => 0.999, o)).toBe(9990);
  });

  it('never goes below Retry-After, and jitters above it by at least its own length', () => {
    expect(retryDelay({ attempt: 0, floorMs: 2_000 }, () => 0, o)).toBe(2000);
    expect(retryDelay({ attempt: 0, floorMs: 2_000 }, () => 0.5, o)).toBe(3000);
    expect(retryDelay({ attempt: 7, floorMs: 2_000 }, () => 0.5, o)).toBe(2000 + 5000);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it.each([
    ['0', 0],
    ['2', 2000],
    [' 120 ', 120_000],
    ['Tue, 01 Jan 2030 00:00:05 GMT', 5000],
    ['Mon, 31 Dec 2029 23:59:00 GMT', 0],
    ['99999999', 600_000],
  ])('%j is %d ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([null, '', '-1', '1.5', 'soon', '12abc'])('%j is no delay at all', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
