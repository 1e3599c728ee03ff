import { Downsampler, Framer, floatToPcm16, pcm16BytesToFloat, pcm16ToBytes } from '../lib/pcm.js';
import type { ClientFrame } from '../lib/conversation.js';
import workletUrl from './capture-worklet.ts?worker&url';

/** The call rate both ways: what pocketsphinx wants, and what the transport is asked for. */
export const CALL_SAMPLE_RATE_HZ = 16_000;
const FRAME_SAMPLES = (CALL_SAMPLE_RATE_HZ * 20) / 1000;

export interface VoiceCallHandlers {
  frame(f: ClientFrame): void;
  /** Microphone level 0..1, for the meter. */
  level(value: number): void;
  closed(info: { code: number; reason: string }): void;
}

/**
 * A browser voice call over the WebSocket audio transport: the microphone through an
 * AudioWorklet, downsampled to 16 kHz PCM16 in 20 ms binary frames; the agent's PCM16 frames
 * scheduled back to back on the speakers; JSON events to `handlers.frame`. Playback already
 * queued is dropped when the caller barges in.
 */
export class VoiceCall {
  private ctx: AudioContext | null = null;
  private stream: MediaStream | null = null;
  private node: AudioWorkletNode | null = null;
  private playAt = 0;
  private readonly playing = new Set<AudioBufferSourceNode>();
  private closed = false;
  /** Agent audio that arrived before the audio context was ready. */
  private early: Float32Array[] = [];

  private constructor(
    private readonly ws: WebSocket,
    private readonly handlers: VoiceCallHandlers,
  ) {
    // Handlers go on at once: the server sends `call.connected` and the greeting right away.
    ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
      if (typeof e.data === 'string') {
        const frame = JSON.parse(e.data) as ClientFrame;
        if (frame.event === 'user.interrupted') this.stopPlayback();
        this.handlers.frame(frame);
      } else {
        this.play(pcm16BytesToFloat(e.data));
      }
    };
    ws.onclose = (e) => {
      this.release();
      this.handlers.closed({ code: e.code, reason: e.reason });
    };
  }

  /** Open the microphone, then the call socket (`clientUrl` from `POST /v1/calls`). */
  static async start(clientUrl: string, handlers: VoiceCallHandlers): Promise<VoiceCall> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: false, autoGainControl: false, channelCount: 1 } });
    const url = `${clientUrl}${clientUrl.includes('?') ? '&' : '?'}sample_rate=${CALL_SAMPLE_RATE_HZ}`;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const call = new VoiceCall(ws, handlers);
    call.stream = stream;
    try {
      await call.setupAudio(stream);
    } catch (err) {
      call.hangup();
      throw err;
    }
    return call;
  }

  private async setupAudio(stream: MediaStream): Promise<void> {
    const ctx = new AudioContext({ latencyHint: 'interactive' });
    this.ctx = ctx;
    await ctx.audioWorklet.addModule(workletUrl);
    const source = ctx.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(ctx, 'unpod-capture', { numberOfInputs: 1, numberOfOutputs: 0 });
    this.node = node;
    const down = new Downsampler(ctx.sampleRate, CALL_SAMPLE_RATE_HZ);
    const framer = new Framer(FRAME_SAMPLES);
    node.port.onmessage = (e: MessageEvent<Float32Array>) => {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      let peak = 0;
      for (const v of e.data) peak = Math.max(peak, Math.abs(v));
      this.handlers.level(peak);
      for (const frame of framer.push(down.process(e.data))) this.ws.send(pcm16ToBytes(floatToPcm16(frame)));
    };
    source.connect(node);
    if (ctx.state === 'suspended') await ctx.resume();
    for (const samples of this.early.splice(0)) this.play(samples);
  }

  private play(samples: Float32Array): void {
    const ctx = this.ctx;
    if (this.closed || samples.length === 0) return;
    if (!ctx || ctx.state !== 'running') {
      this.early.push(samples);
      return;
    }
    const buffer = ctx.createBuffer(1, samples.length, CALL_SAMPLE_RATE_HZ);
    buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(ctx.destination);
    // A small lead absorbs network jitter between frames.
    const start = Math.max(this.playAt, ctx.currentTime + 0.04);
    src.start(start);
    this.playAt = start + buffer.duration;
    this.playing.add(src);
    src.onended = () => this.playing.delete(src);
  }

  private stopPlayback(): void {
    this.early = [];
    for (const src of this.playing) src.stop();
    this.playing.clear();
    this.playAt = 0;
  }

  /** Ask the server to end the call; the socket closes after `call.ended`. */
  hangup(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ event: 'hangup' }));
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    this.release();
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.node?.port.close();
    this.node?.disconnect();
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stopPlayback();
    void this.ctx?.close();
  }
}

/** A text call over the text transport: JSON frames both ways. */
export class TextCall {
  private constructor(private readonly ws: WebSocket) {}

  static start(clientUrl: string, handlers: Pick<VoiceCallHandlers, 'frame' | 'closed'>): TextCall {
    const ws = new WebSocket(clientUrl);
    ws.onmessage = (e: MessageEvent<string>) => handlers.frame(JSON.parse(e.data) as ClientFrame);
    ws.onclose = (e) => handlers.closed({ code: e.code, reason: e.reason });
    return new TextCall(ws);
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  say(text: string): void {
    this.ws.send(JSON.stringify({ event: 'user.text', text }));
  }

  hangup(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ event: 'hangup' }));
    else this.ws.close();
  }
}
