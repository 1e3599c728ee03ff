import { describe, expect, it } from 'vitest';
import { displayNumber, endReasonLabel, formatDuration, formatMs, percentile, timeAgo, utcDate } from './format.js';

describe('formatting', () => {
  it('formats durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65.4)).toBe('1:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(Number.NaN)).toBe('–');
  });

  it('formats latencies in ms below a second, in seconds above', () => {
    expect(formatMs(412.3)).toBe('412 ms');
    expect(formatMs(1830)).toBe('1.83 s');
    expect(formatMs(null)).toBe('–');
  });

  it('tells how long ago', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(timeAgo('2026-01-01T11:59:58Z', now)).toBe('just now');
    expect(timeAgo('2026-01-01T11:59:18Z', now)).toBe('42 s ago');
    expect(timeAgo('2026-01-01T11:55:00Z', now)).toBe('5 min ago');
    expect(timeAgo('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(timeAgo('2025-12-30T12:00:00Z', now)).toBe('2 d ago');
    expect(timeAgo('garbage', now)).toBe('–');
  });

  it('shifts UTC dates', () => {
    expect(utcDate(Date.parse('2026-03-01T00:30:00Z'), -1)).toBe('2026-02-28');
  });

  it('uses nearest-rank percentiles like the server', () => {
    expect(percentile([300, 100, 200, 400], 50)).toBe(200);
    expect(percentile([300, 100, 200, 400], 95)).toBe(400);
    expect(percentile([], 50)).toBeNull();
  });

  it('groups North American numbers and leaves others in E.164', () => {
    expect(displayNumber('+14155550142')).toBe('+1 415 555 0142');
    expect(displayNumber('+442071234567')).toBe('+442071234567');
    expect(displayNumber(null)).toBe('–');
    expect(endReasonLabel('no_worker_available')).toBe('no worker available');
  });
});
