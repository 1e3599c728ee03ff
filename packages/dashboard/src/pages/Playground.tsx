import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Call, Page, Pipe, WorkerView } from '@unpod/protocol';
import { api, followEvents, listAll, wsUrl } from '../api.js';
import { TextCall, VoiceCall } from '../audio/voice-call.js';
import { CallStateBadge, Transcript, TurnLatencies } from '../components/Conversation.js';
import { Card, Empty, ErrorBox, Link, Loading, PageHeader, useAsync } from '../components/ui.js';
import { EMPTY_CONVERSATION, addOwnText, applyClientFrame, applyLiveEvent, type ClientFrame, type ConversationView } from '../lib/conversation.js';

type Mode = 'voice' | 'text';

export function PlaygroundPage() {
  const pipes = useAsync(() => listAll<Pipe>('/v1/pipes'));
  const workers = useAsync(async () => (await api<Page<WorkerView>>('GET', '/v1/workers?limit=200')).data);
  const [pipeId, setPipeId] = useState<string>(() => new URLSearchParams(location.search).get('pipe') ?? '');
  const [mode, setMode] = useState<Mode>('voice');
  const [view, setView] = useState<ConversationView | null>(null);
  const [callId, setCallId] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>();
  const [level, setLevel] = useState(0);
  const [text, setText] = useState('');
  const voice = useRef<VoiceCall | null>(null);
  const textCall = useRef<TextCall | null>(null);
  const stopEvents = useRef<(() => void) | null>(null);

  const pipe = pipes.data?.find((p) => p.id === pipeId) ?? pipes.data?.[0];
  const hasRunner = !!pipe && !!workers.data?.some((w) => w.agent_id === pipe.agent_id);
  const live = view !== null && view.status !== 'ended';

  useEffect(
    () => () => {
      voice.current?.hangup();
      textCall.current?.hangup();
      stopEvents.current?.();
    },
    [],
  );

  const onFrame = (f: ClientFrame) => setView((v) => applyClientFrame(v ?? EMPTY_CONVERSATION, f));
  const onClosed = () => {
    setView((v) => (v && v.status !== 'ended' ? { ...v, status: 'ended' } : v));
    setLevel(0);
  };

  const start = async () => {
    if (!pipe) return;
    setError(undefined);
    setView(EMPTY_CONVERSATION);
    setCallId(null);
    try {
      const call = await api<Call>('POST', '/v1/calls', { pipe_id: pipe.id, transport: mode === 'voice' ? 'websocket' : 'text' });
      if (!call.client_url) throw new Error(call.error?.message ?? `the call could not start (${call.status})`);
      setCallId(call.id);
      // Per-turn metrics come from the call's live event stream.
      stopEvents.current?.();
      stopEvents.current = followEvents(`/v1/calls/${encodeURIComponent(call.id)}/events`, (e) => {
        if (e.type === 'call.metrics') setView((v) => applyLiveEvent(v ?? EMPTY_CONVERSATION, e));
      });
      const url = wsUrl(call.client_url);
      if (mode === 'voice') voice.current = await VoiceCall.start(url, { frame: onFrame, level: setLevel, closed: onClosed });
      else textCall.current = TextCall.start(url, { frame: onFrame, closed: onClosed });
    } catch (err) {
      setView(null);
      setError(err instanceof DOMException && err.name === 'NotAllowedError' ? new Error('Microphone access was refused. Allow it in the browser, or use Text mode.') : (err as Error));
    }
  };

  const hangup = () => {
    voice.current?.hangup();
    textCall.current?.hangup();
  };

  const send = (e: FormEvent) => {
    e.preventDefault();
    const line = text.trim();
    if (!line || !textCall.current?.open) return;
    textCall.current.say(line);
    setView((v) => addOwnText(v ?? EMPTY_CONVERSATION, line));
    setText('');
  };

  if (pipes.error && !pipes.data) return <ErrorBox error={pipes.error} retry={pipes.reload} />;
  if (!pipes.data) return <Loading what="pipes" />;
  if (pipes.data.length === 0) {
    return (
      <>
        <PageHeader title="Playground" />
        <Card>
          <Empty title="No pipe to call">
            Create a pipe first: it tells Unpod which agent answers. <Link to="/pipes">Create a pipe →</Link>
          </Empty>
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader title="Playground" subtitle="Talk to your agent from the browser, by voice or by typing." />
      <div className="grid-play">
        <Card title="Call setup">
          <div className="form">
            <label className="field">
              <span className="field-label">Pipe</span>
              <select name="pipe" value={pipe?.id ?? ''} onChange={(e) => setPipeId(e.target.value)} disabled={live}>
                {pipes.data.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} ({p.agent_id})
                  </option>
                ))}
              </select>
            </label>
            <div className="segmented" role="radiogroup" aria-label="Mode">
              <button type="button" role="radio" aria-checked={mode === 'voice'} className={mode === 'voice' ? 'on' : ''} onClick={() => setMode('voice')} disabled={live}>
                ◉ Voice
              </button>
              <button type="button" role="radio" aria-checked={mode === 'text'} className={mode === 'text' ? 'on' : ''} onClick={() => setMode('text')} disabled={live}>
                ✎ Text
              </button>
            </div>
            {workers.data && pipe && !hasRunner ? (
              <div className="note warn">
                No runner is connected for <code>{pipe.agent_id}</code>; the call will fail. Start it, e.g. <code>npm start -w @unpod/example-echo-agent</code>.
              </div>
            ) : null}
            {live ? (
              <button className="btn danger big" onClick={hangup}>
                Hang up
              </button>
            ) : (
              <button className="btn primary big" onClick={() => void start()}>
                {mode === 'voice' ? 'Start voice call' : 'Start text chat'}
              </button>
            )}
            {mode === 'voice' && live ? (
              <div className="meter mic" title="Microphone level">
                <span style={{ width: `${Math.min(100, level * 140)}%` }} />
              </div>
            ) : null}
            {error ? <ErrorBox error={error} /> : null}
            {view?.error ? <div className="error-box">{view.error}</div> : null}
            {callId && live ? (
              <div className="note">
                {/* rel=opener: the new tab inherits this tab's session storage, and with it the sign-in. */}
                Call <code>{callId.slice(0, 14)}…</code> is live.{' '}
                <a href={`/calls/${encodeURIComponent(callId)}`} target="_blank" rel="opener">
                  Watch it live in a new tab →
                </a>
              </div>
            ) : null}
            {callId && view?.status === 'ended' ? (
              <div className="note">
                Call ended. <Link to={`/calls/${encodeURIComponent(callId)}`}>Open the call page →</Link>
              </div>
            ) : null}
          </div>
        </Card>
        <Card title="Conversation" actions={view ? <CallStateBadge view={view} /> : null} className="conversation-card">
          <Transcript view={view ?? EMPTY_CONVERSATION} emptyText={mode === 'voice' ? 'Start a call and speak: your words and the agent’s replies appear here.' : 'Start a chat and type a message.'} />
          {mode === 'text' && live ? (
            <form className="composer" onSubmit={send}>
              <input name="message" value={text} onChange={(e) => setText(e.target.value)} placeholder="Type a message…" autoComplete="off" autoFocus />
              <button className="btn primary" disabled={!text.trim()}>
                Send
              </button>
            </form>
          ) : null}
        </Card>
      </div>
      <Card title="Per-turn latency">
        <TurnLatencies metrics={view?.metrics ?? []} />
      </Card>
    </>
  );
}
