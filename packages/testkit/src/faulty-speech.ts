/**
 * A speech plugin module (see `UNPOD_SPEECH_PLUGINS` / `startTestServer({ speechPlugins })`) that
 * registers misbehaving providers, for failover tests and benchmarks against a real server:
 *
 * - STT `faulty-die`: hears `after_ms` (step option, default 300) of audio, then every write
 *   fails like a dropped vendor connection.
 * - STT `faulty-stall`: sends one partial, then never another result (not even a final).
 * - STT `faulty-garbage`: answers with binary junk instead of text.
 * - TTS `faulty-die`: 100 ms of a tone per sentence, then fails.
 * - TTS `faulty-stall`: 100 ms of a tone, then nothing more.
 * - TTS `faulty-garbage`: completes every sentence without any audio.
 *
 * Each name is its own provider, so their circuit breakers on a node are independent.
 */
import {
  SpeechError,
  SttAdapter,
  TtsAdapter,
  type PcmChunk,
  type SpeechRegistry,
  type SttCapabilities,
  type SttEngineSession,
  type SttSessionContext,
  type TtsCapabilities,
  type TtsSegmentContext,
} from '@unpod/server';

export type FaultMode = 'die' | 'stall' | 'garbage';
export const FAULT_MODES: readonly FaultMode[] = ['die', 'stall', 'garbage'];

const NO_RETRY = { maxRetries: 0, initialDelayMs: 0, maxDelayMs: 0 };

/** A recogniser that fails in one of the {@link FaultMode}s. */
export class FaultyStt extends SttAdapter {
  readonly provider: string;
  readonly capabilities: SttCapabilities = {
    streaming: true,
    interimResults: true,
    nativeSampleRatesHz: [8000, 16_000],
    languages: ['en'],
    grammars: { phrases: false, jsgf: false },
    widebandModel: false,
  };

  constructor(
    readonly mode: FaultMode,
    private readonly afterMs = 300,
  ) {
    super({ retry: NO_RETRY });
    this.provider = `faulty-${mode}`;
  }

  protected openSession(context: SttSessionContext): Promise<SttEngineSession> {
    let samples = 0;
    let answered = false;
    const limit = (this.afterMs * context.sampleRateHz) / 1000;
    return Promise.resolve({
      write: (chunk: Int16Array) => {
        samples += chunk.length;
        const endMs = (samples * 1000) / context.sampleRateHz;
        switch (this.mode) {
          case 'die':
            if (samples >= limit) throw new SpeechError('provider_error', 'vendor connection reset (injected)', { provider: this.provider });
            return;
          case 'stall':
            if (!answered) context.sink.partial({ text: 'hello', confidence: 0.5, startMs: 0, endMs });
            answered = true;
            return;
          case 'garbage':
            context.sink.partial({ text: '\ufffd\u0000\ufffd', confidence: 0.5, startMs: 0, endMs });
            return;
        }
      },
      endUtterance: () => {
        if (this.mode === 'garbage') context.sink.final({ text: '\ufffd\ufffd', confidence: 2, startMs: 0, endMs: 0, words: [], source: 'open' });
      },
      setHints: () => undefined,
      close: () => undefined,
    });
  }
}

/** A synthesiser that fails in one of the {@link FaultMode}s. */
export class FaultyTts extends TtsAdapter {
  readonly provider: string;
  readonly capabilities: TtsCapabilities = {
    streaming: true,
    segmentation: 'sentence',
    nativeSampleRatesHz: [16_000],
    voices: [{ id: 'tone', language: 'en-us', gender: null, sampleRateHz: 16_000 }],
    languages: ['en-us'],
  };

  constructor(readonly mode: FaultMode) {
    super({ retry: NO_RETRY });
    this.provider = `faulty-${mode}`;
  }

  protected async *synthesizeSegment(_text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    if (this.mode === 'garbage') return;
    yield { samples: tone(1600, 16_000), sampleRateHz: 16_000 };
    if (this.mode === 'die') throw new SpeechError('provider_error', 'vendor connection reset (injected)', { provider: this.provider });
    await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
  }
}

function tone(samples: number, rateHz: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / rateHz));
  return out;
}

/** The plugin entry point: registers every faulty provider (STT and TTS). */
export function registerSpeechProviders(registry: SpeechRegistry): void {
  for (const mode of FAULT_MODES) {
    registry.registerStt(`faulty-${mode}`, (step) => new FaultyStt(mode, typeof step.options['after_ms'] === 'number' ? step.options['after_ms'] : undefined));
    registry.registerTts(`faulty-${mode}`, () => new FaultyTts(mode));
  }
}
