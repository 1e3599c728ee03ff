import type { PcmChunk } from '../../contracts/audio.js';
import { TtsAdapter } from '../../contracts/tts-adapter.js';
import type { TtsAdapterOptions, TtsCapabilities, TtsSegmentContext, TtsVoice } from '../../contracts/tts.js';
import { throwIfAborted } from '../../util/abort.js';
import { espeakCore, espeakSynthesize } from './ffi.js';

/** Options of {@link EspeakTts}. */
export interface EspeakTtsOptions extends TtsAdapterOptions {
  /** Speaking rate, 80-450 words per minute (default 175). */
  wordsPerMinute?: number | undefined;
}

/**
 * Offline multilingual text-to-speech with libespeak-ng (Debian `libespeak-ng1`) through koffi,
 * in synchronous mode: audio comes from a callback in ~100 ms blocks at 22050 Hz. Synthesis is
 * fast enough (RTF ~0.001) to run on the event loop; sentences are still rendered one at a time so
 * the first plays early and cancellation takes effect between sentences. Voices are the
 * languages the installed `espeak-ng-data` covers; ids are language tags (`en-us`, `fr-fr`, `hi`).
 */
export class EspeakTts extends TtsAdapter {
  readonly provider = 'espeak-ng';
  private readonly wordsPerMinute: number;
  private cachedCapabilities: TtsCapabilities | undefined;

  constructor(options: EspeakTtsOptions = {}) {
    super({ ...options, defaultVoice: options.defaultVoice });
    this.wordsPerMinute = Math.min(450, Math.max(80, options.wordsPerMinute ?? 175));
  }

  /** Read from the library on first use (fails with `unavailable` when it is missing). */
  get capabilities(): TtsCapabilities {
    if (this.cachedCapabilities !== undefined) return this.cachedCapabilities;
    const es = espeakCore();
    const voices: TtsVoice[] = es.voices.map((v) => ({ id: v.language, language: v.language, gender: v.gender, sampleRateHz: es.sampleRateHz }));
    this.cachedCapabilities = {
      streaming: true,
      segmentation: 'sentence',
      nativeSampleRatesHz: [es.sampleRateHz],
      voices,
      languages: voices.map((v) => v.language),
    };
    return this.cachedCapabilities;
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    throwIfAborted(context.signal, this.provider);
    const sampleRateHz = espeakCore().sampleRateHz;
    const chunks: Int16Array[] = [];
    const identifier = espeakCore().voices.find((v) => v.language === context.voice.id)?.identifier ?? context.voice.id;
    espeakSynthesize(text, identifier, this.wordsPerMinute, (samples) => chunks.push(samples));
    for (const samples of chunks) {
      throwIfAborted(context.signal, this.provider);
      yield { samples, sampleRateHz };
    }
  }
}
