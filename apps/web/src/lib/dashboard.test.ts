import { describe, expect, it } from 'vitest';
import { perMinute, sumSeries } from './dashboard';

const minute = 60_000;
const t0 = 1_800_000_000_000 - (1_800_000_000_000 % minute); // a minute boundary

describe('perMinute', () => {
  it('is all zeros before any job finished', () => {
    const series = perMinute({ meta: { count: 0, prevTS: 0, prevCount: 0 }, data: [] }, t0, 5);
    expect(series).toEqual([0, 0, 0, 0, 0]);
  });

  it('puts the open minute last and finished minutes before it, newest data first', () => {
    // Last point written at t0 + 10 s: 4 jobs since then, data = [minute-1: 7, minute-2: 3].
    const metrics = { meta: { count: 14, prevTS: t0 + 10_000, prevCount: 10 }, data: [7, 3] };
    expect(perMinute(metrics, t0 + 30_000, 4)).toEqual([0, 3, 7, 4]);
  });

  it('shows quiet minutes after the last finished job as zeros', () => {
    const metrics = { meta: { count: 14, prevTS: t0 + 10_000, prevCount: 10 }, data: [7, 3] };
    expect(perMinute(metrics, t0 + 2 * minute + 5_000, 4)).toEqual([7, 4, 0, 0]);
  });

  it('drops what is older than the window', () => {
    const metrics = { meta: { count: 1, prevTS: t0, prevCount: 0 }, data: [5, 6, 7, 8] };
    expect(perMinute(metrics, t0, 2)).toEqual([5, 1]);
  });
});

describe('sumSeries', () => {
  it('adds queues minute by minute', () => {
    expect(
      sumSeries(
        [
          [1, 2, 3],
          [10, 0, 1],
        ],
        3,
      ),
    ).toEqual([11, 2, 4]);
  });
});
