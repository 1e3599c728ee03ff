import { useState } from 'react';
import type { Call, Page } from '@unpod/protocol';
import { api } from '../api.js';
import { CallTable } from '../components/CallTable.js';
import { Card, Empty, ErrorBox, Loading, PageHeader, useAsync } from '../components/ui.js';

const STATUSES = ['', 'pending', 'ringing', 'active', 'completed', 'failed'] as const;
const TRANSPORTS = ['', 'text', 'websocket', 'sip'] as const;

export function CallsPage() {
  const [status, setStatus] = useState('');
  const [transport, setTransport] = useState('');
  const [agent, setAgent] = useState('');
  const [pages, setPages] = useState<Call[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const query = new URLSearchParams({ limit: '50', ...(status ? { status } : {}), ...(transport ? { transport } : {}), ...(agent.trim() ? { agent_id: agent.trim() } : {}) }).toString();
  const first = useAsync(async () => {
    const result = await api<Page<Call>>('GET', `/v1/calls?${query}`);
    setPages([]);
    setCursor(result.next_cursor);
    return result.data;
  }, [query]);
  const more = async () => {
    if (!cursor) return;
    const result = await api<Page<Call>>('GET', `/v1/calls?${query}&cursor=${encodeURIComponent(cursor)}`);
    setPages((p) => [...p, ...result.data]);
    setCursor(result.next_cursor);
  };
  const calls = first.data ? [...first.data, ...pages] : undefined;
  return (
    <>
      <PageHeader title="Calls" subtitle="Every call of this space, newest first. Open one for its transcript, latencies and recording." />
      <Card>
        <div className="filters">
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Status filter">
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s || 'any'}
                </option>
              ))}
            </select>
          </label>
          <label>
            Transport
            <select value={transport} onChange={(e) => setTransport(e.target.value)} aria-label="Transport filter">
              {TRANSPORTS.map((s) => (
                <option key={s} value={s}>
                  {s || 'any'}
                </option>
              ))}
            </select>
          </label>
          <label>
            Agent
            <input value={agent} placeholder="agent_id" onChange={(e) => setAgent(e.target.value)} aria-label="Agent filter" />
          </label>
          <button className="btn small" onClick={first.reload}>
            Refresh
          </button>
        </div>
        {first.error && !calls ? (
          <ErrorBox error={first.error} retry={first.reload} />
        ) : !calls ? (
          <Loading what="calls" />
        ) : calls.length === 0 ? (
          <Empty title={status || transport || agent ? 'No call matches these filters' : 'No calls yet'}>Calls from the playground, phones and the API appear here.</Empty>
        ) : (
          <>
            <CallTable calls={calls} />
            {cursor ? (
              <div className="center">
                <button className="btn" onClick={() => void more()}>
                  Load more
                </button>
              </div>
            ) : null}
          </>
        )}
      </Card>
    </>
  );
}
