import { describe, expect, it } from 'vitest';
import { linePoints, niceMax, shortNumber, ticks } from './charts.js';

describe('chart scales', () => {
  it('rounds axis maxima up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.7, 1, 3, 7, 23, 240, 4100].map(niceMax)).toEqual([1, 1, 1, 5, 10, 25, 250, 5000]);
  });

  it('spaces ticks evenly and labels them shortly', () => {
    expect(ticks(100)).toEqual([0, 25, 50, 75, 100]);
    expect([0, 2.5, 1000, 1500].map(shortNumber)).toEqual(['0', '2.5', '1k', '1.5k']);
  });

  it('places line points, skipping missing values and capping at the maximum', () => {
    expect(linePoints([0, null, 50, 200], 300, 100, 100)).toBe('0.0,100.0 200.0,50.0 300.0,0.0');
    expect(linePoints([10], 300, 100, 100)).toBe('150.0,90.0');
  });
});
