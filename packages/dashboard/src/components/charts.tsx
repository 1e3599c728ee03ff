import { linePoints, niceMax, shortNumber, ticks } from '../lib/charts.js';

const W = 600;
const H = 180;
const PAD = { left: 40, right: 8, top: 8, bottom: 24 };

export interface Series {
  name: string;
  color: string;
  values: Array<number | null>;
}

function Axis({ max, labels, unit }: { max: number; labels: string[]; unit?: string }) {
  const innerH = H - PAD.top - PAD.bottom;
  const innerW = W - PAD.left - PAD.right;
  const every = Math.max(1, Math.ceil(labels.length / 8));
  return (
    <g className="axis">
      {ticks(max).map((t) => {
        const y = PAD.top + innerH - (t / max) * innerH;
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">
              {shortNumber(t)}
              {unit && t === max ? unit : ''}
            </text>
          </g>
        );
      })}
      {labels.map((l, i) =>
        i % every === 0 ? (
          <text key={i} x={PAD.left + (labels.length > 1 ? (i * innerW) / (labels.length - 1) : innerW / 2)} y={H - 6} textAnchor="middle">
            {l}
          </text>
        ) : null,
      )}
    </g>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <div className="legend">
      {series.map((s) => (
        <span key={s.name}>
          <i style={{ background: s.color }} />
          {s.name}
        </span>
      ))}
    </div>
  );
}

/** Stacked bars, one group per label. */
export function BarChart({ labels, series, unit, title, integer }: { labels: string[]; series: Series[]; unit?: string; title: string; integer?: boolean }) {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  // Counts get whole-number ticks: at least 4 on a 4-tick axis.
  const max = niceMax(Math.max(integer ? 4 : 0, ...totals));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, labels.length);
  const barW = Math.max(2, Math.min(40, slot * 0.7));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} preserveAspectRatio="none">
        <Axis max={max} labels={[]} unit={unit} />
        {labels.map((label, i) => {
          let y = PAD.top + innerH;
          return (
            <g key={label}>
              {series.map((s) => {
                const v = s.values[i] ?? 0;
                const h = (v / max) * innerH;
                y -= h;
                return v > 0 ? (
                  <rect key={s.name} x={PAD.left + i * slot + (slot - barW) / 2} y={y} width={barW} height={h} fill={s.color} rx={2}>
                    <title>{`${label} · ${s.name}: ${shortNumber(v)}${unit ?? ''}`}</title>
                  </rect>
                ) : null;
              })}
            </g>
          );
        })}
        {labels.map((label, i) =>
          i % Math.max(1, Math.ceil(labels.length / 8)) === 0 ? (
            <text key={label} className="axis-label" x={PAD.left + i * slot + slot / 2} y={H - 6} textAnchor="middle">
              {label}
            </text>
          ) : null,
        )}
      </svg>
      {series.length > 1 ? <Legend series={series} /> : null}
    </figure>
  );
}

/** Lines over the same labels; null values leave gaps in the points. */
export function LineChart({ labels, series, unit, title }: { labels: string[]; series: Series[]; unit?: string; title: string }) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} preserveAspectRatio="none">
        <Axis max={max} labels={labels} unit={unit} />
        <g transform={`translate(${PAD.left},${PAD.top})`}>
          {series.map((s) => (
            <g key={s.name}>
              <polyline points={linePoints(s.values, innerW, innerH, max)} fill="none" stroke={s.color} strokeWidth={2} vectorEffect="non-scaling-stroke" />
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={i} cx={labels.length > 1 ? (i * innerW) / (labels.length - 1) : innerW / 2} cy={innerH - (Math.min(v, max) / max) * innerH} r={3} fill={s.color}>
                    <title>{`${labels[i]} · ${s.name}: ${shortNumber(v)}${unit ?? ''}`}</title>
                  </circle>
                ),
              )}
            </g>
          ))}
        </g>
      </svg>
      <Legend series={series} />
    </figure>
  );
}

/** Horizontal stacked bars: one row per item, segments per series (per-turn latency breakdown). */
export function StackedRows({ rows, series, unit }: { rows: string[]; series: Series[]; unit: string }) {
  const totals = rows.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  return (
    <div className="stacked-rows">
      {rows.map((row, i) => (
        <div className="stacked-row" key={row}>
          <span className="stacked-label">{row}</span>
          <div className="stacked-track">
            {series.map((s) => {
              const v = s.values[i] ?? 0;
              return v > 0 ? <span key={s.name} style={{ width: `${(v / max) * 100}%`, background: s.color }} title={`${s.name}: ${Math.round(v)} ${unit}`} /> : null;
            })}
          </div>
          <span className="stacked-total">{totals[i] ? `${Math.round(totals[i]!)} ${unit}` : '–'}</span>
        </div>
      ))}
      <Legend series={series} />
    </div>
  );
}
