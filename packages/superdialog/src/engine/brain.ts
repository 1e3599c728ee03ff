import type { CompiledCheckpoint, Playbook } from '../playbook/playbook.js';
import type { ConversationState } from './state.js';
import type { ToolOutcome } from './tools.js';

/**
 * The two roles a brain plays each turn. The Director reads the caller's words and returns one
 * structured verdict (slot values, confirmations, which rule to take, global intents); the Talker
 * streams what to say. Two implementations exist: LLM-backed (`llm-brain.ts`) and the
 * deterministic rules provider (`rules-brain.ts`).
 */

export type GlobalIntent = 'talk_to_human' | 'goodbye';

/** One Director decision for one caller utterance. */
export interface Verdict {
  /** Newly evident slot values (raw; the runtime whitelists and coerces them). */
  slots: Record<string, unknown>;
  /** Provisional slots the caller just confirmed (e.g. "yes" to a read-back). */
  confirm: string[];
  /** Target ref of an llm rule of the current checkpoint, or null to stay. */
  advance: string | null;
  intent: GlobalIntent | null;
  /** Id of a playbook interrupt. */
  interrupt: string | null;
  /** Advice for the Talker's next turn (objections, confusion), or null. */
  note: string | null;
}

export const EMPTY_VERDICT: Verdict = { slots: {}, confirm: [], advance: null, intent: null, interrupt: null, note: null };

export interface DirectorInput {
  playbook: Playbook;
  state: Readonly<ConversationState>;
  checkpoint: CompiledCheckpoint;
  /** The utterance being judged (also the last user entry of the transcript). */
  text: string;
  /** The session's calendar date (for relative dates). */
  today: Date;
}

export interface Director {
  decide(input: DirectorInput, signal: AbortSignal): Promise<Verdict>;
}

export interface TalkInput {
  playbook: Playbook;
  state: Readonly<ConversationState>;
  checkpoint: CompiledCheckpoint;
  /** Talker template namespace: slots, views, results, exposed env. */
  scope: Readonly<Record<string, unknown>>;
  /** Did the last user turn change anything (slot, confirmation, checkpoint)? */
  progressed: boolean;
  /** Host instructions (`assist`) for this turn. */
  assists: readonly string[];
  /** Caller language of this turn, if known. */
  language: string | null;
  /** The session's calendar date. */
  today: Date;
  /** Run a tool the checkpoint exposes, with arguments the model chose. */
  callTool(id: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome>;
}

export interface Talker {
  speak(input: TalkInput, signal: AbortSignal): AsyncIterable<string>;
}

/** A Director and a Talker. */
export interface Brain {
  readonly name: string;
  readonly director: Director;
  readonly talker: Talker;
}
