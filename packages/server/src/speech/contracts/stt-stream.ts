import { AsyncQueue } from '../util/async-queue.js';
import type { StreamResampler } from './audio.js';
import { SpeechError, abortedError, toSpeechError } from './errors.js';
import type { SpeechMetricsSink } from './metrics.js';
import type { SttEngineSession, SttEngineSink, SttEvent, SttHints, SttStream } from './stt.js';

/** The base's entry points for engine results. */
export interface SttSessionHandle {
  onPartial: SttEngineSink['partial'];
  onFinal: SttEngineSink['final'];
  onFail: SttEngineSink['fail'];
}

interface StreamParts {
  provider: string;
  model: string | null;
  inputSampleRateHz: number;
  session: SttEngineSession;
  converter: StreamResampler | null;
  controller: AbortController;
  disposeSignal: () => void;
  finalTimeoutMs: number;
  stallTimeoutMs: number | undefined;
  metrics: SpeechMetricsSink | undefined;
}

interface UtteranceState {
  id: number;
  startedAt: number;
  inputSamples: number;
  firstPartialAt: number | null;
  flushedAt: number | null;
  engineMs: number;
}

/**
 * The stream the {@link SttAdapter} base hands out. Engine calls run one at a time on a promise
 * chain, so a synchronous FFI engine and an asynchronous socket engine look the same to callers.
 */
export class BaseSttStream implements SttStream {
  readonly handle: SttSessionHandle;
  private readonly events = new AsyncQueue<SttEvent>();
  private chain: Promise<void> = Promise.resolve();
  private utterance: UtteranceState | null = null;
  /** Utterances flushed whose final has not arrived, oldest first. */
  private readonly awaitingFinal: UtteranceState[] = [];
  private nextUtteranceId = 1;
  private finalTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private lastPushAt = 0;
  private ending = false;
  private finished = false;
  private released = false;

  constructor(private readonly parts: StreamParts) {
    this.handle = {
      onPartial: (r) => this.acceptPartial(r),
      onFinal: (r) => this.acceptFinal(r),
      onFail: (e) => this.fail(toSpeechError(e, parts.provider)),
    };
    parts.controller.signal.addEventListener('abort', () => this.fail(abortedError(parts.provider, parts.controller.signal)), {
      once: true,
    });
  }

  get closed(): boolean {
    return this.finished;
  }

  push(samples: Int16Array): void {
    if (this.finished || this.ending) return;
    if (!(samples instanceof Int16Array)) {
      throw new SpeechError('bad_audio', 'audio must be an Int16Array of mono PCM16 samples', { provider: this.parts.provider });
    }
    if (samples.length === 0) return;
    const now = performance.now();
    this.utterance ??= this.openUtterance(now);
    this.utterance.inputSamples += samples.length;
    this.lastPushAt = now;
    this.armStallTimer();
    const converted = this.parts.converter === null ? samples : this.parts.converter.process(samples);
    if (converted.length > 0) this.enqueueEngine(this.utterance, () => this.parts.session.write(converted));
  }

  flush(): void {
    if (this.finished) return;
    const utt = this.utterance;
    if (utt === null) return;
    this.utterance = null;
    utt.flushedAt = performance.now();
    const tail = this.parts.converter?.flush();
    if (tail !== undefined && tail.length > 0) this.enqueueEngine(utt, () => this.parts.session.write(tail));
    this.awaitingFinal.push(utt);
    this.enqueueEngine(utt, () => this.parts.session.endUtterance());
    this.armFinalTimer();
  }

  setHints(hints: SttHints | undefined): void {
    if (this.finished) return;
    this.chain = this.chain.then(() => {
      if (!this.finished) this.parts.session.setHints(hints);
    });
  }

  async end(): Promise<void> {
    if (this.finished) return;
    this.flush();
    this.ending = true;
    await this.chain;
    await this.waitForFinals();
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
    await this.release();
    this.events.end();
  }

  close(): void {
    if (this.finished) return;
    this.parts.controller.abort(new SpeechError('aborted', 'stream closed', { provider: this.parts.provider }));
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private openUtterance(now: number): UtteranceState {
    return { id: this.nextUtteranceId++, startedAt: now, inputSamples: 0, firstPartialAt: null, flushedAt: null, engineMs: 0 };
  }

  private enqueueEngine(utt: UtteranceState, call: () => void | Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.finished) return;
      const t0 = performance.now();
      try {
        await call();
      } catch (err) {
        this.fail(toSpeechError(err, this.parts.provider));
      } finally {
        utt.engineMs += performance.now() - t0;
      }
    });
  }

  private currentUtteranceForResults(): UtteranceState | null {
    return this.awaitingFinal[0] ?? this.utterance;
  }

  private acceptPartial(r: Parameters<SttEngineSink['partial']>[0]): void {
    if (this.finished) return;
    const utt = this.currentUtteranceForResults();
    if (utt === null) return;
    this.armStallTimer(true);
    utt.firstPartialAt ??= performance.now();
    this.events.push({ type: 'partial', utteranceId: utt.id, ...r });
  }

  private acceptFinal(r: Parameters<SttEngineSink['final']>[0]): void {
    if (this.finished) return;
    let utt = this.awaitingFinal.shift();
    if (utt === undefined) {
      // An engine that endpoints by itself finalised the open utterance.
      utt = this.utterance ?? undefined;
      this.utterance = null;
    }
    if (utt === undefined) return;
    this.armStallTimer(true);
    this.armFinalTimer();
    this.events.push({ type: 'final', utteranceId: utt.id, ...r });
    this.reportUtterance(utt, r.source);
    this.notifyFinalWaiters();
  }

  private reportUtterance(utt: UtteranceState, source: 'grammar' | 'open'): void {
    const sink = this.parts.metrics;
    if (sink === undefined) return;
    const now = performance.now();
    const audioSecondsIn = utt.inputSamples / this.parts.inputSampleRateHz;
    try {
      sink({
        kind: 'stt.utterance',
        provider: this.parts.provider,
        model: this.parts.model,
        audioSecondsIn,
        timeToFirstPartialMs: utt.firstPartialAt === null ? null : utt.firstPartialAt - utt.startedAt,
        timeToFinalMs: now - (utt.flushedAt ?? this.lastPushAt),
        realTimeFactor: audioSecondsIn > 0 ? utt.engineMs / 1000 / audioSecondsIn : null,
        source,
      });
    } catch {
      // A metrics sink must not break recognition.
    }
  }

  private finalWaiters: (() => void)[] = [];

  private waitForFinals(): Promise<void> {
    if (this.awaitingFinal.length === 0 || this.finished) return Promise.resolve();
    return new Promise((resolve) => this.finalWaiters.push(resolve));
  }

  private notifyFinalWaiters(): void {
    if (this.awaitingFinal.length > 0 && !this.finished) return;
    for (const w of this.finalWaiters.splice(0)) w();
  }

  /** The oldest flushed utterance must get its final within `finalTimeoutMs`. */
  private armFinalTimer(): void {
    clearTimeout(this.finalTimer);
    this.finalTimer = undefined;
    if (this.awaitingFinal.length === 0) return;
    this.finalTimer = setTimeout(() => {
      this.fail(
        new SpeechError('timeout', `no final result within ${this.parts.finalTimeoutMs} ms of the end of speech`, {
          provider: this.parts.provider,
          retryable: true,
        }),
      );
    }, this.parts.finalTimeoutMs);
  }

  /**
   * Stall detection: armed by audio, re-armed by results. When it fires while audio is still
   * arriving, the engine has gone quiet on a live stream.
   */
  private armStallTimer(result = false): void {
    const limit = this.parts.stallTimeoutMs;
    if (limit === undefined) return;
    if (!result && this.stallTimer !== undefined) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (performance.now() - this.lastPushAt < limit) {
        this.fail(new SpeechError('stalled', `no result for ${limit} ms while audio kept flowing`, { provider: this.parts.provider, retryable: true }));
      }
    }, limit);
  }

  private clearTimers(): void {
    clearTimeout(this.finalTimer);
    clearTimeout(this.stallTimer);
    this.finalTimer = this.stallTimer = undefined;
  }

  private fail(err: SpeechError): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
    if (!this.parts.controller.signal.aborted) this.parts.controller.abort(err);
    this.events.fail(err);
    this.notifyFinalWaiters();
    void this.release();
  }

  private async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.parts.disposeSignal();
    this.parts.converter?.close();
    try {
      await this.parts.session.close();
    } catch {
      // close() must not throw; a broken engine is the pool's problem now.
    }
  }
}
