import type { CallState, LiveEvent, TurnMetrics } from '@unpod/protocol';

/** One line of a conversation as the dashboard shows it. */
export interface ViewTurn {
  role: 'user' | 'agent';
  text: string;
  interrupted: boolean;
}

export interface ViewEvent {
  at: string;
  name: string;
  data: Record<string, unknown>;
}

/**
 * What a live call page or the playground shows, folded from the call's events: the SSE stream
 * (`LiveEvent`) or the playground's own client socket frames. Pure: every update returns a new
 * value, so React can render it directly.
 */
export interface ConversationView {
  status: 'connecting' | 'live' | 'ended';
  state: CallState | null;
  turns: ViewTurn[];
  /** The caller's words so far in the current turn (speech partials). */
  partial: string;
  /** The agent's reply as it streams, until it is final. */
  agentDraft: string;
  metrics: TurnMetrics[];
  events: ViewEvent[];
  endReason: string | null;
  error: string | null;
}

export const EMPTY_CONVERSATION: ConversationView = {
  status: 'connecting',
  state: null,
  turns: [],
  partial: '',
  agentDraft: '',
  metrics: [],
  events: [],
  endReason: null,
  error: null,
};

function withMetrics(list: TurnMetrics[], m: TurnMetrics): TurnMetrics[] {
  const rest = list.filter((x) => x.turn_id !== m.turn_id);
  return [...rest, m].sort((a, b) => a.turn_id - b.turn_id);
}

/** Fold one SSE live event into the view. */
export function applyLiveEvent(view: ConversationView, e: LiveEvent): ConversationView {
  switch (e.type) {
    case 'call.started':
      return { ...view, status: 'live' };
    case 'call.state':
      return { ...view, status: view.status === 'ended' ? 'ended' : 'live', state: e.state };
    case 'transcript.partial':
      return { ...view, partial: e.text };
    case 'transcript.final':
      return e.role === 'user'
        ? { ...view, partial: '', turns: [...view.turns, { role: 'user', text: e.text, interrupted: e.interrupted }] }
        : { ...view, agentDraft: '', turns: [...view.turns, { role: 'agent', text: e.text, interrupted: e.interrupted }] };
    case 'agent.delta':
      return { ...view, agentDraft: view.agentDraft + e.text };
    case 'call.metrics':
      return { ...view, metrics: withMetrics(view.metrics, e.metrics) };
    case 'call.event':
      return { ...view, events: [...view.events, { at: e.at, name: e.name, data: e.data }] };
    case 'call.ended':
      return { ...view, status: 'ended', state: null, partial: '', agentDraft: '', endReason: e.reason };
    case 'worker.changed':
      return view;
  }
}

/** A JSON frame from a text or WebSocket audio call's client socket. */
export type ClientFrame = { event: string } & Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Fold one client socket frame into the view. Text calls send the agent's reply as deltas then
 * `agent.text.end` with the whole text; audio calls also send `user.partial` / `user.text`.
 */
export function applyClientFrame(view: ConversationView, f: ClientFrame): ConversationView {
  switch (f.event) {
    case 'call.connected':
      return { ...view, status: 'live' };
    case 'state':
      return { ...view, state: f['state'] as CallState };
    case 'user.partial':
      return { ...view, partial: str(f['text']) };
    case 'user.text':
      return { ...view, partial: '', turns: [...view.turns, { role: 'user', text: str(f['text']), interrupted: false }] };
    case 'agent.text.delta':
      return { ...view, agentDraft: view.agentDraft + str(f['text']) };
    case 'agent.text.end': {
      const text = str(f['text']) || view.agentDraft;
      return { ...view, agentDraft: '', turns: text ? [...view.turns, { role: 'agent', text, interrupted: false }] : view.turns };
    }
    case 'user.interrupted': {
      const turns = [...view.turns];
      const last = turns.at(-1);
      if (last?.role === 'agent') turns[turns.length - 1] = { ...last, interrupted: true };
      return { ...view, turns };
    }
    case 'error':
      return { ...view, error: `${str(f['code'])}: ${str(f['message'])}` };
    case 'call.ended':
      return { ...view, status: 'ended', state: null, agentDraft: '', partial: '', endReason: str(f['reason']) || null };
    default:
      return view;
  }
}

/** The user typed a line in the playground (text calls do not echo it back). */
export function addOwnText(view: ConversationView, text: string): ConversationView {
  return { ...view, turns: [...view.turns, { role: 'user', text, interrupted: false }] };
}
