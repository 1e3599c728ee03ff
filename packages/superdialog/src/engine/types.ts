import type { HostAction } from './events.js';

/** What a finished turn reports besides its text. */
export interface TurnMetadata {
  engine: 'playbook' | 'graph';
  /** Checkpoint (playbook) or node (graph) after the turn. */
  checkpoint: string | null;
  /** Event-log version (playbook) or turn count (graph). */
  version: number;
  ended: boolean;
  outcome: string | null;
  /** What the host should do now (transfer, end), if anything. */
  action: HostAction | null;
  /** Speech hints for the caller's next utterance. */
  hints: string[];
}

export interface TurnResult {
  text: string;
  metadata: TurnMetadata;
}

export interface TurnOptions {
  /** Aborts speech (barge-in); the turn's bookkeeping still completes. */
  signal?: AbortSignal;
  /** Language the speech recogniser detected for this utterance. */
  language?: string | null;
}

/** A LiveKit-shaped chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/** The contract both engines implement; `DialogMachine` is the public facade over it. */
export interface DialogEngine {
  readonly kind: 'playbook' | 'graph';
  /** The opening turn (speak-first calls). */
  start(options?: TurnOptions): AsyncIterable<string>;
  /** One caller turn, streamed. */
  stream(text: string, options?: TurnOptions): AsyncIterable<string>;
  /** Result of the last finished turn (or opening). */
  readonly lastTurn: TurnResult | null;
  assist(instruction: string): void;
  markInterrupted(heardText: string | null): void;
  chatContext(): ChatMessage[];
  loadChatContext(messages: readonly ChatMessage[]): void;
  readonly isComplete: boolean;
  readonly state: Readonly<Record<string, unknown>>;
  hints(): string[];
}
