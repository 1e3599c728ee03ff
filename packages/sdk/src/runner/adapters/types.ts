/**
 * The dialog adapter contract: how a brain plugs into a call. `CallSession.run()` calls only
 * `stream()` on the hot path; everything else is optional or user-called. SuperDialog plugs in
 * through this same interface (its package provides its own adapter).
 */

/** What a turn knows about its call, passed to `stream()` / `turn()` as `context`. */
export interface TurnContext {
  callId: string;
  sessionId: string;
  agentId: string;
  /** 1-based turn counter of this call. */
  turnId: number;
  /** The call's `ctx.data` (caller data plus routing identity). */
  data: Readonly<Record<string, unknown>>;
}

/** Per-turn options of {@link DialogAdapter.stream}. */
export interface StreamOptions {
  /** Language reported by the server's STT for this utterance (`user.text.extra.language`), if any. */
  language: string | null;
  /** Aborted on barge-in, call end or cancel; pass it to your provider so its stream stops. */
  signal: AbortSignal;
  /** The call and turn; null when the adapter is used outside a call (e.g. `turn()` in a test). */
  context: TurnContext | null;
}

/** One LLM call, reported by an adapter through {@link DialogAdapter.registerLlmCallback}. */
export interface LlmCallInfo {
  model: string | null;
  /** e.g. `chat`, `tool_followup`. */
  callType: string;
  latencyMs: number;
  tokensIn: number | null;
  tokensOut: number | null;
  /** Prompt tokens served from the provider's cache, when reported. */
  cached?: number | null;
  cacheWrite?: number | null;
  /** True when token counts are estimates. */
  estimated?: boolean;
  nodeId?: string | null;
  edgeId?: string | null;
  /** The request messages (for your own tracing; the SDK never logs them). */
  promptMessages?: unknown;
  responseJson?: unknown;
}

/** Receives LLM call reports; the session fires its `llm_call` hook from them. */
export type LlmCallback = (info: LlmCallInfo) => void | Promise<void>;

/** A tool call the brain decided to make. */
export interface ToolCallInfo {
  id: string;
  name: string;
  /** Parsed JSON arguments, or the raw string when they were not valid JSON. */
  arguments: unknown;
}

/** The outcome of a tool call. */
export interface ToolResultInfo extends ToolCallInfo {
  result: unknown;
  /** Set when the tool handler threw. */
  error: string | null;
  latencyMs: number;
}

/** Receives tool activity; the session fires its `tool_call` / `tool_result` hooks from them. */
export interface ToolCallbacks {
  toolCall(info: ToolCallInfo): void | Promise<void>;
  toolResult(info: ToolResultInfo): void | Promise<void>;
}

/** A brain the session can drive. */
export interface DialogAdapter {
  /**
   * Reply to `text`, yielding chunks as they are produced (real tokens, not one big chunk, or the
   * caller waits for the whole reply). Must stop promptly when `options.signal` aborts and
   * release provider resources in `finally`.
   */
  stream(text: string, options: StreamOptions): AsyncIterable<string>;
  /** Reply to `text` as one string (not used on the live path). */
  turn(text: string, options?: Partial<StreamOptions>): Promise<string>;
  /** Add a system instruction that applies from the next turn (cheap, synchronous). */
  assist(instruction: string): void;
  /**
   * The caller cut the last reply off: keep only what was heard in history. `heardText` is the
   * server's estimate of the heard prefix, or null when unknown.
   */
  markInterrupted?(heardText: string | null): void;
  /** When true after a turn, the session ends the call (`agent.end_call` reason `completed`). */
  readonly isComplete?: boolean;
  /** Called once when the adapter is attached; report every LLM call through it. */
  registerLlmCallback?(callback: LlmCallback): void;
  /** Called once when the adapter is attached; report tool calls and results through it. */
  registerToolCallbacks?(callbacks: ToolCallbacks): void;
  /** Adapter state for observability (`from_node`, `node_id`, ...). */
  readonly state?: Readonly<Record<string, unknown>>;
}

/** True when `value` structurally provides `stream`, `turn` and `assist`. */
export function isDialogAdapter(value: unknown): value is DialogAdapter {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.stream === 'function' && typeof v.turn === 'function' && typeof v.assist === 'function';
}

/**
 * The instruction given to the brain after a barge-in: the caller's next words may be a partial
 * thought; ask them to repeat rather than repeating yourself when unclear, else answer and pick
 * up where you stopped.
 */
export const INTERRUPTION_NUDGE =
  'The caller interrupted you while you were speaking, so their next message may be incomplete. ' +
  'If it is unclear what they want, do not repeat your previous answer; briefly ask them to say it again. ' +
  'If it is clear, acknowledge it, respond to it, and continue from where you were cut off if still relevant.';
