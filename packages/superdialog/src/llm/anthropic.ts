import { HttpProvider, type HttpProviderOptions, type SseEvent } from './http.js';
import { LlmError, type LlmMessage, type LlmRequest, type LlmStreamEvent, type LlmUsage } from './types.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Options of {@link AnthropicProvider}. */
export interface AnthropicOptions extends Omit<HttpProviderOptions, 'baseUrl'> {
  /** API root without `/v1`. Default `https://api.anthropic.com`. */
  baseUrl?: string;
  /** Required by the Messages API. Default 1024. */
  maxTokens?: number;
  /** Add cache breakpoints after the stable system prefix and the last tool. Default true. */
  promptCaching?: boolean;
}

/**
 * Anthropic's Messages API over fetch and SSE (`message_start`, `content_block_start/delta/stop`,
 * `message_delta`, `message_stop`, `error`). System messages become the top-level `system`
 * blocks; a message's `cachePrefix` gets an ephemeral `cache_control` breakpoint, as does the last
 * tool. Tool results travel as `tool_result` blocks in a user turn.
 */
export class AnthropicProvider extends HttpProvider {
  readonly vendor = 'anthropic';
  private readonly maxTokens: number;
  private readonly caching: boolean;

  constructor(options: AnthropicOptions) {
    super({ ...options, baseUrl: options.baseUrl ?? 'https://api.anthropic.com' });
    this.maxTokens = options.maxTokens ?? 1024;
    this.caching = options.promptCaching ?? true;
  }

  protected path(): string {
    return '/v1/messages';
  }

  protected headers(): Record<string, string> {
    return { 'anthropic-version': '2023-06-01', ...(this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {}) };
  }

  protected errorMessage(body: unknown): string | null {
    const m = obj(obj(body)?.error)?.message;
    return typeof m === 'string' ? m : null;
  }

  protected body(r: LlmRequest): Json {
    const system: Json[] = [];
    const messages: Array<{ role: 'user' | 'assistant'; content: Json[] }> = [];
    const push = (role: 'user' | 'assistant', block: Json): void => {
      const last = messages[messages.length - 1];
      if (last?.role === role) last.content.push(block);
      else messages.push({ role, content: [block] });
    };
    for (const m of r.messages) this.place(m, system, push);
    if (messages.length === 0 || messages[0]!.role !== 'user') messages.unshift({ role: 'user', content: [{ type: 'text', text: '[start]' }] });
    const body: Json = { model: this.model, max_tokens: r.maxTokens ?? this.maxTokens, messages, stream: true };
    if (system.length) body.system = system;
    if (r.temperature !== undefined) body.temperature = r.temperature;
    if (r.tools?.length) {
      body.tools = r.tools.map((t, i, all) => ({
        name: t.name,
        description: t.description,
        input_schema: t.parameters,
        ...(this.caching && i === all.length - 1 ? { cache_control: { type: 'ephemeral' } } : {}),
      }));
      if (r.toolChoice) body.tool_choice = r.toolChoice === 'auto' ? { type: 'auto' } : r.toolChoice === 'required' ? { type: 'any' } : { type: 'tool', name: r.toolChoice.name };
    }
    return body;
  }

  private place(m: LlmMessage, system: Json[], push: (role: 'user' | 'assistant', block: Json) => void): void {
    switch (m.role) {
      case 'system': {
        const prefix = this.caching && m.cachePrefix && m.content.startsWith(m.cachePrefix) ? m.cachePrefix : '';
        if (prefix) {
          system.push({ type: 'text', text: prefix, cache_control: { type: 'ephemeral' } });
          const rest = m.content.slice(prefix.length).trim();
          if (rest) system.push({ type: 'text', text: rest });
        } else if (m.content) system.push({ type: 'text', text: m.content });
        return;
      }
      case 'user':
        push('user', { type: 'text', text: m.content || ' ' });
        return;
      case 'assistant':
        if (m.content) push('assistant', { type: 'text', text: m.content });
        for (const c of m.toolCalls ?? []) {
          let input: unknown = {};
          try {
            input = c.arguments ? JSON.parse(c.arguments) : {};
          } catch {
            input = {};
          }
          push('assistant', { type: 'tool_use', id: c.id, name: c.name, input });
        }
        return;
      case 'tool':
        push('user', { type: 'tool_result', tool_use_id: m.toolCallId, content: m.content });
        return;
    }
  }

  protected async *decode(events: AsyncIterable<SseEvent>): AsyncGenerator<LlmStreamEvent> {
    const blocks = new Map<number, { id: string; name: string; json: string }>();
    const usage: LlmUsage = { tokensIn: null, tokensOut: null, cached: null, cacheWrite: null };
    let model = this.model;
    let finishReason: string | null = null;
    for await (const event of events) {
      let data: Json | null;
      try {
        data = obj(JSON.parse(event.data));
      } catch {
        continue;
      }
      if (!data) continue;
      switch (data.type) {
        case 'message_start': {
          const message = obj(data.message);
          if (typeof message?.model === 'string') model = message.model;
          const u = obj(message?.usage);
          usage.tokensIn = num(u?.input_tokens);
          usage.cached = num(u?.cache_read_input_tokens);
          usage.cacheWrite = num(u?.cache_creation_input_tokens);
          usage.tokensOut = num(u?.output_tokens);
          break;
        }
        case 'content_block_start': {
          const block = obj(data.content_block);
          if (block?.type === 'tool_use') blocks.set(num(data.index) ?? 0, { id: String(block.id ?? ''), name: String(block.name ?? ''), json: '' });
          else if (block?.type === 'text' && typeof block.text === 'string' && block.text) yield { type: 'text', text: block.text };
          break;
        }
        case 'content_block_delta': {
          const delta = obj(data.delta);
          if (delta?.type === 'text_delta' && typeof delta.text === 'string') yield { type: 'text', text: delta.text };
          else if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
            const b = blocks.get(num(data.index) ?? 0);
            if (b) b.json += delta.partial_json;
          }
          break;
        }
        case 'content_block_stop': {
          const index = num(data.index) ?? 0;
          const b = blocks.get(index);
          if (b) {
            blocks.delete(index);
            yield { type: 'tool_call', call: { id: b.id || `toolu_${index}`, name: b.name, arguments: b.json || '{}' } };
          }
          break;
        }
        case 'message_delta': {
          const delta = obj(data.delta);
          if (typeof delta?.stop_reason === 'string') finishReason = delta.stop_reason;
          const out = num(obj(data.usage)?.output_tokens);
          if (out !== null) usage.tokensOut = out;
          break;
        }
        case 'error': {
          const err = obj(data.error);
          const type = String(err?.type ?? 'error');
          throw new LlmError('llm_http_error', `anthropic stream error (${type}): ${String(err?.message ?? '')}`, { transient: type === 'overloaded_error' || type === 'api_error' });
        }
        case 'message_stop':
          yield { type: 'done', usage, model, finishReason };
          return;
        default:
          break;
      }
    }
    yield { type: 'done', usage, model, finishReason };
  }
}
