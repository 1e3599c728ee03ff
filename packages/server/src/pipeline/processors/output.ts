import type { Direction, Frame } from '../frames.js';
import { Playout, type PlayoutEvent } from '../playout.js';
import { FrameProcessor } from '../processor.js';

export interface OutputProcessorOptions {
  sampleRateHz: number;
  /** Frame length on the wire (default 20). */
  frameMs?: number | undefined;
  /** Frames sent ahead of real time when playout starts, to absorb network jitter (default 1). */
  leadFrames?: number | undefined;
  /** Puts one frame of agent audio on the wire (and in the recording). */
  send(samples: Int16Array, utteranceId: number): void;
}

/**
 * The media edge of agent audio: paces the playout onto the wire in real time, one frame per
 * frame period (a timer runs only while there is audio to send). `output.hold` stops sending at
 * once and keeps the queue; `output.resume` continues; `interruption` flushes queued audio of
 * interruptible utterances, so what the caller hears stops within one frame. Playout starts and
 * stops go upstream as `bot.started_speaking` / `bot.stopped_speaking` (with what was heard), and
 * the first frame of each utterance as a `first_audio_out` metric. `end` plays out what is queued,
 * then passes `end` on; `cancel` stops at once.
 */
export class OutputProcessor extends FrameProcessor {
  readonly playout: Playout;
  private readonly frameMs: number;
  private readonly leadFrames: number;
  private timer: NodeJS.Timeout | null = null;
  private clockStartMs = 0;
  private framesSent = 0;
  private held = false;
  private closed = false;
  /** `end` arrived: play out what is queued, then close and pass `end` on. */
  private ending = false;

  constructor(private readonly options: OutputProcessorOptions) {
    super('output');
    this.frameMs = options.frameMs ?? 20;
    this.leadFrames = options.leadFrames ?? 1;
    this.playout = new Playout(Math.round((options.sampleRateHz * this.frameMs) / 1000));
  }

  /** True while sending is held for a possible barge-in. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Flushes one utterance (or every interruptible one) now; returns what the caller heard of `utteranceId`. */
  cut(utteranceId: number): string {
    this.emit(this.playout.flush(utteranceId));
    return this.playout.heardText(utteranceId);
  }

  protected process(frame: Frame, direction: Direction): void {
    if (direction === 'upstream') return this.push(frame, direction);
    switch (frame.type) {
      case 'tts.audio':
        this.playout.enqueue(frame);
        return this.kick();
      case 'tts.end':
        this.emit(this.playout.end(frame.utteranceId, frame.kind, frame.interruptible));
        return this.kick();
      case 'output.hold':
        this.held = true;
        return this.stopClock();
      case 'output.resume':
        this.held = false;
        return this.kick();
      case 'interruption':
        this.held = false;
        this.stopClock();
        this.emit(this.playout.flush());
        return this.kick();
      case 'cancel':
        this.closed = true;
        this.stopClock();
        return this.push(frame);
      case 'end':
        this.ending = true;
        this.held = false;
        if (this.playout.idle) return this.finishEnd();
        return this.kick();
      default:
        return this.push(frame);
    }
  }

  private kick(): void {
    if (this.closed || this.held || this.timer !== null || this.playout.idle) return;
    this.clockStartMs = performance.now();
    this.framesSent = 0;
    this.tick();
  }

  private stopClock(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sends every frame due by now (catching up after a late timer), then sleeps until the next. */
  private tick(): void {
    this.timer = null;
    if (this.held || this.closed) return;
    const elapsedFrames = Math.floor((performance.now() - this.clockStartMs) / this.frameMs) + 1;
    while (this.framesSent < elapsedFrames + this.leadFrames - 1 || this.framesSent === 0) {
      const next = this.playout.next();
      if (next === null) {
        // Idle or waiting for synthesis: kick() restarts the clock. After `end`, nothing more comes.
        if (this.ending) this.finishEnd();
        return;
      }
      this.options.send(next.samples, next.utteranceId);
      this.framesSent++;
      this.emit(next.events);
      if (this.held || this.closed) return;
    }
    const dueAtMs = this.clockStartMs + (this.framesSent - this.leadFrames + 1) * this.frameMs;
    this.timer = setTimeout(() => this.tick(), Math.max(0, dueAtMs - performance.now()));
  }

  private finishEnd(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopClock();
    this.push({ type: 'end' });
  }

  private emit(events: PlayoutEvent[]): void {
    for (const e of events) {
      const wallMs = performance.now();
      if (e.type === 'started') {
        this.push({ type: 'metrics', name: 'first_audio_out', utteranceId: e.utteranceId, wallMs }, 'upstream');
        this.push({ type: 'bot.started_speaking', utteranceId: e.utteranceId, kind: e.kind, interruptible: e.interruptible, wallMs }, 'upstream');
      } else {
        this.push({ type: 'bot.stopped_speaking', utteranceId: e.utteranceId, interrupted: e.interrupted, heardText: e.heardText, wallMs }, 'upstream');
      }
    }
  }
}
