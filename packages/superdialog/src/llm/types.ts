import { SuperDialogError, type SuperDialogErrorCode } from '../errors.js';

/**
 * The provider seam: one interface over every model vendor. `stream` yields text deltas and
 * completed tool calls, then one `done` with usage; `complete` is the same request collected.
 */

export interface LlmToolCall {
  id: string;
  name: string;
  /** Raw JSON text of the arguments, as the model wrote it. */
  arguments: string;
}

export type LlmMessage =
  | {
      role: 'system';
      content: string;
      /**
       * Prompt-cache marker: the stable leading part of `content` (persona, static guidelines).
       * Explicit-cache vendors (Anthropic) get a cache breakpoint after it; automatic-cache vendors
       * (OpenAI) simply benefit from it being first.
       */
      cachePrefix?: string;
    }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: LlmToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface LlmTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface LlmRequest {
  messages: LlmMessage[];
  tools?: LlmTool[];
  /** `required` forces some tool; `{ name }` forces that tool. */
  toolChoice?: 'auto' | 'required' | { name: string };
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object reply (OpenAI `response_format`); ignored where unsupported. */
  json?: boolean;
  signal?: AbortSignal;
  /** What the call is for (`talker`, `director`, `router`): reported with usage. */
  purpose?: string;
}

/** Token usage; `tokensIn` excludes cached prompt tokens, so each token is counted once. */
export interface LlmUsage {
  tokensIn: number | null;
  tokensOut: number | null;
  cached: number | null;
  cacheWrite: number | null;
}

export type LlmStreamEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; call: LlmToolCall }
  | { type: 'done'; usage: LlmUsage | null; model: string; finishReason: string | null };

export interface LlmCompletion {
  text: string;
  toolCalls: LlmToolCall[];
  usage: LlmUsage | null;
  model: string;
}

/** A model vendor. */
export interface LlmProvider {
  /** e.g. `openai`, `anthropic`, `fake`. */
  readonly vendor: string;
  readonly model: string;
  stream(request: LlmRequest): AsyncIterable<LlmStreamEvent>;
  complete(request: LlmRequest): Promise<LlmCompletion>;
}

/** One finished model call, as reported to usage listeners. */
export interface LlmCallReport {
  vendor: string;
  model: string;
  purpose: string;
  latencyMs: number;
  usage: LlmUsage | null;
  ok: boolean;
  messages: LlmMessage[];
  response: { text: string; toolCalls: LlmToolCall[] } | null;
}

export type LlmErrorCode = Extract<SuperDialogErrorCode, 'llm_http_error' | 'llm_timeout' | 'llm_exhausted' | 'llm_bad_response'>;

/** A failed model call; `transient` says whether retrying can help. */
export class LlmError extends SuperDialogError {
  constructor(
    code: LlmErrorCode,
    message: string,
    readonly info: { status?: number | null; transient?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, { cause: info.cause });
  }

  get transient(): boolean {
    return this.info.transient ?? false;
  }

  get status(): number | null {
    return this.info.status ?? null;
  }
}

/** Timeouts, rate limits, overload and gateway failures are worth retrying; nothing else is. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 409, 425, 429, 500, 502, 503, 504, 529]);

/** Collect a stream into a completion. */
export async function collect(events: AsyncIterable<LlmStreamEvent>, fallbackModel: string): Promise<LlmCompletion> {
  const out: LlmCompletion = { text: '', toolCalls: [], usage: null, model: fallbackModel };
  for await (const e of events) {
    if (e.type === 'text') out.text += e.text;
    else if (e.type === 'tool_call') out.toolCalls.push(e.call);
    else {
      out.usage = e.usage;
      out.model = e.model;
    }
  }
  return out;
}
