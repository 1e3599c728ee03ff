import type { LlmCompletion, LlmProvider, LlmRequest, LlmStreamEvent, LlmToolCall } from './types.js';

/** A scripted reply of {@link ScriptedProvider}: text (streamed word by word) and/or tool calls. */
export type ScriptedReply = string | { text?: string; toolCalls?: LlmToolCall[] } | ((request: LlmRequest) => string | { text?: string; toolCalls?: LlmToolCall[] });

/**
 * An in-process provider for tests and benchmarks: answers instantly from a script (or a
 * function of the request), streaming text one word at a time. Records every request.
 */
export class ScriptedProvider implements LlmProvider {
  readonly vendor = 'fake';
  readonly requests: LlmRequest[] = [];
  private readonly script: ScriptedReply[];

  constructor(
    script: ScriptedReply[] | ((request: LlmRequest) => string | { text?: string; toolCalls?: LlmToolCall[] }),
    readonly model = 'fake-model',
  ) {
    this.script = typeof script === 'function' ? [] : [...script];
    if (typeof script === 'function') this.fallback = script;
  }

  private fallback: ((request: LlmRequest) => string | { text?: string; toolCalls?: LlmToolCall[] }) | null = null;

  /** Add replies to the end of the script. */
  push(...replies: ScriptedReply[]): void {
    this.script.push(...replies);
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmStreamEvent> {
    this.requests.push(request);
    let next = this.script.shift() ?? this.fallback;
    if (next === null || next === undefined) throw new Error('ScriptedProvider: no reply scripted');
    if (typeof next === 'function') next = next(request);
    const reply = typeof next === 'string' ? { text: next } : next;
    const words = (reply.text ?? '').split(/(?<=\s)/);
    for (const w of words) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (w) yield { type: 'text', text: w };
    }
    for (const call of reply.toolCalls ?? []) yield { type: 'tool_call', call };
    yield { type: 'done', usage: { tokensIn: 10, tokensOut: words.length, cached: 0, cacheWrite: null }, model: this.model, finishReason: 'stop' };
  }

  async complete(request: LlmRequest): Promise<LlmCompletion> {
    const out: LlmCompletion = { text: '', toolCalls: [], usage: null, model: this.model };
    for await (const e of this.stream(request)) {
      if (e.type === 'text') out.text += e.text;
      else if (e.type === 'tool_call') out.toolCalls.push(e.call);
      else out.usage = e.usage;
    }
    return out;
  }
}
