import { useEffect } from 'react';
import type { Analytics, Call, Page, WorkerView } from '@unpod/protocol';
import { api, followEvents } from '../api.js';
import { CallTable } from '../components/CallTable.js';
import { Card, Empty, ErrorBox, Link, Loading, PageHeader, Stat, useAsync } from '../components/ui.js';
import { formatMs, utcDate } from '../lib/format.js';

const LIVE: ReadonlyArray<Call['status']> = ['pending', 'ringing', 'active'];

export function OverviewPage() {
  const today = utcDate(Date.now());
  const stats = useAsync(() => api<Analytics>('GET', `/v1/analytics?from=${today}&to=${today}`), [today]);
  const recent = useAsync(() => api<Page<Call>>('GET', '/v1/calls?limit=20'));
  const workers = useAsync(() => api<Page<WorkerView>>('GET', '/v1/workers?limit=200'));

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stats.reload();
        recent.reload();
        workers.reload();
      }, 300);
    };
    const stop = followEvents('/v1/events', refresh, { reconnect: true });
    const poll = setInterval(() => workers.reload(), 10_000);
    return () => {
      stop();
      clearInterval(poll);
      clearTimeout(timer);
    };
    // The reload functions are stable.
  }, [stats.reload, recent.reload, workers.reload]);

  const live = recent.data?.data.filter((c) => LIVE.includes(c.status)) ?? [];
  const totals = stats.data?.totals;
  return (
    <>
      <PageHeader title="Overview" subtitle="Live activity of this space. Updates as calls start and end." actions={<Link to="/playground" className="btn primary">Talk to an agent</Link>} />
      {stats.error && !stats.data ? <ErrorBox error={stats.error} retry={stats.reload} /> : null}
      <div className="stats">
        <Stat label="Live calls" value={recent.data ? live.length : '…'} tone={live.length > 0 ? 'live' : undefined} hint={live.length ? 'in progress now' : 'none right now'} />
        <Stat label="Calls today" value={totals ? totals.calls : '…'} hint={totals ? `${totals.completed} completed` : undefined} />
        <Stat label="Voice-to-voice p50" value={totals ? formatMs(totals.latency.p50_ms) : '…'} hint={totals ? `p95 ${formatMs(totals.latency.p95_ms)} · ${totals.latency.samples} turns` : undefined} />
        <Stat label="Failures today" value={totals ? totals.failed : '…'} tone={totals && totals.failed > 0 ? 'bad' : 'good'} hint={totals?.failed ? 'see Calls, status failed' : 'all good'} />
      </div>
      <div className="grid-2">
        <Card title="Live calls">
          {!recent.data ? (
            <Loading />
          ) : live.length === 0 ? (
            <Empty title="No call in progress">
              Start one from the <Link to="/playground">Playground</Link>.
            </Empty>
          ) : (
            <CallTable calls={live} />
          )}
        </Card>
        <Card title="Workers" actions={<Link to="/workers">All workers →</Link>}>
          {!workers.data ? (
            workers.error ? <ErrorBox error={workers.error} retry={workers.reload} /> : <Loading />
          ) : workers.data.data.length === 0 ? (
            <Empty title="No agent runner connected">
              Start one: <code>npm start -w @unpod/example-echo-agent</code>
            </Empty>
          ) : (
            <ul className="worker-list">
              {workers.data.data.map((w) => (
                <li key={w.worker_id}>
                  <span className={`dot ${w.draining ? 'warn' : 'good'}`} />
                  <strong>{w.agent_id}</strong>
                  <span className="muted">
                    {w.in_flight}/{w.max_concurrent} busy
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <Card title="Recent calls" actions={<Link to="/calls">All calls →</Link>}>
        {!recent.data ? (
          recent.error ? <ErrorBox error={recent.error} retry={recent.reload} /> : <Loading />
        ) : recent.data.data.length === 0 ? (
          <Empty title="No calls yet">
            Open the <Link to="/playground">Playground</Link> and talk to your agent; the call shows up here.
          </Empty>
        ) : (
          <CallTable calls={recent.data.data} />
        )}
      </Card>
    </>
  );
}
