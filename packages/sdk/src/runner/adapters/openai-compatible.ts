import { AdapterError } from '../errors.js';
import { fetchWithRetry, scrubSecrets, TRANSIENT_STATUSES } from './http-util.js';
import { readSse } from './line-reader.js';
import { parseChunk, ToolCallAccumulator, type ChatToolCall, type ChunkUsage } from './openai-stream.js';
import type { DialogAdapter, LlmCallback, StreamOptions, ToolCallbacks, ToolCallInfo, TurnContext } from './types.js';

/** A chat message as the chat-completions API takes it. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** A function the model may call. */
export interface ChatTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** Runs one tool call; the return value (string, or anything JSON-serializable) goes back to the model. */
export type ToolHandler = (call: ToolCallInfo, info: { signal: AbortSignal; context: TurnContext | null }) => unknown;

/** Options of {@link OpenAICompatibleAdapter}. */
export interface OpenAICompatibleOptions {
  /** API root that `/chat/completions` is appended to, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; omit for local servers that need none. */
  apiKey?: string;
  model: string;
  systemPrompt?: string;
  tools?: ChatTool[];
  onToolCall?: ToolHandler;
  temperature?: number;
  maxTokens?: number;
  /** Extra headers (e.g. organisation ids). */
  headers?: Record<string, string>;
  /** Longest wait for the first byte and between chunks. Default 30 000. */
  timeoutMs?: number;
  /** Retries of 408/425/429/5xx/network failures before any token. Default 2. */
  retries?: number;
  /** First retry delay, doubling. Default 500. */
  retryDelayMs?: number;
  /** Model -> tools -> model rounds allowed in one turn. Default 5. */
  maxToolRounds?: number;
  fetch?: typeof fetch;
}

/** The reply being streamed in one model round. */
interface RoundReply {
  /** Text spoken earlier in this turn (before tool rounds). */
  before: string;
  text: string;
  committed: boolean;
}

function errorFromBody(status: number, body: unknown): AdapterError {
  const err = (body as { error?: { message?: unknown; type?: unknown; code?: unknown } } | null)?.error;
  const message = typeof err?.message === 'string' ? scrubSecrets(err.message).slice(0, 300) : '';
  const code = typeof err?.code === 'string' ? err.code : typeof err?.type === 'string' ? err.type : null;
  return new AdapterError(`chat completions answered ${status}${code ? ` (${code})` : ''}${message ? `: ${message}` : ''}`, {
    status,
    providerCode: code,
    transient: TRANSIENT_STATUSES.has(status),
  });
}

/**
 * Any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, LiteLLM, ...), streamed
 * over SSE with plain `fetch`. Keeps the conversation; a reply cut off by barge-in stays in
 * history truncated to what the caller heard; tool calls run through `onToolCall` and loop back
 * to the model; token usage is reported to the session's `llm_call` hook. The call's
 * `AbortSignal` reaches `fetch`, so barge-in stops generation at the provider.
 */
export class OpenAICompatibleAdapter implements DialogAdapter {
  private readonly history: ChatMessage[] = [];
  private inflight: RoundReply | null = null;
  private llmCallback: LlmCallback | null = null;
  private toolCallbacks: ToolCallbacks | null = null;
  private readonly fetchImpl: typeof fetch;
  private readonly url: string;

  constructor(private readonly options: OpenAICompatibleOptions) {
    if (!options.baseUrl) throw new TypeError('OpenAICompatibleAdapter needs baseUrl');
    if (!options.model) throw new TypeError('OpenAICompatibleAdapter needs model');
    this.url = options.baseUrl.replace(/\/+$/, '') + '/chat/completions';
    this.fetchImpl = options.fetch ?? fetch;
    if (options.systemPrompt) this.history.push({ role: 'system', content: options.systemPrompt });
  }

  /** A copy of the conversation so far. */
  get messages(): ChatMessage[] {
    return structuredClone(this.history);
  }

  registerLlmCallback(callback: LlmCallback): void {
    this.llmCallback = callback;
  }

  registerToolCallbacks(callbacks: ToolCallbacks): void {
    this.toolCallbacks = callbacks;
  }

  assist(instruction: string): void {
    this.history.push({ role: 'system', content: instruction });
  }

  markInterrupted(heardText: string | null): void {
    const round = this.inflight;
    if (round && !round.committed) {
      let heard = round.text;
      if (heardText !== null) heard = heardText.startsWith(round.before) ? heardText.slice(round.before.length) : heardText.length <= round.before.length ? '' : heardText;
      this.commit(round, heard);
      return;
    }
    if (heardText === null) return;
    const last = this.history[this.history.length - 1];
    if (last?.role !== 'assistant' || last.tool_calls) return;
    if (heardText) last.content = heardText;
    else this.history.pop();
  }

  async turn(text: string, options: Partial<StreamOptions> = {}): Promise<string> {
    let out = '';
    const full: StreamOptions = { language: options.language ?? null, signal: options.signal ?? new AbortController().signal, context: options.context ?? null };
    for await (const chunk of this.stream(text, full)) out += chunk;
    return out;
  }

  async *stream(text: string, options: StreamOptions): AsyncGenerator<string> {
    this.history.push({ role: 'user', content: text });
    const maxRounds = this.options.maxToolRounds ?? 5;
    let before = '';
    try {
      for (let round = 0; ; round++) {
        if (round > maxRounds) throw new AdapterError(`more than ${maxRounds} tool rounds in one turn`);
        const reply: RoundReply = { before, text: '', committed: false };
        this.inflight = reply;
        const tools = new ToolCallAccumulator();
        const started = performance.now();
        const sent = this.history.slice();
        let usage: ChunkUsage | null = null;
        let model: string | null = null;
        const { response, idle } = await fetchWithRetry({
          fetch: this.fetchImpl,
          url: this.url,
          init: { method: 'POST', headers: this.headers(), body: JSON.stringify(this.requestBody(sent)) },
          signal: options.signal,
          timeoutMs: this.options.timeoutMs ?? 30_000,
          retries: this.options.retries ?? 2,
          retryDelayMs: this.options.retryDelayMs ?? 500,
          errorFor: async (res) => errorFromBody(res.status, await res.json().catch(() => null)),
        });
        try {
          if (!response.body) throw new AdapterError('chat completions response has no body');
          for await (const event of readSse(response.body, () => idle.touch())) {
            if (event.data === '[DONE]') break;
            const chunk = parseChunk(event.data);
            if (chunk.error) throw errorFromBody(response.status, { error: chunk.error });
            if (chunk.model) model = chunk.model;
            if (chunk.usage) usage = chunk.usage;
            tools.add(chunk.toolCalls);
            if (chunk.content) {
              reply.text += chunk.content;
              yield chunk.content;
            }
          }
        } finally {
          idle.clear();
        }
        await this.reportLlmCall({ round, started, usage, model: model ?? this.options.model, sent, reply, calls: tools.calls() });
        const calls = tools.calls();
        if (calls.length === 0) {
          this.commit(reply, reply.text);
          return;
        }
        reply.committed = true;
        await this.runTools(calls, reply.text, options);
        before += reply.text;
      }
    } finally {
      const reply = this.inflight;
      // Cut off mid-reply (barge-in, error): keep what was produced; markInterrupted may trim it.
      if (reply && !reply.committed) this.commit(reply, reply.text);
      this.inflight = null;
    }
  }

  private commit(reply: RoundReply, text: string): void {
    reply.committed = true;
    if (text) this.history.push({ role: 'assistant', content: text });
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream', ...this.options.headers };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    return headers;
  }

  private requestBody(messages: ChatMessage[]): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.options.model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    };
    if (this.options.temperature !== undefined) body.temperature = this.options.temperature;
    if (this.options.maxTokens !== undefined) body.max_tokens = this.options.maxTokens;
    if (this.options.tools?.length) {
      body.tools = this.options.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters },
      }));
    }
    return body;
  }

  private async reportLlmCall(r: {
    round: number;
    started: number;
    usage: ChunkUsage | null;
    model: string;
    sent: ChatMessage[];
    reply: RoundReply;
    calls: ChatToolCall[];
  }): Promise<void> {
    if (!this.llmCallback) return;
    await this.llmCallback({
      model: r.model,
      callType: r.round === 0 ? 'chat' : 'tool_followup',
      latencyMs: performance.now() - r.started,
      tokensIn: r.usage?.promptTokens ?? null,
      tokensOut: r.usage?.completionTokens ?? null,
      cached: r.usage?.cachedTokens ?? null,
      cacheWrite: null,
      estimated: false,
      nodeId: null,
      edgeId: null,
      promptMessages: r.sent,
      responseJson: { content: r.reply.text, tool_calls: r.calls },
    });
  }

  /** Run tool calls in order; history gets the assistant's call message and every result, even when aborted. */
  private async runTools(calls: ChatToolCall[], text: string, options: StreamOptions): Promise<void> {
    const results = new Map<string, string>();
    try {
      for (const call of calls) {
        if (options.signal.aborted) break;
        let args: unknown = call.function.arguments;
        try {
          args = call.function.arguments ? JSON.parse(call.function.arguments) : {};
        } catch {
          // Keep the raw string; the handler decides.
        }
        const info: ToolCallInfo = { id: call.id, name: call.function.name, arguments: args };
        await this.toolCallbacks?.toolCall(info);
        const started = performance.now();
        let result: unknown;
        let error: string | null = null;
        try {
          if (!this.options.onToolCall) throw new Error(`no onToolCall handler for tool "${info.name}"`);
          result = await this.options.onToolCall(info, { signal: options.signal, context: options.context });
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
          result = { error };
        }
        await this.toolCallbacks?.toolResult({ ...info, result, error, latencyMs: performance.now() - started });
        results.set(call.id, typeof result === 'string' ? result : JSON.stringify(result ?? null));
      }
    } finally {
      this.history.push({ role: 'assistant', content: text || null, tool_calls: calls });
      for (const call of calls) {
        this.history.push({ role: 'tool', tool_call_id: call.id, content: results.get(call.id) ?? JSON.stringify({ error: 'cancelled' }) });
      }
    }
  }
}
