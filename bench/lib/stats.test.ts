import { describe, expect, it } from 'vitest';
import { readOption, readNumberOption } from './options.js';
import { percentile, summarize } from './stats.js';
import { formatTable } from './table.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it('returns the smallest value with p% of samples at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });

  it('summarize sorts its input and rounds', () => {
    expect(summarize([3, 1, 2, 4])).toEqual({ p50_ms: 2, p90_ms: 4, p99_ms: 4, max_ms: 4, mean_ms: 2.5 });
    expect(summarize([1 / 3]).p50_ms).toBe(0.33);
  });
});

describe('bench helpers', () => {
  it('formatTable aligns columns and right-aligns numbers', () => {
    const out = formatTable(['case', 'rps'], [['GET', 1234.5], ['POST /x', 12]]);
    expect(out.split('\n')).toEqual(['case      rps', '-------  ----', 'GET      1235', 'POST /x    12']);
  });

  it('options: flag beats env beats default; bad numbers name the option', () => {
    expect(readOption('duration', '5', ['--duration', '2'], { BENCH_DURATION: '3' })).toBe('2');
    expect(readOption('duration', '5', ['--duration=4'], {})).toBe('4');
    expect(readOption('duration', '5', [], { BENCH_DURATION: '3' })).toBe('3');
    expect(readOption('duration', '5', [], {})).toBe('5');
    const saved = process.env.BENCH_CONCURRENCY;
    process.env.BENCH_CONCURRENCY = 'many';
    try {
      expect(() => readNumberOption('concurrency', 16, { min: 1, integer: true })).toThrow(/BENCH_CONCURRENCY: "many"/);
    } finally {
      if (saved === undefined) delete process.env.BENCH_CONCURRENCY;
      else process.env.BENCH_CONCURRENCY = saved;
    }
  });
});
