import { SpeechError, abortedError, toSpeechError } from '../contracts/errors.js';
import type { SttEvent, SttHints, SttStream, SttStreamOptions } from '../contracts/stt.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { CircuitBreaker } from './breaker.js';
import type { FailoverStt } from './failover-stt.js';
import { failoverReason } from './types.js';
import { checkSttEvent } from './validate.js';

/** Audio kept for replay is capped (at 16 kHz, 60 s is 1.9 MB); older audio is dropped first. */
const MAX_REPLAY_MS = 60_000;

const FLUSH = 'flush' as const;
type BufferEntry = Int16Array | typeof FLUSH;

/** The provider currently serving the stream. */
interface Active {
  index: number;
  provider: string;
  stream: SttStream;
  breaker: CircuitBreaker;
  /** Position of the inner stream's first sample on the outer timeline, ms. */
  offsetMs: number;
  /** A result arrived (the breaker has been told the provider works). */
  answered: boolean;
}

/**
 * One stream of {@link FailoverStt}. Caller audio since the last final is kept (with the points
 * where utterances were flushed), so a replacement provider hears the unfinished utterances from
 * their start. Utterance ids and times are on this stream's own timeline, whatever provider
 * produced them.
 */
export class FailoverSttStream implements SttStream {
  private readonly events = new AsyncQueue<SttEvent>();
  private readonly controller = new AbortController();
  private readonly tried = new Set<number>();
  private active: Active | null = null;
  private buffer: BufferEntry[] = [];
  private bufferSamples = 0;
  /** Outer-timeline position of the first buffered sample, in samples. */
  private bufferStart = 0;
  private pushedSamples = 0;
  private nextUtteranceId = 1;
  private openUtterance: number | null = null;
  private readonly awaitingFinal: number[] = [];
  private hints: SttHints | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private finalTimer: NodeJS.Timeout | undefined;
  private lastPushAt = 0;
  private ending = false;
  private finished = false;
  private finalWaiters: Array<() => void> = [];

  constructor(
    private readonly owner: FailoverStt,
    private readonly options: SttStreamOptions,
    private readonly now: () => number,
  ) {
    this.hints = options.hints;
    options.signal?.addEventListener('abort', this.onCallAbort, { once: true });
  }

  private readonly onCallAbort = (): void => this.close();

  get closed(): boolean {
    return this.finished;
  }

  /** The provider serving now. */
  get provider(): string | null {
    return this.active?.provider ?? null;
  }

  /** Opens the first step that opens (failing over at once from those that do not). */
  async start(): Promise<void> {
    if (this.options.signal?.aborted) throw abortedError(undefined, this.options.signal);
    const pick = this.owner.planner.pick(this.tried);
    await this.switchTo(pick!.index, pick!.breaker, null);
    if (this.finished && this.active === null) throw this.failure ?? new SpeechError('unavailable', 'no speech-to-text provider of the chain could start');
  }

  push(samples: Int16Array): void {
    if (this.finished || this.ending) return;
    if (!(samples instanceof Int16Array)) throw new SpeechError('bad_audio', 'audio must be an Int16Array of mono PCM16 samples');
    if (samples.length === 0) return;
    this.openUtterance ??= this.nextUtteranceId++;
    const copy = samples.slice();
    this.remember(copy);
    this.pushedSamples += copy.length;
    this.lastPushAt = this.now();
    const active = this.active;
    if (active !== null) {
      this.owner.context.meter.sttAudio(active.provider, copy.length / this.options.sampleRateHz);
      active.stream.push(copy);
      this.armStall(false);
    }
  }

  flush(): void {
    if (this.finished || this.openUtterance === null) return;
    this.awaitingFinal.push(this.openUtterance);
    this.openUtterance = null;
    this.buffer.push(FLUSH);
    this.active?.stream.flush();
    this.armFinal();
  }

  setHints(hints: SttHints | undefined): void {
    this.hints = hints;
    this.active?.stream.setHints(hints);
  }

  async end(): Promise<void> {
    if (this.finished) return;
    this.flush();
    this.ending = true;
    if (this.awaitingFinal.length > 0) await new Promise<void>((resolve) => this.finalWaiters.push(resolve));
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
    this.options.signal?.removeEventListener('abort', this.onCallAbort);
    const active = this.active;
    this.active = null;
    if (active !== null) {
      if (!active.answered) active.breaker.release();
      await active.stream.end().catch(() => undefined);
    }
    this.events.end();
  }

  close(): void {
    if (this.finished) return;
    this.fail(this.options.signal?.aborted ? abortedError(undefined, this.options.signal) : new SpeechError('aborted', 'stream closed'));
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private failure: SpeechError | null = null;

  /** Keeps audio for replay, bounded. */
  private remember(samples: Int16Array): void {
    this.buffer.push(samples);
    this.bufferSamples += samples.length;
    const max = (MAX_REPLAY_MS * this.options.sampleRateHz) / 1000;
    while (this.bufferSamples > max) {
      const first = this.buffer[0];
      if (first === undefined || first === FLUSH) break;
      this.buffer.shift();
      this.bufferSamples -= first.length;
      this.bufferStart += first.length;
    }
  }

  /** The provider's final closed the oldest open utterance: its audio leaves the replay buffer. */
  private forgetThroughFlush(): void {
    const flushAt = this.buffer.indexOf(FLUSH);
    const upto = flushAt === -1 ? this.buffer.length : flushAt + 1;
    for (const entry of this.buffer.splice(0, upto)) {
      if (entry === FLUSH) continue;
      this.bufferSamples -= entry.length;
      this.bufferStart += entry.length;
    }
  }

  /**
   * Moves the stream to step `index`: opens it, replays the buffered audio (flushing where the
   * caller's utterances ended) and starts reading it. A step that fails to open fails over again.
   */
  private async switchTo(index: number, breaker: CircuitBreaker, from: { provider: string; error: SpeechError; phase: 'open' | 'stream' } | null): Promise<void> {
    let pick: { index: number; breaker: CircuitBreaker } | null = { index, breaker };
    let previous = from;
    while (pick !== null && !this.finished) {
      this.tried.add(pick.index);
      const link = this.owner.chain[pick.index]!;
      const provider = link.step.provider;
      if (previous !== null) this.report(previous.provider, provider, previous.error, previous.phase);
      try {
        const stream = await link.adapter.createStream({
          sampleRateHz: this.options.sampleRateHz,
          language: link.step.language ?? this.options.language,
          hints: this.hints,
          signal: this.controller.signal,
          narrowbandUpsampling: this.options.narrowbandUpsampling,
        });
        if (this.finished) {
          stream.close();
          pick.breaker.release();
          return;
        }
        this.owner.context.meter.sttStream(provider);
        const active: Active = { index: pick.index, provider, stream, breaker: pick.breaker, offsetMs: (this.bufferStart * 1000) / this.options.sampleRateHz, answered: false };
        this.active = active;
        if (previous !== null) this.owner.planner.movedTo(pick.index);
        this.replay(active);
        void this.read(active);
        if (this.ending && this.awaitingFinal.length === 0) this.settle();
        return;
      } catch (raw) {
        const error = toSpeechError(raw, provider);
        if (this.controller.signal.aborted || this.options.signal?.aborted) {
          // Cancelled by the call, not a provider failure.
          pick.breaker.release();
          return;
        }
        pick.breaker.failure(this.owner.context.options.breaker);
        previous = { provider, error, phase: 'open' };
        pick = this.owner.planner.pick(this.tried);
        if (pick === null) {
          this.fail(error);
          return;
        }
      }
    }
  }

  private replay(active: Active): void {
    const rate = this.options.sampleRateHz;
    for (const entry of this.buffer) {
      if (entry === FLUSH) active.stream.flush();
      else {
        this.owner.context.meter.sttAudio(active.provider, entry.length / rate);
        active.stream.push(entry);
      }
    }
    if (this.openUtterance !== null && this.now() - this.lastPushAt < this.owner.context.options.stallTimeoutMs) this.armStall(false);
    this.armFinal();
  }

  private async read(active: Active): Promise<void> {
    try {
      for await (const event of active.stream) {
        if (this.active !== active) return;
        checkSttEvent(active.provider, event);
        this.accept(active, event);
      }
      if (this.active === active && !this.finished) throw new SpeechError('provider_error', 'the stream ended before the call did', { provider: active.provider });
    } catch (raw) {
      if (this.active !== active || this.finished) return;
      this.providerFailed(active, toSpeechError(raw, active.provider));
    }
  }

  private accept(active: Active, event: SttEvent): void {
    if (!active.answered) {
      active.answered = true;
      active.breaker.success();
    }
    const shift = (ms: number) => ms + active.offsetMs;
    if (event.type === 'partial') {
      const utteranceId = this.awaitingFinal[0] ?? this.openUtterance;
      if (utteranceId === null) return;
      this.armStall(true);
      this.events.push({ ...event, utteranceId, startMs: shift(event.startMs), endMs: shift(event.endMs) });
      return;
    }
    let utteranceId = this.awaitingFinal.shift();
    if (utteranceId === undefined) {
      // The provider endpointed the open utterance by itself.
      if (this.openUtterance === null) return;
      utteranceId = this.openUtterance;
      this.openUtterance = null;
    }
    this.forgetThroughFlush();
    this.owner.lastFinalProvider = active.provider;
    this.armStall(true);
    this.armFinal();
    this.events.push({
      ...event,
      utteranceId,
      startMs: shift(event.startMs),
      endMs: shift(event.endMs),
      words: event.words.map((w) => ({ ...w, startMs: shift(w.startMs), endMs: shift(w.endMs) })),
    });
    if (this.awaitingFinal.length === 0) this.settle();
  }

  /** The serving provider failed: count it against its breaker and move to the next step, or fail the stream. */
  private providerFailed(active: Active, error: SpeechError): void {
    this.clearTimers();
    this.active = null;
    active.stream.close();
    active.breaker.failure(this.owner.context.options.breaker);
    const next = this.owner.planner.pick(this.tried);
    if (next === null) {
      this.fail(error);
      return;
    }
    void this.switchTo(next.index, next.breaker, { provider: active.provider, error, phase: 'stream' });
  }

  private report(from: string, to: string, error: SpeechError, phase: 'open' | 'stream'): void {
    try {
      this.owner.context.onFailover({ kind: 'stt', from, to, reason: failoverReason(error), message: error.message, phase, at: new Date(this.now()).toISOString() });
    } catch {
      // A listener must not break recognition.
    }
  }

  /**
   * Stall watch, only while a fallback exists: armed by audio, re-armed by results. It fires when
   * audio kept arriving for `stallTimeoutMs` with no result.
   */
  private armStall(result: boolean): void {
    const active = this.active;
    if (active === null || !this.owner.planner.hasFallback(this.tried)) return;
    if (!result && this.stallTimer !== undefined) return;
    clearTimeout(this.stallTimer);
    const limit = this.owner.context.options.stallTimeoutMs;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.active !== active || this.now() - this.lastPushAt >= limit || this.openUtterance === null) return;
      this.providerFailed(active, new SpeechError('stalled', `no result for ${limit} ms while audio kept flowing`, { provider: active.provider, retryable: true }));
    }, limit);
  }

  /** The oldest flushed utterance must get its final in time, while a fallback exists. */
  private armFinal(): void {
    clearTimeout(this.finalTimer);
    this.finalTimer = undefined;
    const active = this.active;
    if (active === null || this.awaitingFinal.length === 0 || !this.owner.planner.hasFallback(this.tried)) return;
    const limit = this.owner.context.options.finalTimeoutMs;
    this.finalTimer = setTimeout(() => {
      this.finalTimer = undefined;
      if (this.active !== active) return;
      this.providerFailed(active, new SpeechError('timeout', `no final result within ${limit} ms of the end of speech`, { provider: active.provider, retryable: true }));
    }, limit);
  }

  private clearTimers(): void {
    clearTimeout(this.stallTimer);
    clearTimeout(this.finalTimer);
    this.stallTimer = this.finalTimer = undefined;
  }

  private settle(): void {
    for (const w of this.finalWaiters.splice(0)) w();
  }

  private fail(error: SpeechError): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = error;
    this.clearTimers();
    this.options.signal?.removeEventListener('abort', this.onCallAbort);
    const active = this.active;
    this.active = null;
    if (active !== null) {
      if (!active.answered) active.breaker.release();
      active.stream.close();
    }
    this.controller.abort(error);
    this.events.fail(error);
    this.settle();
  }
}
