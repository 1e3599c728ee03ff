/** Options for {@link FrameSplitter}. */
export interface FrameSplitterOptions {
  /** Sample rate of the stream (per channel). */
  sampleRateHz: number;
  /** Frame length; `sampleRateHz * frameMs / 1000` must be a whole number of samples. */
  frameMs: number;
  /** Interleaved channels per sample frame (default 1). */
  channels?: number;
}

/**
 * Cuts a stream of little-endian PCM16 byte chunks of any size (odd sizes included: a sample may
 * straddle two chunks) into fixed-length frames of `frameMs`, keeping the remainder for the next
 * chunk.
 *
 * @example
 * ```ts
 * const splitter = new FrameSplitter({ sampleRateHz: 16000, frameMs: 20 });
 * for (const frame of splitter.process(chunk)) vad.process(frame); // 320 samples each
 * ```
 */
export class FrameSplitter {
  /** Samples per emitted frame (all channels, interleaved). */
  readonly frameSamples: number;
  private current: Int16Array;
  private filled = 0;
  private pendingLowByte = -1;

  constructor(options: FrameSplitterOptions) {
    const channels = options.channels ?? 1;
    const perChannel = (options.sampleRateHz * options.frameMs) / 1000;
    if (!Number.isInteger(perChannel) || perChannel <= 0 || !Number.isInteger(channels) || channels < 1) {
      throw new RangeError(
        `frameMs ${options.frameMs} at ${options.sampleRateHz} Hz is not a whole positive number of samples`,
      );
    }
    this.frameSamples = perChannel * channels;
    this.current = new Int16Array(this.frameSamples);
  }

  /** Samples held back waiting for the next chunk. */
  get bufferedSamples(): number {
    return this.filled;
  }

  /**
   * Appends a chunk and returns the frames it completed (possibly none). Each returned frame is a
   * new array the caller owns.
   */
  process(chunk: Uint8Array): Int16Array[] {
    const frames: Int16Array[] = [];
    let i = 0;
    if (this.pendingLowByte >= 0 && chunk.length > 0) {
      this.push(this.pendingLowByte | (chunk[0]! << 8), frames);
      this.pendingLowByte = -1;
      i = 1;
    }
    const end = chunk.length - 1;
    for (; i < end; i += 2) {
      this.push(chunk[i]! | (chunk[i + 1]! << 8), frames);
    }
    if (i < chunk.length) this.pendingLowByte = chunk[i]!;
    return frames;
  }

  /**
   * Ends the stream: returns the partial last frame (shorter than `frameSamples`), or `undefined`
   * when nothing is buffered, and resets the splitter. A dangling odd byte is dropped.
   */
  flush(): Int16Array | undefined {
    const rest = this.filled > 0 ? this.current.slice(0, this.filled) : undefined;
    this.filled = 0;
    this.pendingLowByte = -1;
    return rest;
  }

  private push(unsigned: number, frames: Int16Array[]): void {
    // Writing an unsigned 16-bit value into an Int16Array wraps it to the signed sample.
    this.current[this.filled++] = unsigned;
    if (this.filled === this.frameSamples) {
      frames.push(this.current);
      this.current = new Int16Array(this.frameSamples);
      this.filled = 0;
    }
  }
}
