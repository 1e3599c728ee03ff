/**
 * Emits one frame every `frameMs` from a pull source. Ticks are scheduled against the start time
 * (start + n * frameMs), not the previous tick, so timer lateness never accumulates into drift.
 * Missing frames advance the RTP timestamp without sending (RFC 3550 section 5.1: the timestamp
 * reflects the sampling instant) and the next packet carries the marker bit (talkspurt start,
 * RFC 3551 section 4.1).
 */
import { systemClock, type MediaClock } from './clock.js';

export interface FrameSink {
  sendFrame(payload: Uint8Array, options: { samples: number; marker: boolean }): void;
  /** Advance the timestamp by `samples` without sending. */
  skip(samples: number): void;
}

export interface PacedSenderOptions {
  sink: FrameSink;
  /** Returns the next frame, or undefined for silence/no data. */
  source: () => Uint8Array | undefined;
  frameMs?: number;
  clockRateHz?: number;
  clock?: MediaClock;
  /** When the loop falls further behind than this, missed ticks are skipped, not burst. Default 100 ms. */
  maxLagMs?: number;
}

export class PacedSender {
  private readonly frameMs: number;
  private readonly samplesPerFrame: number;
  private readonly clock: MediaClock;
  private readonly maxLagMs: number;
  private startMs = 0;
  private tick = 0;
  private timer: unknown;
  private running = false;
  private inGap = true;
  /** Frames sent and ticks skipped, for tests and metrics. */
  framesSent = 0;
  ticksSkipped = 0;

  constructor(private readonly options: PacedSenderOptions) {
    this.frameMs = options.frameMs ?? 20;
    this.samplesPerFrame = ((options.clockRateHz ?? 8000) * this.frameMs) / 1000;
    this.clock = options.clock ?? systemClock;
    this.maxLagMs = options.maxLagMs ?? 100;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.startMs = this.clock.nowMs();
    this.tick = 0;
    this.inGap = true;
    this.run();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (!this.running) return;
    const now = this.clock.nowMs();
    while (this.running && this.startMs + this.tick * this.frameMs <= now) {
      const lateMs = now - (this.startMs + this.tick * this.frameMs);
      if (lateMs > this.maxLagMs) {
        this.options.sink.skip(this.samplesPerFrame);
        this.ticksSkipped++;
        this.inGap = true;
      } else {
        const frame = this.options.source();
        if (frame === undefined) {
          this.options.sink.skip(this.samplesPerFrame);
          this.inGap = true;
        } else {
          this.options.sink.sendFrame(frame, { samples: this.samplesPerFrame, marker: this.inGap });
          this.inGap = false;
          this.framesSent++;
        }
      }
      this.tick++;
    }
    if (!this.running) return;
    const delayMs = Math.max(0, this.startMs + this.tick * this.frameMs - this.clock.nowMs());
    this.timer = this.clock.setTimer(() => this.run(), delayMs);
  }
}
