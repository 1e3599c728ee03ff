import { collect, LlmError, type LlmCallReport, type LlmCompletion, type LlmProvider, type LlmRequest, type LlmStreamEvent } from './types.js';

/** Options of {@link ResilientProvider}. */
export interface ResilienceOptions {
  /** Extra attempts after a transient failure (never after a non-transient one). Default 2. */
  retries?: number;
  /** First backoff, doubling, capped at `maxBackoffMs`. Default 500 / 8000. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Hedged request for `complete`: when the primary has not answered after `delayMs`, the same
   * request goes to `provider` too; the first success wins and the other is aborted.
   */
  hedge?: { provider: LlmProvider; delayMs: number };
  /** Every finished attempt (usage, latency), successful or not. */
  onCall?: (report: LlmCallReport) => void;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const isTransient = (err: unknown): boolean => err instanceof LlmError && err.transient;

/**
 * Wraps any provider with retries on transient errors only (with exponential backoff), an
 * optional hedge for non-streaming calls, and usage reporting. Streams are retried only before
 * their first event: once text reached the caller, a failure is surfaced, never replayed.
 */
export class ResilientProvider implements LlmProvider {
  readonly vendor: string;
  readonly model: string;

  constructor(
    readonly inner: LlmProvider,
    private readonly options: ResilienceOptions = {},
  ) {
    this.vendor = inner.vendor;
    this.model = inner.model;
  }

  private backoff(attempt: number): number {
    return Math.min((this.options.backoffMs ?? 500) * 2 ** attempt, this.options.maxBackoffMs ?? 8000);
  }

  private report(provider: LlmProvider, request: LlmRequest, started: number, completion: LlmCompletion | null): void {
    this.options.onCall?.({
      vendor: provider.vendor,
      model: completion?.model ?? provider.model,
      purpose: request.purpose ?? 'chat',
      latencyMs: performance.now() - started,
      usage: completion?.usage ?? null,
      ok: completion !== null,
      messages: request.messages,
      response: completion ? { text: completion.text, toolCalls: completion.toolCalls } : null,
    });
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmStreamEvent> {
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      let yielded = false;
      const seen: LlmCompletion = { text: '', toolCalls: [], usage: null, model: this.model };
      let finished = false;
      try {
        for await (const e of this.inner.stream(request)) {
          yielded = true;
          if (e.type === 'text') seen.text += e.text;
          else if (e.type === 'tool_call') seen.toolCalls.push(e.call);
          else {
            seen.usage = e.usage;
            seen.model = e.model;
            finished = true;
          }
          yield e;
        }
        this.report(this.inner, request, started, seen);
        return;
      } catch (err) {
        this.report(this.inner, request, started, finished ? seen : null);
        if (yielded || request.signal?.aborted || !isTransient(err) || attempt >= retries) throw err;
      } finally {
        // An abandoned stream (barge-in) still gets its usage reported once.
        if (!finished && yielded && request.signal?.aborted) this.report(this.inner, request, started, null);
      }
      await sleep(this.backoff(attempt), request.signal);
    }
  }

  async complete(request: LlmRequest): Promise<LlmCompletion> {
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(request);
      } catch (err) {
        if (request.signal?.aborted || !isTransient(err) || attempt >= retries) {
          if (attempt >= retries && isTransient(err)) throw new LlmError('llm_exhausted', `gave up after ${attempt + 1} attempts: ${(err as Error).message}`, { cause: err });
          throw err;
        }
      }
      await sleep(this.backoff(attempt), request.signal);
    }
  }

  private async attempt(provider: LlmProvider, request: LlmRequest, signal: AbortSignal): Promise<LlmCompletion> {
    const started = performance.now();
    try {
      const completion = await collect(provider.stream({ ...request, signal }), provider.model);
      this.report(provider, request, started, completion);
      return completion;
    } catch (err) {
      this.report(provider, request, started, null);
      throw err;
    }
  }

  private once(request: LlmRequest): Promise<LlmCompletion> {
    const hedge = this.options.hedge;
    if (!hedge) return this.attempt(this.inner, request, request.signal ?? new AbortController().signal);
    const aborts = [new AbortController(), new AbortController()] as const;
    const signalFor = (c: AbortController): AbortSignal => (request.signal ? AbortSignal.any([request.signal, c.signal]) : c.signal);
    return new Promise<LlmCompletion>((resolve, reject) => {
      let settled = false;
      let running = 0;
      let hedgeStarted = false;
      const start = (i: 0 | 1, provider: LlmProvider): void => {
        running += 1;
        this.attempt(provider, request, signalFor(aborts[i])).then(
          (completion) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            aborts[i === 0 ? 1 : 0].abort(new Error('hedge lost'));
            resolve(completion);
          },
          (err: unknown) => {
            running -= 1;
            if (settled) return;
            // A failed primary starts the hedge at once instead of failing the call.
            if (i === 0 && !hedgeStarted && !request.signal?.aborted) return startHedge();
            if (running === 0) {
              settled = true;
              clearTimeout(timer);
              reject(err);
            }
          },
        );
      };
      const startHedge = (): void => {
        if (hedgeStarted || settled) return;
        hedgeStarted = true;
        clearTimeout(timer);
        start(1, hedge.provider);
      };
      const timer = setTimeout(startHedge, hedge.delayMs);
      start(0, this.inner);
    });
  }
}
