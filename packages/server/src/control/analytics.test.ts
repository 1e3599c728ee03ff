import { describe, expect, it } from 'vitest';
import { dateRange, percentile, summarize } from './analytics.js';

describe('analytics helpers', () => {
  it('uses nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });

  it('summarises unsorted samples, rounded to 0.1 ms', () => {
    expect(summarize([300.04, 100, 200.26])).toEqual({ p50_ms: 200.3, p95_ms: 300, samples: 3 });
    expect(summarize([])).toEqual({ p50_ms: null, p95_ms: null, samples: 0 });
  });

  it('lists every UTC date of a range, across month ends and leap days', () => {
    expect(dateRange('2028-02-27', '2028-03-01')).toEqual(['2028-02-27', '2028-02-28', '2028-02-29', '2028-03-01']);
    expect(dateRange('2026-01-01', '2026-01-01')).toEqual(['2026-01-01']);
  });
});
