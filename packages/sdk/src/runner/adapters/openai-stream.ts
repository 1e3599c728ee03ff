/**
 * Decoding of chat-completions stream chunks (`chat.completion.chunk` objects carried in SSE
 * `data:` lines). Tolerant of OpenAI-compatible servers: missing or null `choices` (usage-only
 * chunk), `usage: null` on ordinary chunks, tool-call fragments split across chunks.
 */

/** A complete tool call as sent back to the API in the assistant message. */
export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Token usage of one request (`usage` of the final chunk). */
export interface ChunkUsage {
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
}

/** One tool-call fragment of a delta. */
export interface ToolCallFragment {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

/** What one chunk contributes. */
export interface ParsedChunk {
  content: string;
  toolCalls: ToolCallFragment[];
  usage: ChunkUsage | null;
  model: string | null;
  finishReason: string | null;
  /** Some servers report failures mid-stream as `{ "error": {...} }`. */
  error: { message?: unknown; type?: unknown; code?: unknown } | null;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Decode one `data:` payload; malformed JSON yields an empty chunk. */
export function parseChunk(data: string): ParsedChunk {
  const out: ParsedChunk = { content: '', toolCalls: [], usage: null, model: null, finishReason: null, error: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return out;
  }
  const chunk = obj(parsed);
  if (!chunk) return out;
  const error = obj(chunk.error);
  if (error) out.error = error;
  if (typeof chunk.model === 'string') out.model = chunk.model;
  const usage = obj(chunk.usage);
  if (usage) {
    out.usage = {
      promptTokens: num(usage.prompt_tokens),
      completionTokens: num(usage.completion_tokens),
      cachedTokens: num(obj(usage.prompt_tokens_details)?.cached_tokens),
    };
  }
  const choice = Array.isArray(chunk.choices) ? obj(chunk.choices[0]) : null;
  if (!choice) return out;
  if (typeof choice.finish_reason === 'string') out.finishReason = choice.finish_reason;
  const delta = obj(choice.delta);
  if (!delta) return out;
  if (typeof delta.content === 'string') out.content = delta.content;
  if (Array.isArray(delta.tool_calls)) {
    for (const raw of delta.tool_calls) {
      const tc = obj(raw);
      if (!tc) continue;
      const fn = obj(tc.function);
      const fragment: ToolCallFragment = { index: num(tc.index) ?? 0 };
      if (typeof tc.id === 'string') fragment.id = tc.id;
      if (typeof fn?.name === 'string') fragment.name = fn.name;
      if (typeof fn?.arguments === 'string') fragment.arguments = fn.arguments;
      out.toolCalls.push(fragment);
    }
  }
  return out;
}

/** Assembles tool calls from fragments keyed by `index`: id and name arrive once, arguments in pieces. */
export class ToolCallAccumulator {
  private readonly slots = new Map<number, { id: string; name: string; arguments: string }>();

  add(fragments: readonly ToolCallFragment[]): void {
    for (const f of fragments) {
      let slot = this.slots.get(f.index);
      if (!slot) {
        slot = { id: '', name: '', arguments: '' };
        this.slots.set(f.index, slot);
      }
      if (f.id) slot.id = f.id;
      if (f.name) slot.name = slot.name && slot.name !== f.name ? slot.name + f.name : f.name;
      if (f.arguments) slot.arguments += f.arguments;
    }
  }

  /** Complete calls in index order; calls without a name are dropped. */
  calls(): ChatToolCall[] {
    return [...this.slots.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, s]) => s.name)
      .map(([index, s]) => ({ id: s.id || `call_${index}`, type: 'function' as const, function: { name: s.name, arguments: s.arguments } }));
  }
}
