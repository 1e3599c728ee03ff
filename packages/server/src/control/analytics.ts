import type { Kysely } from 'kysely';
import type { Analytics, AnalyticsDay, LatencySummary } from '@unpod/protocol';
import type { Database } from './store/schema.js';

const DAY_MS = 86_400_000;

/** Nearest-rank percentile of sorted values; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50/p95 of unsorted samples, rounded to 0.1 ms. */
export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return { p50_ms: round(percentile(sorted, 50)), p95_ms: round(percentile(sorted, 95)), samples: sorted.length };
}

/** Every UTC date from `from` to `to` inclusive (YYYY-MM-DD). */
export function dateRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

interface Row {
  id: string;
  status: string;
  end_reason: string | null;
  created_at: string;
  duration_s: number | null;
}

/**
 * Calls per UTC day, durations, outcomes and voice-to-voice latency percentiles (`ttfa_ms` of each
 * turn) for calls created in `[from, to]`. Reads the call rows and their turn metrics with two
 * plain queries and aggregates here, so SQLite and PostgreSQL give identical answers (timestamps
 * are ISO-8601 text on both, so range filters compare as strings).
 */
export async function computeAnalytics(db: Kysely<Database>, spaceId: string, from: string, to: string): Promise<Analytics> {
  const start = `${from}T00:00:00.000Z`;
  const end = new Date(Date.parse(to) + DAY_MS).toISOString();
  const rows: Row[] = await db
    .selectFrom('calls')
    .select(['id', 'status', 'end_reason', 'created_at', 'duration_s'])
    .where('space_id', '=', spaceId)
    .where('created_at', '>=', start)
    .where('created_at', '<', end)
    .execute();
  const metrics =
    rows.length === 0
      ? []
      : await db
          .selectFrom('call_turn_metrics')
          .innerJoin('calls', 'calls.id', 'call_turn_metrics.call_id')
          .select(['call_turn_metrics.call_id as call_id', 'call_turn_metrics.ttfa_ms as ttfa_ms'])
          .where('calls.space_id', '=', spaceId)
          .where('calls.created_at', '>=', start)
          .where('calls.created_at', '<', end)
          .where('call_turn_metrics.ttfa_ms', 'is not', null)
          .execute();

  const dayOfCall = new Map<string, string>();
  const days = new Map<string, { calls: number; completed: number; failed: number; durations: number[]; latency: number[] }>();
  for (const date of dateRange(from, to)) days.set(date, { calls: 0, completed: 0, failed: 0, durations: [], latency: [] });
  const outcomes: Record<string, number> = {};
  let completed = 0;
  let failed = 0;
  let active = 0;
  let totalDuration = 0;
  for (const row of rows) {
    const date = row.created_at.slice(0, 10);
    dayOfCall.set(row.id, date);
    const day = days.get(date);
    if (!day) continue;
    day.calls += 1;
    if (row.status === 'completed') {
      day.completed += 1;
      completed += 1;
    } else if (row.status === 'failed') {
      day.failed += 1;
      failed += 1;
    } else {
      active += 1;
    }
    if (row.duration_s !== null) {
      const d = Number(row.duration_s);
      day.durations.push(d);
      totalDuration += d;
    }
    if (row.end_reason) outcomes[row.end_reason] = (outcomes[row.end_reason] ?? 0) + 1;
  }
  const allLatency: number[] = [];
  for (const m of metrics) {
    const day = days.get(dayOfCall.get(m.call_id) ?? '');
    if (!day || m.ttfa_ms === null) continue;
    const v = Number(m.ttfa_ms);
    day.latency.push(v);
    allLatency.push(v);
  }
  const round = (v: number) => Math.round(v * 10) / 10;
  const dayList: AnalyticsDay[] = [...days].map(([date, d]) => {
    const total = d.durations.reduce((a, b) => a + b, 0);
    return {
      date,
      calls: d.calls,
      completed: d.completed,
      failed: d.failed,
      total_duration_s: round(total),
      avg_duration_s: d.durations.length ? round(total / d.durations.length) : null,
      latency: summarize(d.latency),
    };
  });
  return {
    from,
    to,
    totals: { calls: rows.length, completed, failed, active, total_duration_s: round(totalDuration), latency: summarize(allLatency) },
    outcomes,
    days: dayList,
  };
}
