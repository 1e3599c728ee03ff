import type { LiveEvent } from '@unpod/protocol';
import { notFound } from '../../errors.js';
import type { LiveEventHub } from '../../live-events.js';
import type { CallRecord } from '../../store/repos/calls.js';
import type { Store } from '../../store/store.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';
import { sseResponse, type SseWriter } from '../sse.js';

/** What the space-wide stream carries: enough for an overview, never transcripts. */
const SPACE_TYPES: ReadonlySet<LiveEvent['type']> = new Set(['call.started', 'call.ended', 'call.state', 'worker.changed']);

const TERMINAL = new Set(['completed', 'failed']);

/** A finished (or not-live-here) call's stored history as live events, oldest first. */
async function storedEvents(store: Store, call: CallRecord): Promise<LiveEvent[]> {
  const [turns, events, metrics] = await Promise.all([store.calls.transcript(call.id), store.calls.events(call.id), store.calls.turnMetrics(call.id)]);
  const out: LiveEvent[] = [
    ...turns.map((t): LiveEvent => ({
      type: 'transcript.final',
      call_id: call.id,
      at: t.at,
      role: t.role === 'agent' ? 'agent' : 'user',
      text: t.interrupted && t.heard_text !== null ? t.heard_text : t.text,
      interrupted: t.interrupted,
    })),
    ...events.map((e): LiveEvent => ({ type: 'call.event', call_id: call.id, at: e.at, name: e.type, data: e.data })),
  ];
  // Stored metrics carry no time of their own; they follow the transcript.
  const last = out.reduce((max, e) => (e.at > max ? e.at : max), call.created_at);
  for (const m of metrics) out.push({ type: 'call.metrics', call_id: call.id, at: last, metrics: m });
  // Stable sort: a turn and an event with the same timestamp keep turn-first order.
  out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  if (TERMINAL.has(call.status)) out.push({ type: 'call.ended', call_id: call.id, at: call.ended_at ?? call.created_at, reason: call.end_reason ?? 'unknown' });
  return out;
}

/**
 * Stream one call's events: replay, then live. Subscribing and taking the live call's history
 * happen in one synchronous step, so no event is lost or repeated between them.
 */
function streamCall(deps: { store: Store; events: LiveEventHub; liveEvents: (id: string) => readonly LiveEvent[] | undefined }, call: CallRecord): Response {
  return sseResponse((writer: SseWriter) => {
    const pending: LiveEvent[] = [];
    let replaying = true;
    let ended = false;
    const deliver = (event: LiveEvent) => {
      // The end may reach us twice (stored and live) when the call ends while we subscribe.
      if (ended) return;
      writer.send(event);
      if (event.type === 'call.ended') {
        ended = true;
        queueMicrotask(() => writer.close());
      }
    };
    const unsubscribe = deps.events.subscribe(call.space_id, { callId: call.id }, (event) => {
      if (replaying) pending.push(event);
      else deliver(event);
    });
    const history = deps.liveEvents(call.id);
    // Not live here: read the call again after subscribing. A call stores its end before it
    // publishes `call.ended`, so either the fresh row is finished or the end is still to come.
    const replay = history
      ? Promise.resolve([...history])
      : deps.store.calls.get(call.space_id, call.id).then((fresh) => storedEvents(deps.store, fresh ?? call));
    void replay
      .then((events) => {
        for (const event of events) deliver(event);
        replaying = false;
        for (const event of pending.splice(0)) deliver(event);
      })
      .catch(() => writer.close());
    return unsubscribe;
  });
}

export function eventRoutes({ store, liveCalls, events }: ControlDeps & { events: LiveEventHub }) {
  const liveEvents = (id: string) => liveCalls.liveEvents?.(id);
  return [
    route({
      method: 'get',
      path: '/v1/events',
      summary:
        'Server-Sent Events for the space: `call.started`, `call.ended`, `call.state` and `worker.changed`, as they happen. Each message has `event: <type>` and `data: <LiveEvent JSON>`.',
      tag: 'events',
      handler: async ({ spaceId }) => sseResponse((writer) => events.subscribe(spaceId, { types: SPACE_TYPES }, (e) => writer.send(e))),
    }),
    route({
      method: 'get',
      path: '/v1/calls/:id/events',
      summary:
        "Server-Sent Events of one call: what already happened (transcripts, state, agent text, events), then live events until `call.ended`, when the stream closes. A finished call's stream is its stored transcript and events.",
      tag: 'events',
      handler: async ({ spaceId, params }) => {
        const call = await store.calls.get(spaceId, params.id!);
        if (!call) throw notFound('call');
        return streamCall({ store, events, liveEvents }, call);
      },
    }),
  ];
}
