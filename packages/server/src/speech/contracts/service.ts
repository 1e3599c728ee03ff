import type { SttStream, SttStreamOptions } from './stt.js';
import type { TtsChunk, TtsSynthesizeOptions } from './tts.js';

/**
 * What a call's pipeline needs of speech-to-text: an {@link SttAdapter}, or a failover chain of
 * them (`FailoverStt`), which has the same surface.
 */
export interface SttService {
  readonly provider: string;
  createStream(options: SttStreamOptions): Promise<SttStream>;
}

/** What a call's pipeline needs of text-to-speech: a `TtsAdapter` or a `FailoverTts`. */
export interface TtsService {
  readonly provider: string;
  synthesize(text: string, options: TtsSynthesizeOptions): AsyncIterable<TtsChunk>;
}
