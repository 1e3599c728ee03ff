import { WebSocket } from 'ws';
import { FrameLog, type EventFrame } from './frame-log.js';

/** A JSON event received on an audio call's client socket. */
export type AudioClientFrame = EventFrame;

/** One binary frame of agent audio and when it arrived (`performance.now()`). */
export interface ReceivedAudio {
  samples: Int16Array;
  atMs: number;
}

const FRAME_MS = 20;

/**
 * A test and benchmark client for WebSocket audio calls that behaves like a phone line: once
 * started, it sends one 20 ms PCM16 frame every 20 ms in real time, silence unless something was
 * queued with {@link say}. Agent audio and JSON events are collected with their arrival times.
 */
export class AudioCallClient {
  private readonly log = new FrameLog<AudioClientFrame>(30_000);
  readonly frames = this.log.frames;
  readonly frameTimesMs: number[] = [];
  readonly audio: ReceivedAudio[] = [];
  private readonly audioWaiters: Array<() => void> = [];
  private readonly frameSamples: number;
  private queue: Array<{ samples: Int16Array; offset: number; done: (info: { startedAtMs: number; endedAtMs: number }) => void; startedAtMs: number | null }> = [];
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private startMs = 0;
  private closeInfo: { code: number; reason: string } | undefined;
  private readonly closedP: Promise<void>;

  private constructor(
    readonly socket: WebSocket,
    readonly sampleRateHz: number,
  ) {
    this.frameSamples = (sampleRateHz * FRAME_MS) / 1000;
    socket.on('message', (data, isBinary) => {
      const atMs = performance.now();
      if (isBinary) {
        const buf = data as Buffer;
        const samples = new Int16Array(buf.length / 2);
        for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(i * 2);
        this.audio.push({ samples, atMs });
        for (const w of this.audioWaiters.splice(0)) w();
        return;
      }
      // The arrival time first: a waiter resolved by push() may read it.
      this.frameTimesMs.push(atMs);
      this.log.push(JSON.parse(data.toString()) as AudioClientFrame);
    });
    this.closedP = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this.stopLine();
        resolve();
      }),
    );
  }

  /** Connects to a call's `client_url` with audio at `sampleRateHz`. */
  static connect(clientUrl: string, sampleRateHz = 16_000): Promise<AudioCallClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${clientUrl}&sample_rate=${sampleRateHz}`, { perMessageDeflate: false });
      const client = new AudioCallClient(socket, sampleRateHz);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  get closed(): { code: number; reason: string } | undefined {
    return this.closeInfo;
  }

  /** Resolves when the socket has closed. */
  whenClosed(): Promise<void> {
    return this.closedP;
  }

  /** Starts the line: one frame every 20 ms, silence unless speech is queued. */
  startLine(): void {
    if (this.timer !== null) return;
    this.startMs = performance.now();
    this.ticks = 0;
    this.tick();
  }

  stopLine(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Queues speech on the line; resolves with when its first and last frames were sent
   * (`performance.now()`), i.e. when the caller started and stopped speaking.
   */
  say(samples: Int16Array): Promise<{ startedAtMs: number; endedAtMs: number }> {
    return new Promise((resolve) => this.queue.push({ samples, offset: 0, done: resolve, startedAtMs: null }));
  }

  /** Sends raw bytes as one binary frame (for malformed-frame tests). */
  sendBytes(bytes: Uint8Array): void {
    this.socket.send(bytes, { binary: true });
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The first JSON event (already received or future) matching `match`. */
  waitFor(match: (f: AudioClientFrame) => boolean, timeoutMs?: number): Promise<AudioClientFrame> {
    return this.log.waitFor(match, timeoutMs);
  }

  /** The next event named `event` received at or after index `from`. */
  next(event: string, from = this.frames.length, timeoutMs?: number): Promise<AudioClientFrame> {
    return this.log.next(event, from, timeoutMs);
  }

  /** Resolves once at least `ms` of agent audio has arrived in total. */
  async waitForAudioMs(ms: number, timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.receivedAudioMs() < ms) {
      if (performance.now() > deadline) throw new Error(`only ${this.receivedAudioMs()} ms of agent audio within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.audioWaiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }

  receivedAudioMs(): number {
    return (this.audio.reduce((n, a) => n + a.samples.length, 0) * 1000) / this.sampleRateHz;
  }

  /** All agent audio received so far, joined. */
  agentAudio(): Int16Array {
    const out = new Int16Array(this.audio.reduce((n, a) => n + a.samples.length, 0));
    let at = 0;
    for (const a of this.audio) {
      out.set(a.samples, at);
      at += a.samples.length;
    }
    return out;
  }

  close(): void {
    this.stopLine();
    this.socket.close();
  }

  private tick(): void {
    this.timer = null;
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const now = performance.now();
    while (this.startMs + this.ticks * FRAME_MS <= now) {
      this.ticks++;
      this.socket.send(this.nextFrame(now), { binary: true });
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.startMs + this.ticks * FRAME_MS - performance.now()));
  }

  private nextFrame(now: number): Buffer {
    const frame = Buffer.alloc(this.frameSamples * 2);
    const head = this.queue[0];
    if (head) {
      head.startedAtMs ??= now;
      const n = Math.min(this.frameSamples, head.samples.length - head.offset);
      for (let i = 0; i < n; i++) frame.writeInt16LE(head.samples[head.offset + i]!, i * 2);
      head.offset += n;
      if (head.offset >= head.samples.length) {
        this.queue.shift();
        head.done({ startedAtMs: head.startedAtMs, endedAtMs: now });
      }
    }
    return frame;
  }
}
