import type { Playbook } from '../playbook/playbook.js';
import { deepEqual } from '../expr/evaluate.js';
import type { DialogEvent, HostAction, Role, WriteStatus, Writer } from './events.js';

/** A slot's current value and its provenance. */
export interface SlotValue {
  value: unknown;
  status: WriteStatus;
  by: Writer;
  version: number;
}

/** A stored tool result (`results.<store_as>` in expressions and templates). */
export interface ToolResultState {
  tool: string;
  ok: boolean;
  /** Alias of `ok`, so flow-era templates reading `.success` keep working. */
  success: boolean;
  status: number | null;
  data: unknown;
  error: string | null;
  version: number;
}

export interface TranscriptEntry {
  role: Role;
  text: string;
  version: number;
  interrupted: boolean;
}

/** Everything known about a conversation, folded from its log. */
export interface ConversationState {
  version: number;
  startedAt: string | null;
  timezone: string;
  checkpoint: string | null;
  checkpointEnteredVersion: number;
  /** Exited checkpoints in order (repeats kept). */
  completed: string[];
  transcript: TranscriptEntry[];
  slots: Record<string, SlotValue>;
  env: Record<string, string>;
  results: Record<string, ToolResultState>;
  toolCallCounts: Record<string, number>;
  scratchpad: string;
  steering: { text: string; kind: 'steer' | 'repair' } | null;
  summary: string;
  silenceCount: number;
  userTurnsInCheckpoint: number;
  /** True once the current checkpoint's pipeline ran (reset on advance). */
  pipelineRan: boolean;
  /** True once the current checkpoint's verbatim line was spoken (reset on advance). */
  verbatimSpoken: boolean;
  ended: boolean;
  outcome: string | null;
  action: HostAction | null;
  language: string | null;
  degradedCount: number;
  repairCount: number;
}

/** The state before any event. */
export function initialState(playbook: Playbook): ConversationState {
  return {
    version: 0,
    startedAt: null,
    timezone: playbook.spec.guidelines.timezone,
    checkpoint: null,
    checkpointEnteredVersion: 0,
    completed: [],
    transcript: [],
    slots: {},
    env: { ...playbook.spec.env },
    results: {},
    toolCallCounts: {},
    scratchpad: '',
    steering: null,
    summary: '',
    silenceCount: 0,
    userTurnsInCheckpoint: 0,
    pipelineRan: false,
    verbatimSpoken: false,
    ended: false,
    outcome: null,
    action: null,
    language: null,
    degradedCount: 0,
    repairCount: 0,
  };
}

const TRUSTED_WRITERS: ReadonlySet<Writer> = new Set(['tool', 'rule', 'host']);

/**
 * Apply one event (mutates `s`; `fold` is the pure entry point). Lane rules: only tools, rule
 * `set`s and the host may write an `authoritative` slot; a provisional write of the same value
 * never downgrades a confirmed one (a different value is a correction and replaces it, to be
 * confirmed again); when a value changes, the slot's `invalidates` keys are cleared from slots
 * and tool results, once, non-transitively.
 */
export function applyEvent(s: ConversationState, e: DialogEvent, playbook: Playbook): void {
  s.version = e.version;
  switch (e.type) {
    case 'session_start':
      s.startedAt = e.started_at;
      s.timezone = e.timezone;
      break;
    case 'utterance':
      s.transcript.push({ role: e.role, text: e.text, version: e.version, interrupted: false });
      if (e.verbatim) s.verbatimSpoken = true;
      if (e.role === 'user') {
        s.userTurnsInCheckpoint += 1;
        s.silenceCount = 0;
        if (e.language) s.language = e.language;
      }
      break;
    case 'interruption': {
      const entry = s.transcript.find((t) => t.version === e.utterance_version);
      if (entry) {
        entry.text = e.heard_text;
        entry.interrupted = true;
      }
      break;
    }
    case 'slot_write': {
      const spec = playbook.slotSpec(e.key);
      if (spec?.authoritative && !TRUSTED_WRITERS.has(e.by)) break;
      const prev = s.slots[e.key];
      const same = prev !== undefined && deepEqual(prev.value, e.value);
      if (same && prev.status === 'confirmed' && e.status === 'provisional') break;
      s.slots[e.key] = { value: e.value, status: e.status, by: e.by, version: e.version };
      if (!same && prev !== undefined && spec) {
        for (const key of spec.invalidates) {
          delete s.slots[key];
          delete s.results[key];
        }
      }
      break;
    }
    case 'advance':
      if (s.checkpoint !== null) s.completed.push(s.checkpoint);
      s.checkpoint = e.to_checkpoint;
      s.checkpointEnteredVersion = e.version;
      s.userTurnsInCheckpoint = 0;
      s.silenceCount = 0;
      s.steering = null;
      s.pipelineRan = false;
      s.verbatimSpoken = false;
      break;
    case 'steering_note':
      s.steering = { text: e.text, kind: e.kind };
      if (e.kind === 'repair') s.repairCount += 1;
      break;
    case 'tool_call':
      s.toolCallCounts[e.tool] = (s.toolCallCounts[e.tool] ?? 0) + 1;
      break;
    case 'tool_result':
      if (e.store_as === 'pipeline') s.pipelineRan = true;
      if (e.store_as) s.results[e.store_as] = { tool: e.tool, ok: e.ok, success: e.ok, status: e.status, data: e.data, error: e.error, version: e.version };
      break;
    case 'env_write':
      s.env[e.key] = e.value;
      break;
    case 'scratchpad':
      s.scratchpad = e.text;
      break;
    case 'summary':
      s.summary = e.text;
      break;
    case 'external':
      if (e.kind === 'silence') s.silenceCount += 1;
      break;
    case 'degraded':
      s.degradedCount += 1;
      break;
    case 'session_end':
      s.ended = true;
      s.outcome = e.outcome;
      s.action = e.action;
      break;
  }
}

/** Pure: the state after `events`. */
export function fold(events: readonly DialogEvent[], playbook: Playbook): ConversationState {
  const s = initialState(playbook);
  for (const e of events) applyEvent(s, e, playbook);
  return s;
}

/** Deep copy, for peeking at "what if" without touching the live state. */
export function cloneState(s: ConversationState): ConversationState {
  return structuredClone(s);
}

/** Plain slot values (`slots.x` in expressions and templates). */
export function slotValues(s: ConversationState): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s.slots).map(([k, v]) => [k, v.value]));
}
