import { useState } from 'react';
import type { Analytics } from '@unpod/protocol';
import { api } from '../api.js';
import { BarChart, LineChart } from '../components/charts.js';
import { Card, Empty, ErrorBox, Loading, PageHeader, Stat, useAsync } from '../components/ui.js';
import { endReasonLabel, formatDuration, formatMs, utcDate } from '../lib/format.js';

const RANGES = [7, 30, 90] as const;

export function AnalyticsPage() {
  const [days, setDays] = useState<number>(7);
  const to = utcDate(Date.now());
  const from = utcDate(Date.now(), -(days - 1));
  const state = useAsync(() => api<Analytics>('GET', `/v1/analytics?from=${from}&to=${to}`), [from, to]);
  const a = state.data;
  const labels = a?.days.map((d) => d.date.slice(5)) ?? [];
  return (
    <>
      <PageHeader
        title="Analytics"
        subtitle={`Calls created from ${from} to ${to} (UTC).`}
        actions={
          <div className="segmented">
            {RANGES.map((r) => (
              <button key={r} className={days === r ? 'on' : ''} onClick={() => setDays(r)}>
                {r} days
              </button>
            ))}
          </div>
        }
      />
      {state.error && !a ? <ErrorBox error={state.error} retry={state.reload} /> : null}
      {!a ? (
        state.error ? null : <Loading what="analytics" />
      ) : (
        <>
          <div className="stats">
            <Stat label="Calls" value={a.totals.calls} hint={`${a.totals.completed} completed · ${a.totals.active} in progress`} />
            <Stat label="Failed" value={a.totals.failed} tone={a.totals.failed ? 'bad' : 'good'} />
            <Stat label="Talk time" value={formatDuration(a.totals.total_duration_s)} />
            <Stat label="Voice-to-voice" value={formatMs(a.totals.latency.p50_ms)} hint={`p50 · p95 ${formatMs(a.totals.latency.p95_ms)}`} />
          </div>
          {a.totals.calls === 0 ? (
            <Card>
              <Empty title="No calls in this period">Make a call from the Playground; it shows up here.</Empty>
            </Card>
          ) : (
            <div className="grid-2">
              <Card title="Calls per day">
                <BarChart
                  integer
                  title="Calls per day"
                  labels={labels}
                  series={[
                    { name: 'completed', color: '#10b981', values: a.days.map((d) => d.completed) },
                    { name: 'failed', color: '#ef4444', values: a.days.map((d) => d.failed) },
                    { name: 'other', color: '#94a3b8', values: a.days.map((d) => d.calls - d.completed - d.failed) },
                  ]}
                />
              </Card>
              <Card title="Voice-to-voice latency">
                <LineChart
                  title="Latency percentiles per day"
                  labels={labels}
                  unit=" ms"
                  series={[
                    { name: 'p50', color: '#6366f1', values: a.days.map((d) => d.latency.p50_ms) },
                    { name: 'p95', color: '#f59e0b', values: a.days.map((d) => d.latency.p95_ms) },
                  ]}
                />
              </Card>
              <Card title="Average call duration">
                <BarChart title="Average duration per day" labels={labels} unit=" s" series={[{ name: 'average seconds', color: '#0ea5e9', values: a.days.map((d) => d.avg_duration_s) }]} />
              </Card>
              <Card title="Outcomes">
                <ul className="outcomes">
                  {Object.entries(a.outcomes)
                    .sort((x, y) => y[1] - x[1])
                    .map(([reason, n]) => (
                      <li key={reason}>
                        <span>{endReasonLabel(reason)}</span>
                        <span className="bar">
                          <i style={{ width: `${(n / Math.max(1, a.totals.calls)) * 100}%` }} />
                        </span>
                        <strong>{n}</strong>
                      </li>
                    ))}
                </ul>
              </Card>
            </div>
          )}
        </>
      )}
    </>
  );
}
