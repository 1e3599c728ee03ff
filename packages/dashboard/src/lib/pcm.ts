/** Float samples in [-1, 1] to PCM16 (clipped). */
export function floatToPcm16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = Math.max(-1, Math.min(1, input[i]!));
    out[i] = v < 0 ? Math.round(v * 0x8000) : Math.round(v * 0x7fff);
  }
  return out;
}

/** PCM16 little-endian bytes to float samples in [-1, 1). */
export function pcm16BytesToFloat(bytes: ArrayBuffer): Float32Array {
  const view = new DataView(bytes);
  const out = new Float32Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 0x8000;
  return out;
}

/** PCM16 samples as little-endian bytes (what the WebSocket audio transport takes). */
export function pcm16ToBytes(samples: Int16Array): ArrayBuffer {
  const buf = new ArrayBuffer(samples.length * 2);
  const view = new DataView(buf);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return buf;
}

/**
 * Streaming downsampler from the audio device rate (44.1/48 kHz) to the call rate (16 kHz):
 * each output sample averages the input samples of its span (a box filter, enough against
 * aliasing for speech recognition), carrying the fractional position across chunks so chunk
 * boundaries leave no clicks or drift.
 */
export class Downsampler {
  private readonly ratio: number;
  private position = 0;
  private carry: number[] = [];

  constructor(
    readonly inputRateHz: number,
    readonly outputRateHz: number,
  ) {
    if (outputRateHz > inputRateHz) throw new Error(`cannot downsample ${inputRateHz} Hz to a higher rate ${outputRateHz} Hz`);
    this.ratio = inputRateHz / outputRateHz;
  }

  process(input: Float32Array): Float32Array {
    const samples = this.carry.length ? Float32Array.from([...this.carry, ...input]) : input;
    const out: number[] = [];
    let pos = this.position;
    while (pos + this.ratio <= samples.length) {
      const start = Math.floor(pos);
      const end = Math.floor(pos + this.ratio);
      let sum = 0;
      for (let i = start; i < end; i++) sum += samples[i]!;
      out.push(sum / Math.max(1, end - start));
      pos += this.ratio;
    }
    const keepFrom = Math.floor(pos);
    this.carry = Array.from(samples.subarray(keepFrom));
    this.position = pos - keepFrom;
    return Float32Array.from(out);
  }
}

/** Accumulates samples and hands out fixed-size frames (e.g. 20 ms = 320 samples at 16 kHz). */
export class Framer {
  private pending: number[] = [];

  constructor(readonly frameSamples: number) {}

  push(samples: ArrayLike<number>): Float32Array[] {
    for (let i = 0; i < samples.length; i++) this.pending.push(samples[i]!);
    const frames: Float32Array[] = [];
    while (this.pending.length >= this.frameSamples) frames.push(Float32Array.from(this.pending.splice(0, this.frameSamples)));
    return frames;
  }
}
