import { SuperDialogError } from '../errors.js';
import { isSecretKey, MASK, redactValue } from '../redact.js';

/**
 * The append-only event log: every change to a conversation is one versioned event, and the
 * state is a pure fold over the log (see `state.ts`). Nothing is ever edited in place: a barge-in
 * that cuts a reply short is itself an `interruption` event.
 */

export type Role = 'user' | 'assistant' | 'system';
export type WriteStatus = 'provisional' | 'confirmed';
/** Who wrote a slot. `rule` = an advance rule's `set`; `tool` = a tool's slot_updates. */
export type Writer = 'talker' | 'director' | 'rules' | 'tool' | 'rule' | 'host';
/** What moved the conversation. */
export type Mover = 'director' | 'rules' | 'expr' | 'pipeline' | 'policy' | 'intent' | 'runtime';

/** An action the host must carry out (the engine itself never touches the call). */
export type HostAction = { type: 'transfer'; target: string } | { type: 'end' };

export type EventBody =
  | { type: 'session_start'; started_at: string; timezone: string }
  | { type: 'utterance'; role: Role; text: string; spoke_from_version: number | null; language: string | null; verbatim?: boolean }
  | { type: 'interruption'; utterance_version: number; heard_text: string }
  | { type: 'slot_write'; key: string; value: unknown; status: WriteStatus; by: Writer }
  | { type: 'advance'; from_checkpoint: string | null; to_checkpoint: string; rule: string; by: Mover }
  | { type: 'steering_note'; text: string; kind: 'steer' | 'repair' }
  | { type: 'tool_call'; tool: string; args: unknown }
  | { type: 'tool_result'; tool: string; store_as: string | null; ok: boolean; status: number | null; data: unknown; error: string | null }
  | { type: 'env_write'; key: string; value: string }
  | { type: 'scratchpad'; text: string }
  | { type: 'summary'; text: string }
  | { type: 'external'; kind: 'silence' | 'webhook' | 'timer'; name: string; payload: unknown }
  | { type: 'degraded'; component: 'director' | 'talker' | 'runtime'; detail: string }
  | { type: 'session_end'; outcome: string; action: HostAction | null };

export type EventType = EventBody['type'];
/** A stamped event: `version` is contiguous from 1. */
export type DialogEvent = EventBody & { readonly version: number };

export const EVENT_TYPES: readonly EventType[] = [
  'session_start', 'utterance', 'interruption', 'slot_write', 'advance', 'steering_note', 'tool_call',
  'tool_result', 'env_write', 'scratchpad', 'summary', 'external', 'degraded', 'session_end',
];

/** A copy safe to export or show: secret env values and secret-keyed fields masked. */
export function redactEvent(event: DialogEvent): DialogEvent {
  switch (event.type) {
    case 'env_write':
      return isSecretKey(event.key) ? { ...event, value: MASK } : event;
    case 'tool_call':
    case 'tool_result':
    case 'external':
      return redactValue(event) as DialogEvent;
    default:
      return event;
  }
}

/** The log. `append` stamps the next version; listeners see a redacted copy. */
export class EventLog {
  private readonly items: DialogEvent[] = [];
  private readonly listeners = new Set<(event: DialogEvent) => void>();

  get version(): number {
    return this.items.length;
  }

  get events(): readonly DialogEvent[] {
    return this.items;
  }

  append(body: EventBody): DialogEvent {
    if ('version' in body) throw new SuperDialogError('invalid_argument', 'event is already stamped');
    const event = Object.freeze({ ...body, version: this.items.length + 1 }) as DialogEvent;
    this.items.push(event);
    if (this.listeners.size > 0) {
      const safe = redactEvent(event);
      for (const l of this.listeners) l(safe);
    }
    return event;
  }

  /** Watch appends (redacted); returns an unsubscribe function. */
  subscribe(listener: (event: DialogEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One JSON event per line, redacted unless `raw` (raw keeps secrets: store it like one). */
  toJsonl(options: { raw?: boolean } = {}): string {
    return this.items.map((e) => JSON.stringify(options.raw ? e : redactEvent(e))).join('\n') + (this.items.length ? '\n' : '');
  }

  /** Rebuild a log from JSONL; versions must be contiguous from 1. */
  static fromJsonl(text: string): EventLog {
    const log = new EventLog();
    text
      .split('\n')
      .filter((l) => l.trim())
      .forEach((line, i) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          throw new SuperDialogError('invalid_argument', `event log line ${i + 1} is not JSON`);
        }
        const e = parsed as Partial<DialogEvent>;
        if (typeof e.type !== 'string' || !EVENT_TYPES.includes(e.type as EventType)) throw new SuperDialogError('invalid_argument', `event log line ${i + 1}: unknown type`);
        if (e.version !== i + 1) throw new SuperDialogError('invalid_argument', `event log line ${i + 1}: version ${String(e.version)} is not contiguous`);
        const { version: _v, ...body } = e as DialogEvent;
        log.append(body as EventBody);
      });
    return log;
  }
}
