import { useEffect, useState } from 'react';
import type { Call } from '@unpod/protocol';
import { api, blobUrl, followEvents } from '../api.js';
import { CallStateBadge, Transcript, TurnLatencies } from '../components/Conversation.js';
import { Badge, Card, ErrorBox, Link, Loading, PageHeader, statusTone, useAction, useAsync } from '../components/ui.js';
import { EMPTY_CONVERSATION, applyLiveEvent, type ConversationView, type ViewEvent } from '../lib/conversation.js';
import { displayNumber, endReasonLabel, formatDuration } from '../lib/format.js';

const LIVE = new Set(['pending', 'ringing', 'active']);

function Recording({ call }: { call: Call }) {
  const [url, setUrl] = useState<string | undefined>();
  const [error, setError] = useState<Error | undefined>();
  useEffect(() => {
    if (!call.recording_url || LIVE.has(call.status)) return;
    let made: string | undefined;
    blobUrl('GET', call.recording_url).then(
      (u) => setUrl((made = u)),
      (e: Error) => setError(e),
    );
    return () => {
      if (made) URL.revokeObjectURL(made);
    };
  }, [call.recording_url, call.status]);
  if (!call.recording_url) return <p className="muted">This call was not recorded. Turn on “Record calls” on its pipe.</p>;
  if (LIVE.has(call.status)) return <p className="muted">The recording is available when the call ends.</p>;
  if (error) return <ErrorBox error={error} />;
  if (!url) return <Loading what="recording" />;
  return (
    <div className="recording">
      <audio controls src={url} preload="metadata" data-testid="recording" />
      <a className="btn small" href={url} download={`${call.id}.wav`}>
        Download WAV
      </a>
      <p className="muted small">Stereo: the caller on the left channel, the agent on the right.</p>
    </div>
  );
}

function MediaStats({ events }: { events: ViewEvent[] }) {
  const stats = events.filter((e) => e.name === 'rtp.stats');
  if (stats.length === 0) return <p className="muted">No RTP statistics: they are recorded for phone (SIP) calls.</p>;
  const last = stats[stats.length - 1]!.data;
  return (
    <dl className="facts">
      {Object.entries(last).map(([k, v]) => (
        <div key={k} className="fact-pair">
          <dt>{k.replace(/_/g, ' ')}</dt>
          <dd>{typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(2)) : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function Events({ events }: { events: ViewEvent[] }) {
  if (events.length === 0) return <p className="muted">No events recorded.</p>;
  return (
    <ol className="events">
      {events.map((e, i) => (
        <li key={i}>
          <time>{new Date(e.at).toLocaleTimeString()}</time>
          <strong>{e.name}</strong>
          <code className="small">{JSON.stringify(e.data).slice(0, 160)}</code>
        </li>
      ))}
    </ol>
  );
}

export function CallPage({ id }: { id: string }) {
  const call = useAsync(() => api<Call>('GET', `/v1/calls/${encodeURIComponent(id)}`), [id]);
  const [view, setView] = useState<ConversationView>(EMPTY_CONVERSATION);
  const [streamDone, setStreamDone] = useState(false);
  const hangup = useAction(async () => {
    await api('POST', `/v1/calls/${encodeURIComponent(id)}/hangup`);
  });

  useEffect(() => {
    setView(EMPTY_CONVERSATION);
    setStreamDone(false);
    return followEvents(`/v1/calls/${encodeURIComponent(id)}/events`, (e) => setView((v) => applyLiveEvent(v, e)), { onEnd: () => setStreamDone(true) });
  }, [id]);

  // When the live stream reports the end, reload the stored call (duration, recording, metrics).
  const reload = call.reload;
  useEffect(() => {
    if (view.status === 'ended') reload();
  }, [view.status, reload]);

  if (call.error && !call.data) return <ErrorBox error={call.error} retry={call.reload} />;
  if (!call.data) return <Loading what="call" />;
  const c = call.data;
  const isLive = LIVE.has(c.status) && view.status !== 'ended';
  const metrics = view.metrics.length ? view.metrics : (c.turn_metrics ?? []);
  return (
    <>
      <PageHeader
        title={`Call ${c.id.slice(0, 16)}…`}
        subtitle={
          <>
            <Link to="/calls">← Calls</Link> · {c.agent_id} · {c.transport} · {new Date(c.created_at).toLocaleString()}
          </>
        }
        actions={
          isLive ? (
            <button className="btn danger" onClick={() => void hangup.run()} disabled={hangup.busy}>
              Hang up
            </button>
          ) : null
        }
      />
      {hangup.error ? <ErrorBox error={hangup.error} /> : null}
      <div className="stats">
        <div className="stat">
          <div className="stat-label">Status</div>
          <div className="stat-value small-value">
            <Badge tone={statusTone(c.status)}>{c.status}</Badge> {isLive ? <CallStateBadge view={view} /> : null}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Duration</div>
          <div className="stat-value">{formatDuration(c.duration_s)}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Outcome</div>
          <div className="stat-value small-value">{endReasonLabel(c.end_reason)}</div>
          {c.error ? <div className="stat-hint bad">{c.error.message}</div> : null}
        </div>
        <div className="stat">
          <div className="stat-label">From → to</div>
          <div className="stat-value small-value">
            {displayNumber(c.from_number)} → {displayNumber(c.to_number)}
          </div>
        </div>
      </div>
      <div className="grid-2">
        <Card title="Transcript" actions={isLive ? <Badge tone="live">live</Badge> : null}>
          <Transcript
            view={view.turns.length || isLive ? view : { ...EMPTY_CONVERSATION, turns: (c.transcript ?? []).map((t) => ({ role: t.role === 'agent' ? 'agent' : 'user', text: t.interrupted && t.heard_text !== null ? t.heard_text : t.text, interrupted: t.interrupted })) }}
            emptyText={streamDone || !isLive ? 'Nothing was said on this call.' : 'Waiting for the conversation…'}
          />
        </Card>
        <div className="stack">
          <Card title="Recording">
            <Recording call={c} />
          </Card>
          <Card title="Per-turn latency">
            <TurnLatencies metrics={metrics} />
          </Card>
        </div>
      </div>
      <div className="grid-2">
        <Card title="Media (RTP)">
          <MediaStats events={view.events} />
        </Card>
        <Card title="Events">
          <Events events={view.events} />
        </Card>
      </div>
    </>
  );
}
