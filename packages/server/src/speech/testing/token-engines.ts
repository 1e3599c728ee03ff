import { SpeechError } from '../contracts/errors.js';
import type { PcmChunk } from '../contracts/audio.js';
import { SttAdapter } from '../contracts/stt-adapter.js';
import type { SttCapabilities, SttEngineSession, SttSessionContext } from '../contracts/stt.js';
import { TtsAdapter } from '../contracts/tts-adapter.js';
import type { TtsCapabilities, TtsSegmentContext } from '../contracts/tts.js';

/**
 * Deterministic engines for failover tests. "Token audio": every 20 ms chunk at 16 kHz is filled
 * with one value, the index of a word in {@link TOKEN_WORDS}; the STT engine hears a word per
 * chunk (a run of equal chunks is one word), so what it recognises is exactly what was pushed.
 */
export const TOKEN_WORDS = ['', 'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'] as const;

/** One 20 ms chunk at 16 kHz saying word `index`. */
export function tokenChunk(index: number): Int16Array {
  return new Int16Array(320).fill(index);
}

/** How a scripted engine misbehaves, counted in engine writes (STT) or sentences (TTS). */
export type Fault =
  | { kind: 'none' }
  /** Throws `provider_error` on write number `at` (1-based). */
  | { kind: 'die'; at: number }
  /** From write `at` on, no result ever again (not even a final). */
  | { kind: 'stall'; at: number }
  /** From write `at` on, results carry binary junk. */
  | { kind: 'garbage'; at: number }
  /** Opening a stream fails with `unavailable`. */
  | { kind: 'refuse' };

const NO_RETRY = { maxRetries: 0, initialDelayMs: 0, maxDelayMs: 0 };

/** Token-audio recogniser with a scripted fault; counts what it was given. */
export class TokenStt extends SttAdapter {
  readonly capabilities: SttCapabilities = {
    streaming: true,
    interimResults: true,
    nativeSampleRatesHz: [16_000],
    languages: ['en'],
    grammars: { phrases: false, jsgf: false },
    widebandModel: false,
  };
  /** Words each session heard, in order of sessions. */
  readonly heard: string[][] = [];
  writes = 0;

  constructor(
    readonly provider: string,
    public fault: Fault = { kind: 'none' },
  ) {
    super({ retry: NO_RETRY });
  }

  protected openSession(context: SttSessionContext): Promise<SttEngineSession> {
    if (this.fault.kind === 'refuse') return Promise.reject(new SpeechError('unavailable', 'refused by script', { provider: this.provider }));
    const session: string[] = [];
    this.heard.push(session);
    let words: string[] = [];
    let last = -1;
    let samples = 0;
    let startMs = 0;
    const faultActive = (kind: Fault['kind']) => this.fault.kind === kind && 'at' in this.fault && this.writes >= this.fault.at;
    return Promise.resolve({
      write: (chunk) => {
        this.writes++;
        if (faultActive('die')) throw new SpeechError('provider_error', 'connection reset by script', { provider: this.provider });
        const value = chunk[0] ?? 0;
        samples += chunk.length;
        if (value !== last && value > 0 && value < TOKEN_WORDS.length) {
          words.push(TOKEN_WORDS[value]!);
          session.push(TOKEN_WORDS[value]!);
        }
        last = value;
        if (faultActive('stall')) return;
        const text = faultActive('garbage') ? '\ufffd\u0001\u0002' : words.join(' ');
        context.sink.partial({ text, confidence: 0.5, startMs, endMs: samples / 16 });
      },
      endUtterance: () => {
        if (faultActive('stall')) return;
        const text = faultActive('garbage') ? '\ufffd\u0001\u0002' : words.join(' ');
        context.sink.final({ text, confidence: 0.9, startMs, endMs: samples / 16, words: [], source: 'open' });
        words = [];
        last = -1;
        startMs = samples / 16;
      },
      setHints: () => undefined,
      close: () => undefined,
    });
  }
}

/**
 * A synthesiser that renders each sentence as `samplesPerChar` samples per character, in chunks
 * of 160 samples, all of value `level`, with a scripted fault counted in sentences (1-based).
 */
export class TokenTts extends TtsAdapter {
  readonly capabilities: TtsCapabilities = {
    streaming: true,
    segmentation: 'none',
    nativeSampleRatesHz: [16_000],
    voices: [{ id: 'tok', language: 'en', gender: null, sampleRateHz: 16_000 }],
    languages: ['en'],
  };
  /** Sentences asked for, in order. */
  readonly asked: string[] = [];

  constructor(
    readonly provider: string,
    readonly level: number,
    public fault: Fault = { kind: 'none' },
    readonly samplesPerChar = 16,
  ) {
    super({ retry: NO_RETRY });
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    this.asked.push(text);
    const n = this.asked.length;
    const f = this.fault;
    if (f.kind === 'refuse') throw new SpeechError('unavailable', 'refused by script', { provider: this.provider });
    const faulty = 'at' in f && n >= f.at;
    if (faulty && f.kind === 'garbage') return;
    const total = text.length * this.samplesPerChar;
    for (let at = 0; at < total; at += 160) {
      if (context.signal.aborted) return;
      if (faulty && at > 0 && f.kind === 'die') throw new SpeechError('provider_error', 'connection reset by script', { provider: this.provider });
      if (faulty && at > 0 && f.kind === 'stall') await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
      if (context.signal.aborted) return;
      yield { samples: new Int16Array(Math.min(160, total - at)).fill(this.level), sampleRateHz: 16_000 };
    }
  }
}
