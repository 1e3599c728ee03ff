import type { SttEvent } from '../contracts/stt.js';
import type { TtsChunk } from '../contracts/tts.js';
import { MalformedResultError } from './types.js';

/** Control characters (tab, newline and carriage return excepted) and U+FFFD, the mark of undecodable bytes. */
// eslint-disable-next-line no-control-regex
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

/**
 * Sanity checks on a recognition result: text that is not binary junk, a confidence in 0..1,
 * finite non-negative times in order. A provider that fails them is replaced like one that errs.
 * Plausible but wrong words cannot be caught here.
 */
export function checkSttEvent(provider: string, event: SttEvent): void {
  if (typeof event.text !== 'string' || BINARY.test(event.text)) throw new MalformedResultError(provider, 'transcript text is not text');
  if (!Number.isFinite(event.confidence) || event.confidence < 0 || event.confidence > 1) {
    throw new MalformedResultError(provider, 'confidence outside 0..1');
  }
  if (!Number.isFinite(event.startMs) || !Number.isFinite(event.endMs) || event.startMs < 0 || event.endMs < event.startMs) {
    throw new MalformedResultError(provider, 'result times are not a forward range');
  }
  if (event.type === 'final') {
    if (!Array.isArray(event.words)) throw new MalformedResultError(provider, 'final without a word list');
    for (const w of event.words) {
      if (typeof w.word !== 'string' || BINARY.test(w.word)) throw new MalformedResultError(provider, 'a word is not text');
    }
  }
}

/** A synthesised chunk must be PCM16 at the rate asked for. */
export function checkTtsChunk(provider: string, chunk: TtsChunk, sampleRateHz: number): void {
  if (!(chunk.samples instanceof Int16Array)) throw new MalformedResultError(provider, 'audio is not PCM16');
  if (chunk.sampleRateHz !== sampleRateHz) throw new MalformedResultError(provider, `audio at ${chunk.sampleRateHz} Hz, not ${sampleRateHz} Hz`);
}
