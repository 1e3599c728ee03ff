import type { Logger } from '../../logger.js';
import { isSpeechError, type SttHints, type SttService, type SttStream } from '../../speech/index.js';
import type { Direction, Frame } from '../frames.js';
import { FrameProcessor } from '../processor.js';

export interface SttProcessorOptions {
  adapter: SttService;
  /** Rate of the audio frames reaching this stage. */
  sampleRateHz: number;
  language: string;
  /** Hints for a segment about to open (read once per segment). */
  hints: () => SttHints | undefined;
  /** Audio from before the VAD confirmed speech fed to the recogniser with it (default 300). */
  preRollMs?: number | undefined;
  /** The call's signal: aborting closes every stream. */
  signal: AbortSignal;
  logger: Logger;
}

interface Segment {
  id: number;
  stream: SttStream | null;
  /** Audio held while the stream opens. */
  pending: Int16Array[];
  ended: boolean;
  finalSent: boolean;
}

/**
 * Speech recognition only while the caller speaks: each VAD speech segment opens a stream (so an
 * engine's pooled decoder is held only for the speech), primed with the audio just before the
 * VAD confirmed it, and ends it when the segment ends, so its final is ready while the turn's
 * endpointing silence is still elapsing. Every segment yields exactly one `transcript.final`
 * (empty when recognition failed), so the turn logic never waits for a final that cannot come.
 * Opening a stream never blocks this stage: audio is buffered until the stream is ready.
 */
export class SttProcessor extends FrameProcessor {
  private readonly preRollSamples: number;
  private readonly recent: Int16Array[] = [];
  private recentSamples = 0;
  private nextSegmentId = 1;
  private current: Segment | null = null;
  private readonly open = new Set<Segment>();

  constructor(private readonly options: SttProcessorOptions) {
    super('stt');
    this.preRollSamples = Math.round(((options.preRollMs ?? 300) * options.sampleRateHz) / 1000);
  }

  protected process(frame: Frame, direction: Direction): void {
    if (direction === 'upstream') return this.push(frame, direction);
    switch (frame.type) {
      case 'audio.in':
        this.remember(frame.samples);
        if (this.current) this.feed(this.current, frame.samples);
        return this.push(frame);
      case 'user.started_speaking': {
        const id = this.nextSegmentId++;
        this.current = this.startSegment(id);
        return this.push({ ...frame, segmentId: id });
      }
      case 'user.stopped_speaking': {
        this.push(frame);
        const segment = this.current;
        this.current = null;
        if (segment) this.endSegment(segment);
        return;
      }
      case 'end': {
        // No more caller audio: the open segment gets its final.
        const segment = this.current;
        this.current = null;
        if (segment) this.endSegment(segment);
        return this.push(frame);
      }
      case 'cancel':
        for (const s of this.open) s.stream?.close();
        return this.push(frame);
      default:
        return this.push(frame, direction);
    }
  }

  /** Keeps the last `preRollMs` of audio. */
  private remember(samples: Int16Array): void {
    this.recent.push(samples);
    this.recentSamples += samples.length;
    while (this.recent.length > 1 && this.recentSamples - this.recent[0]!.length >= this.preRollSamples) {
      this.recentSamples -= this.recent.shift()!.length;
    }
  }

  private feed(segment: Segment, samples: Int16Array): void {
    if (segment.stream) segment.stream.push(samples);
    else segment.pending.push(samples);
  }

  private startSegment(id: number): Segment {
    const segment: Segment = { id, stream: null, pending: [...this.recent], ended: false, finalSent: false };
    this.open.add(segment);
    void this.run(segment);
    return segment;
  }

  private endSegment(segment: Segment): void {
    segment.ended = true;
    if (segment.stream) void segment.stream.end().catch(() => undefined);
  }

  private async run(segment: Segment): Promise<void> {
    try {
      const stream = await this.options.adapter.createStream({
        sampleRateHz: this.options.sampleRateHz,
        language: this.options.language,
        hints: this.options.hints(),
        signal: this.options.signal,
      });
      segment.stream = stream;
      for (const samples of segment.pending) stream.push(samples);
      segment.pending = [];
      if (segment.ended) void stream.end().catch(() => undefined);
      for await (const event of stream) {
        if (event.type === 'partial') {
          if (!segment.finalSent) this.push({ type: 'transcript.partial', text: event.text, segmentId: segment.id });
        } else if (!segment.finalSent) {
          segment.finalSent = true;
          this.push({ type: 'transcript.final', text: event.text, segmentId: segment.id, wallMs: performance.now(), source: event.source });
        }
      }
    } catch (err) {
      if (!this.options.signal.aborted) {
        const code = isSpeechError(err) ? err.code : 'provider_error';
        this.options.logger.warn({ code, segment: segment.id }, 'speech recognition failed for a segment');
        this.pushError('stt', code, err instanceof Error ? err.message : String(err));
      }
    } finally {
      this.open.delete(segment);
      if (!segment.finalSent && !this.options.signal.aborted) {
        segment.finalSent = true;
        this.push({ type: 'transcript.final', text: '', segmentId: segment.id, wallMs: performance.now(), source: 'open' });
      }
    }
  }
}
