import { useEffect } from 'react';
import type { Page, WorkerView } from '@unpod/protocol';
import { api, followEvents } from '../api.js';
import { Badge, Card, Empty, ListState, PageHeader, useAsync } from '../components/ui.js';

export function WorkersPage() {
  const state = useAsync(async () => (await api<Page<WorkerView>>('GET', '/v1/workers?limit=200')).data);
  useEffect(() => {
    const stop = followEvents('/v1/events', (e) => e.type === 'worker.changed' && state.reload(), { reconnect: true });
    const poll = setInterval(state.reload, 5000);
    return () => {
      stop();
      clearInterval(poll);
    };
  }, [state.reload]);
  return (
    <>
      <PageHeader title="Workers" subtitle="Agent runners connected to this node, per agent_id, with capacity and heartbeat." />
      <Card>
        <ListState
          state={state}
          empty={
            <Empty title="No runner connected">
              Run an agent: <code>npm start -w @unpod/example-echo-agent</code> (it registers as <code>echo-agent</code>).
            </Empty>
          }
        >
          {(workers) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>Agent</th>
                    <th>Worker</th>
                    <th>Load</th>
                    <th className="hide-sm">Pool</th>
                    <th>Heartbeat</th>
                    <th className="hide-sm">Host</th>
                    <th>State</th>
                  </tr>
                </thead>
                <tbody>
                  {workers.map((w) => (
                    <tr key={w.worker_id}>
                      <td>
                        <strong>{w.agent_id}</strong>
                      </td>
                      <td className="mono">{w.worker_id}</td>
                      <td>
                        <div className="meter" title={`${w.in_flight} of ${w.max_concurrent}`}>
                          <span style={{ width: `${Math.min(100, (w.in_flight / Math.max(1, w.max_concurrent)) * 100)}%` }} />
                        </div>
                        <span className="small muted">
                          {w.in_flight} / {w.max_concurrent} in flight
                        </span>
                      </td>
                      <td className="hide-sm">{w.pool}</td>
                      <td>{w.last_heartbeat_age_s.toFixed(0)} s ago</td>
                      <td className="hide-sm">{w.hostname ?? '–'}</td>
                      <td>{w.draining ? <Badge tone="warn">draining</Badge> : w.has_capacity ? <Badge tone="good">ready</Badge> : <Badge tone="bad">full</Badge>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </ListState>
      </Card>
    </>
  );
}
