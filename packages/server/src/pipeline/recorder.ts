import { WavFileWriter } from '@unpod/media';

/**
 * A call recording: one stereo PCM16 WAV, caller on the left channel, agent on the right, at one
 * rate. Caller audio is the clock (a transport delivers it continuously, silence included): each
 * block of caller samples is written with as many agent samples, taken from what was played
 * since (silence when the agent was quiet). While paused both channels are written as silence,
 * so the file keeps the call's timeline and the paused stretch is provably empty. Agent audio
 * still buffered at the end is written after the last caller audio.
 */
export class CallRecorder {
  private readonly agentQueue: Int16Array[] = [];
  private agentOffset = 0;
  private active = true;
  private closing: Promise<{ path: string; durationMs: number }> | null = null;
  private samplesWritten = 0;
  private failed = false;
  /** Stereo blocks not yet handed to the file (written in ~0.5 s batches). */
  private batch: Int16Array[] = [];
  private batchSamples = 0;

  private constructor(
    readonly path: string,
    readonly sampleRateHz: number,
    private readonly file: WavFileWriter,
    private readonly onError: (err: unknown) => void,
  ) {}

  static async create(path: string, sampleRateHz: number, onError: (err: unknown) => void): Promise<CallRecorder> {
    const file = await WavFileWriter.create(path, { sampleRateHz, channels: 2 });
    return new CallRecorder(path, sampleRateHz, file, onError);
  }

  get recording(): boolean {
    return this.active;
  }

  /** Pause (false) or resume (true). */
  setActive(active: boolean): void {
    this.active = active;
  }

  caller(samples: Int16Array): void {
    if (this.closing || this.failed || samples.length === 0) return;
    const agent = this.takeAgent(samples.length);
    this.write(samples, agent);
  }

  agent(samples: Int16Array): void {
    if (this.closing || this.failed || samples.length === 0) return;
    this.agentQueue.push(samples);
  }

  /** Writes what is left and closes the file. Idempotent. */
  close(): Promise<{ path: string; durationMs: number }> {
    if (this.closing) return this.closing;
    let rest = 0;
    for (const a of this.agentQueue) rest += a.length;
    rest -= this.agentOffset;
    if (rest > 0 && !this.failed) this.write(new Int16Array(rest), this.takeAgent(rest));
    this.flushBatch();
    this.closing = this.file
      .close()
      .catch((err: unknown) => this.onError(err))
      .then(() => ({ path: this.path, durationMs: (this.samplesWritten * 1000) / this.sampleRateHz }));
    return this.closing;
  }

  private write(left: Int16Array, right: Int16Array): void {
    const n = left.length;
    const stereo = new Int16Array(n * 2);
    if (this.active) {
      for (let i = 0; i < n; i++) {
        stereo[2 * i] = left[i]!;
        stereo[2 * i + 1] = right[i]!;
      }
    }
    this.samplesWritten += n;
    this.batch.push(stereo);
    this.batchSamples += n;
    if (this.batchSamples >= this.sampleRateHz / 2) this.flushBatch();
  }

  private flushBatch(): void {
    if (this.batch.length === 0 || this.failed) return;
    const all = new Int16Array(this.batchSamples * 2);
    let at = 0;
    for (const b of this.batch) {
      all.set(b, at);
      at += b.length;
    }
    this.batch = [];
    this.batchSamples = 0;
    this.file.write(all).catch((err: unknown) => {
      if (this.failed) return;
      this.failed = true;
      this.onError(err);
    });
  }

  /** `n` samples of played agent audio (zeros where none was played). */
  private takeAgent(n: number): Int16Array {
    const out = new Int16Array(n);
    let filled = 0;
    while (filled < n && this.agentQueue.length > 0) {
      const head = this.agentQueue[0]!;
      const take = Math.min(n - filled, head.length - this.agentOffset);
      out.set(head.subarray(this.agentOffset, this.agentOffset + take), filled);
      filled += take;
      this.agentOffset += take;
      if (this.agentOffset >= head.length) {
        this.agentQueue.shift();
        this.agentOffset = 0;
      }
    }
    return out;
  }
}
