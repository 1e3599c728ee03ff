import type { StreamResampler } from '../../speech/index.js';
import type { Direction, Frame } from '../frames.js';
import { FrameProcessor } from '../processor.js';

/**
 * Caller audio from the edge rate to the pipeline rate (a browser's 48 kHz down to 16 kHz, so
 * the VAD and the recogniser do not each convert it). Audio timing is kept: `atMs` and `wallMs`
 * pass through, only the samples change.
 */
export class ResampleProcessor extends FrameProcessor {
  constructor(
    private readonly resampler: StreamResampler,
    private readonly outRateHz: number,
  ) {
    super('resample');
  }

  protected process(frame: Frame, direction: Direction): void {
    if (direction === 'downstream' && frame.type === 'audio.in') {
      const samples = this.resampler.process(frame.samples);
      if (samples.length > 0) this.push({ ...frame, samples, sampleRateHz: this.outRateHz });
      return;
    }
    if (frame.type === 'cancel' || frame.type === 'end') this.resampler.close();
    this.push(frame, direction);
  }
}
