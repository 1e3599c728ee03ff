import { HttpProvider, type HttpProviderOptions, type SseEvent } from './http.js';
import { LlmError, type LlmMessage, type LlmRequest, type LlmStreamEvent, type LlmUsage } from './types.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function toWire(m: LlmMessage): Json {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'assistant':
      return m.toolCalls?.length
        ? { role: 'assistant', content: m.content || null, tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
        : { role: 'assistant', content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  }
}

/**
 * Any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, LiteLLM, llama.cpp...),
 * always streamed over SSE (`complete` collects the stream, so one code path serves both).
 * Tool-call fragments are assembled by `index`; usage comes from the final usage chunk.
 * OpenAI caches prompt prefixes automatically, so the cache marker is not sent.
 */
export class OpenAIProvider extends HttpProvider {
  readonly vendor = 'openai';

  constructor(options: HttpProviderOptions) {
    super(options);
  }

  protected path(): string {
    return '/chat/completions';
  }

  protected headers(): Record<string, string> {
    return this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
  }

  protected errorMessage(body: unknown): string | null {
    const m = obj(obj(body)?.error)?.message;
    return typeof m === 'string' ? m : null;
  }

  protected body(r: LlmRequest): Json {
    const body: Json = { model: this.model, messages: r.messages.map(toWire), stream: true, stream_options: { include_usage: true } };
    if (r.temperature !== undefined) body.temperature = r.temperature;
    if (r.maxTokens !== undefined) body.max_tokens = r.maxTokens;
    if (r.json) body.response_format = { type: 'json_object' };
    if (r.tools?.length) {
      body.tools = r.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
      if (r.toolChoice) body.tool_choice = typeof r.toolChoice === 'string' ? r.toolChoice : { type: 'function', function: { name: r.toolChoice.name } };
    }
    return body;
  }

  protected async *decode(events: AsyncIterable<SseEvent>): AsyncGenerator<LlmStreamEvent> {
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let usage: LlmUsage | null = null;
    let model = this.model;
    let finishReason: string | null = null;
    for await (const event of events) {
      if (event.data === '[DONE]') break;
      let chunk: Json | null;
      try {
        chunk = obj(JSON.parse(event.data));
      } catch {
        continue;
      }
      if (!chunk) continue;
      const error = obj(chunk.error);
      if (error) throw new LlmError('llm_http_error', `openai stream error: ${String(error.message ?? 'unknown')}`, { transient: false });
      if (typeof chunk.model === 'string') model = chunk.model;
      const u = obj(chunk.usage);
      if (u) {
        const prompt = num(u.prompt_tokens);
        const cached = num(obj(u.prompt_tokens_details)?.cached_tokens) ?? 0;
        usage = { tokensIn: prompt === null ? null : prompt - cached, tokensOut: num(u.completion_tokens), cached, cacheWrite: null };
      }
      const choice = Array.isArray(chunk.choices) ? obj(chunk.choices[0]) : null;
      if (!choice) continue;
      if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
      const delta = obj(choice.delta);
      if (!delta) continue;
      if (typeof delta.content === 'string' && delta.content) yield { type: 'text', text: delta.content };
      if (Array.isArray(delta.tool_calls)) {
        for (const raw of delta.tool_calls) {
          const tc = obj(raw);
          if (!tc) continue;
          const index = num(tc.index) ?? 0;
          const slot = calls.get(index) ?? { id: '', name: '', arguments: '' };
          calls.set(index, slot);
          if (typeof tc.id === 'string' && tc.id) slot.id = tc.id;
          const fn = obj(tc.function);
          if (typeof fn?.name === 'string' && fn.name) slot.name = slot.name && slot.name !== fn.name ? slot.name + fn.name : fn.name;
          if (typeof fn?.arguments === 'string') slot.arguments += fn.arguments;
        }
      }
    }
    for (const [index, c] of [...calls.entries()].sort((a, b) => a[0] - b[0])) {
      if (c.name) yield { type: 'tool_call', call: { id: c.id || `call_${index}`, name: c.name, arguments: c.arguments } };
    }
    yield { type: 'done', usage, model, finishReason };
  }
}
