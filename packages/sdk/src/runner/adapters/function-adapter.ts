import type { DialogAdapter, StreamOptions, TurnContext } from './types.js';

/** What a {@link FunctionBrain} receives with each user utterance. */
export interface FunctionTurnInfo {
  /** Language reported by the server's STT, if any. */
  language: string | null;
  /** Aborted on barge-in or call end; stop work and stop yielding when it fires. */
  signal: AbortSignal;
  /** The call and turn; null when `turn()` is called outside a call. */
  context: TurnContext | null;
  /** Instructions added with `assist()` since the previous turn (including the barge-in nudge). */
  instructions: readonly string[];
  /** Set when the previous reply was cut off; `heardText` is what the caller heard (null = unknown). */
  interrupted: { heardText: string | null } | null;
}

/**
 * Your brain as a plain function: return the reply (string or promise of one), or be an async
 * generator yielding chunks as they are produced.
 */
export type FunctionBrain = (text: string, info: FunctionTurnInfo) => string | Promise<string> | AsyncIterable<string>;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

class FunctionAdapter implements DialogAdapter {
  private instructions: string[] = [];
  private interrupted: { heardText: string | null } | null = null;

  constructor(private readonly fn: FunctionBrain) {}

  async *stream(text: string, options: StreamOptions): AsyncGenerator<string> {
    const { signal } = options;
    const info: FunctionTurnInfo = {
      language: options.language,
      signal,
      context: options.context ?? null,
      instructions: this.instructions,
      interrupted: this.interrupted,
    };
    this.instructions = [];
    this.interrupted = null;
    const result = this.fn(text, info);
    if (isAsyncIterable(result)) {
      for await (const chunk of result) {
        if (signal.aborted) return;
        if (typeof chunk === 'string' && chunk.length > 0) yield chunk;
      }
      return;
    }
    const reply = await result;
    if (signal.aborted) return;
    if (typeof reply === 'string' && reply.length > 0) yield reply;
  }

  async turn(text: string, options: Partial<StreamOptions> = {}): Promise<string> {
    let out = '';
    const full: StreamOptions = {
      language: options.language ?? null,
      signal: options.signal ?? new AbortController().signal,
      context: options.context ?? null,
    };
    for await (const chunk of this.stream(text, full)) out += chunk;
    return out;
  }

  assist(instruction: string): void {
    this.instructions.push(instruction);
  }

  markInterrupted(heardText: string | null): void {
    this.interrupted = { heardText };
  }
}

/**
 * Wrap a plain function (or async generator function) as a {@link DialogAdapter}.
 *
 * ```ts
 * ctx.session.dialogMachine = functionAdapter(async function* (text, { signal }) {
 *   for (const word of `You said: ${text}`.split(' ')) {
 *     if (signal.aborted) return;
 *     yield word + ' ';
 *   }
 * });
 * ```
 */
export function functionAdapter(fn: FunctionBrain): DialogAdapter {
  if (typeof fn !== 'function') throw new TypeError('functionAdapter needs a function');
  return new FunctionAdapter(fn);
}
