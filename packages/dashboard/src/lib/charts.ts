/** A "nice" axis maximum at or above `max`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** `count` + 1 evenly spaced ticks from 0 to `max`. */
export function ticks(max: number, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_, i) => (max * i) / count);
}

/** Short axis label: 1200 -> `1.2k`, 0.5 -> `0.5`. */
export function shortNumber(v: number): string {
  if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** SVG polyline points for values on a chart of `width` x `height`; null values break nothing (skipped). */
export function linePoints(values: ReadonlyArray<number | null>, width: number, height: number, max: number): string {
  const n = values.length;
  const step = n > 1 ? width / (n - 1) : 0;
  const pts: string[] = [];
  values.forEach((v, i) => {
    if (v === null) return;
    const x = n > 1 ? i * step : width / 2;
    const y = height - (Math.min(v, max) / max) * height;
    pts.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  return pts.join(' ');
}
