import type { PcmChunk } from '../../contracts/audio.js';
import { TtsAdapter } from '../../contracts/tts-adapter.js';
import type { TtsAdapterOptions, TtsCapabilities, TtsSegmentContext } from '../../contracts/tts.js';
import { throwIfAborted } from '../../util/abort.js';
import { FLITE_VOICES, fliteTextToWave } from './ffi.js';

/**
 * Offline text-to-speech with CMU flite (Debian `libflite1`) through koffi. flite renders a whole
 * request at once, so the base feeds it sentence by sentence; each sentence runs on koffi's worker
 * thread so the event loop keeps moving other calls' audio.
 */
export class FliteTts extends TtsAdapter {
  readonly provider = 'flite';
  readonly capabilities: TtsCapabilities = {
    streaming: false,
    segmentation: 'sentence',
    nativeSampleRatesHz: [8000, 16_000],
    voices: FLITE_VOICES.map((v) => ({ id: v.id, language: 'en-us', gender: v.gender, sampleRateHz: v.sampleRateHz })),
    languages: ['en-us', 'en'],
  };

  constructor(options: TtsAdapterOptions = {}) {
    super({ ...options, defaultVoice: options.defaultVoice ?? 'slt' });
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    throwIfAborted(context.signal, this.provider);
    const wave = await fliteTextToWave(text, context.voice.id, context.signal);
    throwIfAborted(context.signal, this.provider);
    yield wave;
  }
}
