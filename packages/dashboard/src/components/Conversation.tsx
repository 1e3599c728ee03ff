import { useEffect, useRef } from 'react';
import type { TurnMetrics } from '@unpod/protocol';
import type { ConversationView } from '../lib/conversation.js';
import { formatMs } from '../lib/format.js';
import { StackedRows } from './charts.js';
import { Badge } from './ui.js';

const STATE_TONE = { listening: 'good', thinking: 'warn', speaking: 'live', interrupted: 'bad', idle: 'muted' } as const;

export function CallStateBadge({ view }: { view: ConversationView }) {
  if (view.status === 'ended') return <Badge tone="muted">ended{view.endReason ? ` · ${view.endReason.replace(/_/g, ' ')}` : ''}</Badge>;
  if (view.status === 'connecting') return <Badge tone="warn">connecting…</Badge>;
  const state = view.state ?? 'idle';
  return (
    <Badge tone={STATE_TONE[state]}>
      <span className="pulse" /> {state}
    </Badge>
  );
}

/** The transcript with the caller's partial words and the agent's streaming reply at the end. */
export function Transcript({ view, emptyText }: { view: ConversationView; emptyText: string }) {
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Braces: newer browsers return a promise from scrollIntoView, and an effect may return only a cleanup.
    void end.current?.scrollIntoView({ block: 'nearest' });
  }, [view.turns.length, view.partial, view.agentDraft]);
  const nothing = view.turns.length === 0 && !view.partial && !view.agentDraft;
  return (
    <div className="transcript" aria-live="polite">
      {nothing ? <p className="muted center">{emptyText}</p> : null}
      {view.turns.map((t, i) => (
        <div key={i} className={`bubble ${t.role}`} data-role={t.role}>
          <span className="who">{t.role === 'user' ? 'Caller' : 'Agent'}</span>
          {t.text || (t.interrupted ? <em className="cut">cut off before a word was heard</em> : null)}
          {t.interrupted && t.text ? <span className="cut"> (interrupted)</span> : null}
        </div>
      ))}
      {view.partial ? (
        <div className="bubble user partial" data-role="user-partial">
          <span className="who">Caller</span>
          {view.partial}…
        </div>
      ) : null}
      {view.agentDraft ? (
        <div className="bubble agent partial" data-role="agent-draft">
          <span className="who">Agent</span>
          {view.agentDraft}
          <span className="caret" />
        </div>
      ) : null}
      <div ref={end} />
    </div>
  );
}

export const LATENCY_COLORS = { stt: '#0ea5e9', agent: '#8b5cf6', tts: '#f59e0b' };

/** Per-turn latency breakdown: STT, agent first token, TTS first byte; and voice-to-voice. */
export function TurnLatencies({ metrics }: { metrics: TurnMetrics[] }) {
  if (metrics.length === 0) return <p className="muted">Latencies appear after the agent's first reply.</p>;
  return (
    <>
      <StackedRows
        rows={metrics.map((m) => `Turn ${m.turn_id}`)}
        unit="ms"
        series={[
          { name: 'Speech-to-text', color: LATENCY_COLORS.stt, values: metrics.map((m) => m.stt_ms) },
          { name: 'Agent first text', color: LATENCY_COLORS.agent, values: metrics.map((m) => m.agent_ttft_ms) },
          { name: 'TTS first audio', color: LATENCY_COLORS.tts, values: metrics.map((m) => m.tts_ttfb_ms) },
        ]}
      />
      <div className="table-wrap">
        <table className="table compact latency-table">
          <thead>
            <tr>
              <th>Turn</th>
              <th>STT</th>
              <th>Agent</th>
              <th>TTS</th>
              <th>Voice-to-voice</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((m) => (
              <tr key={m.turn_id}>
                <td>{m.turn_id}</td>
                <td>{formatMs(m.stt_ms)}</td>
                <td>{formatMs(m.agent_ttft_ms)}</td>
                <td>{formatMs(m.tts_ttfb_ms)}</td>
                <td>
                  <strong>{formatMs(m.ttfa_ms)}</strong>
                  {m.interrupted ? <span className="muted"> · cut</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
