import type { Logger } from '../../logger.js';
import { isSpeechError, type TtsService } from '../../speech/index.js';
import type { Direction, Frame, TtsSpeakFrame } from '../frames.js';
import { FrameProcessor } from '../processor.js';

export interface TtsProcessorOptions {
  adapter: TtsService;
  voice: string | null;
  language: string;
  /** Rate of the audio this stage produces (the caller's rate). */
  sampleRateHz: number;
  /** The call's signal: aborting stops synthesis. */
  signal: AbortSignal;
  logger: Logger;
}

/**
 * Sentences -> agent audio. One sentence renders at a time, in order; audio is pushed as the
 * engine produces it. An interruption aborts the sentence being rendered (the queue of later
 * sentences is dropped by the base). A sentence that fails is reported and skipped: the caller
 * misses a sentence, the call goes on.
 */
export class TtsProcessor extends FrameProcessor {
  private current: { utteranceId: number; interruptible: boolean; controller: AbortController } | null = null;
  private readonly started = new Set<number>();
  private segmentIndex = new Map<number, number>();

  constructor(private readonly options: TtsProcessorOptions) {
    super('tts');
  }

  protected process(frame: Frame, direction: Direction): void | Promise<void> {
    if (direction === 'upstream') return this.push(frame, direction);
    switch (frame.type) {
      case 'tts.speak':
        return this.synthesize(frame);
      case 'tts.end':
        this.segmentIndex.delete(frame.utteranceId);
        return this.push(frame);
      case 'interruption':
        if (this.current?.interruptible) this.current.controller.abort();
        return this.push(frame);
      case 'cancel':
        this.current?.controller.abort();
        return this.push(frame);
      default:
        return this.push(frame);
    }
  }

  private async synthesize(frame: TtsSpeakFrame): Promise<void> {
    const controller = new AbortController();
    const onCallAbort = () => controller.abort();
    this.options.signal.addEventListener('abort', onCallAbort, { once: true });
    this.current = { utteranceId: frame.utteranceId, interruptible: frame.interruptible, controller };
    const segmentIndex = this.segmentIndex.get(frame.utteranceId) ?? 0;
    this.segmentIndex.set(frame.utteranceId, segmentIndex + 1);
    try {
      const chunks = this.options.adapter.synthesize(frame.text, {
        voice: this.options.voice,
        language: this.options.language,
        sampleRateHz: this.options.sampleRateHz,
        signal: controller.signal,
      });
      for await (const chunk of chunks) {
        if (controller.signal.aborted) break;
        const first = !this.started.has(frame.utteranceId);
        const wallMs = performance.now();
        if (first) {
          this.started.add(frame.utteranceId);
          this.push({ type: 'metrics', name: 'tts_first_byte', utteranceId: frame.utteranceId, wallMs }, 'upstream');
        }
        this.push({
          type: 'tts.audio',
          utteranceId: frame.utteranceId,
          kind: frame.kind,
          interruptible: frame.interruptible,
          samples: chunk.samples,
          sampleRateHz: chunk.sampleRateHz,
          segmentText: frame.text,
          segmentIndex,
          first,
          wallMs,
        });
      }
    } catch (err) {
      if (!controller.signal.aborted) {
        const code = isSpeechError(err) ? err.code : 'provider_error';
        this.options.logger.warn({ code, utterance: frame.utteranceId }, 'speech synthesis failed for a sentence');
        this.pushError('tts', code, err instanceof Error ? err.message : String(err));
      }
    } finally {
      this.options.signal.removeEventListener('abort', onCallAbort);
      if (this.current?.controller === controller) this.current = null;
    }
  }
}
