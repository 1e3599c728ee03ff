import type { SttEngineSession, SttEngineSink, SttHints, SttWord } from '../../contracts/stt.js';
import type { PoolLease } from '../../util/resource-pool.js';
import type { ChannelKey, CepstralPriors } from './cepstral-priors.js';
import { HINT_SEARCH, OPEN_SEARCH, type DecodedSegment, type PocketsphinxDecoder } from './decoder.js';
import { grammarConfidence, grammarFit, phrasesToJsgf } from './grammar.js';

/** Samples per `ps_process_raw` call: 20 ms at 16 kHz, with a partial check after each. */
const CHUNK_SAMPLES = 320;
const SAMPLE_RATE_HZ = 16_000;
const FRAME_MS = 10;

/** Settings a session takes from its engine. */
export interface PocketsphinxSessionSettings {
  grammarFitThreshold: number;
  /** Longest utterance kept for re-decoding with the open vocabulary (samples beyond are not kept). */
  maxFallbackSamples: number;
  /** Called when hints could not be used (unknown words, a grammar that does not compile). */
  onHintProblem: (problem: 'grammar_rejected' | 'phrases_dropped' | 'no_usable_phrases', count: number) => void;
}

/**
 * One stream's use of a pooled decoder. Utterances run on the open-vocabulary search, or, with
 * hints, on the hint grammar first: the grammar's final is kept when it explains the audio well
 * enough ({@link grammarFit} at or above the threshold); otherwise the buffered utterance is
 * decoded again with the open vocabulary and that final is reported, so an unexpected answer is
 * still heard. Partials come from whichever search runs live.
 */
export class PocketsphinxSession implements SttEngineSession {
  private readonly decoder: PocketsphinxDecoder;
  private hints: SttHints | undefined;
  private inUtterance = false;
  private search: typeof OPEN_SEARCH | typeof HINT_SEARCH = OPEN_SEARCH;
  private buffered: Int16Array[] = [];
  private bufferedSamples = 0;
  private utteranceSamples = 0;
  private streamSamples = 0;
  private utteranceStartMs = 0;
  private lastPartial = '';
  private inFlight: Promise<unknown> = Promise.resolve();
  private broken = false;
  private closed = false;

  constructor(
    private readonly lease: PoolLease<PocketsphinxDecoder>,
    private readonly sink: SttEngineSink,
    private readonly channel: ChannelKey,
    private readonly priors: CepstralPriors,
    private readonly settings: PocketsphinxSessionSettings,
    hints: SttHints | undefined,
  ) {
    this.decoder = lease.resource;
    this.hints = hints;
    this.decoder.setCepstralMean(priors.get(channel, this.decoder));
  }

  setHints(hints: SttHints | undefined): void {
    this.hints = hints;
  }

  /**
   * Decodes on koffi's worker thread, so a call's recognition never holds the event loop that
   * paces every call's audio (and calls decode in parallel on several cores).
   */
  async write(samples: Int16Array): Promise<void> {
    if (this.closed) return;
    if (!this.inUtterance) this.begin();
    const work = this.decode(samples);
    this.inFlight = work.catch(() => undefined);
    await work;
  }

  private async decode(samples: Int16Array): Promise<void> {
    try {
      for (let at = 0; at < samples.length; at += CHUNK_SAMPLES) {
        const chunk = samples.subarray(at, Math.min(samples.length, at + CHUNK_SAMPLES));
        await this.decoder.processInBackground(chunk);
        this.utteranceSamples += chunk.length;
        this.checkPartial();
      }
      if (this.search === HINT_SEARCH && this.bufferedSamples + samples.length <= this.settings.maxFallbackSamples) {
        this.buffered.push(samples.slice());
        this.bufferedSamples += samples.length;
      }
    } catch (err) {
      this.broken = true;
      throw err;
    }
  }

  async endUtterance(): Promise<void> {
    if (this.closed) return;
    if (!this.inUtterance) {
      const atMs = (this.streamSamples * 1000) / SAMPLE_RATE_HZ;
      this.sink.final({ text: '', confidence: 0, startMs: atMs, endMs: atMs, words: [], source: 'open' });
      return;
    }
    const work = this.finishUtterance();
    this.inFlight = work.catch(() => undefined);
    await work;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inFlight;
    try {
      if (this.inUtterance && !this.broken) await this.decoder.endUtterance();
      if (!this.broken) this.priors.learn(this.channel, this.decoder.getCepstralMean(), this.streamSamples / SAMPLE_RATE_HZ);
    } catch {
      this.broken = true;
    }
    this.inUtterance = false;
    this.lease.release({ broken: this.broken });
  }

  private begin(): void {
    this.search = this.prepareSearch();
    this.decoder.startUtterance(this.search);
    this.inUtterance = true;
    this.utteranceSamples = 0;
    this.utteranceStartMs = (this.streamSamples * 1000) / SAMPLE_RATE_HZ;
    this.lastPartial = '';
    this.buffered = [];
    this.bufferedSamples = 0;
  }

  /** Compiles this utterance's hints into the hint search; falls back to open vocabulary. */
  private prepareSearch(): typeof OPEN_SEARCH | typeof HINT_SEARCH {
    const hints = this.hints;
    if (hints === undefined) return OPEN_SEARCH;
    let jsgf = hints.jsgf ?? null;
    if (jsgf === null && hints.phrases !== undefined && hints.phrases.length > 0) {
      const built = phrasesToJsgf(hints.phrases, (w) => this.decoder.hasWord(w));
      if (built.dropped.length > 0) this.settings.onHintProblem(built.jsgf === null ? 'no_usable_phrases' : 'phrases_dropped', built.dropped.length);
      jsgf = built.jsgf;
    }
    if (jsgf === null) return OPEN_SEARCH;
    if (!this.decoder.loadGrammar(jsgf)) {
      this.settings.onHintProblem('grammar_rejected', 1);
      return OPEN_SEARCH;
    }
    return HINT_SEARCH;
  }

  private checkPartial(): void {
    const text = this.decoder.hypothesis();
    if (text === '' || text === this.lastPartial) return;
    this.lastPartial = text;
    const endMs = this.utteranceStartMs + (this.utteranceSamples * 1000) / SAMPLE_RATE_HZ;
    this.sink.partial({ text, confidence: 0.5, startMs: this.utteranceStartMs, endMs });
  }

  private async finishUtterance(): Promise<void> {
    const startMs = this.utteranceStartMs;
    const endMs = startMs + (this.utteranceSamples * 1000) / SAMPLE_RATE_HZ;
    this.streamSamples += this.utteranceSamples;
    try {
      await this.decoder.endUtterance();
      if (this.search === HINT_SEARCH) {
        const segments = this.decoder.segments();
        const text = this.decoder.hypothesis();
        const fit = grammarFit(segments);
        const threshold = this.settings.grammarFitThreshold;
        if (text !== '' && fit !== null && fit >= threshold) {
          const confidence = grammarConfidence(fit, threshold);
          this.sink.final({ text, confidence, startMs, endMs, words: this.words(segments, startMs, confidence), source: 'grammar' });
          return;
        }
        await this.redecodeOpen();
      }
      const segments = this.decoder.segments();
      const words = this.words(segments, startMs, null);
      const confidence = words.length > 0 ? words.reduce((sum, w) => sum + w.confidence, 0) / words.length : 0;
      this.sink.final({ text: this.decoder.hypothesis(), confidence, startMs, endMs, words, source: 'open' });
    } catch (err) {
      this.broken = true;
      throw err;
    } finally {
      this.inUtterance = false;
      this.buffered = [];
      this.bufferedSamples = 0;
    }
  }

  /** Decodes the buffered utterance again on the open-vocabulary search. */
  private async redecodeOpen(): Promise<void> {
    const audio = new Int16Array(this.bufferedSamples);
    let at = 0;
    for (const part of this.buffered) {
      audio.set(part, at);
      at += part.length;
    }
    this.decoder.startUtterance(OPEN_SEARCH);
    if (audio.length > 0) await this.decoder.processInBackground(audio);
    await this.decoder.endUtterance();
  }

  private words(segments: readonly DecodedSegment[], startMs: number, confidence: number | null): SttWord[] {
    return segments
      .filter((s) => !s.filler)
      .map((s) => ({
        word: s.word.toLowerCase(),
        startMs: startMs + s.startFrame * FRAME_MS,
        endMs: startMs + (s.endFrame + 1) * FRAME_MS,
        confidence: confidence ?? s.posterior,
      }));
  }
}
