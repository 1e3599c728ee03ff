import { WebSocket } from 'ws';
import { FrameLog, type EventFrame } from './frame-log.js';

/** A frame received on a text call's client socket. */
export type ClientFrame = EventFrame;

/** A test client for the text transport: send turns, await frames by predicate. */
export class TextCallClient {
  private readonly log = new FrameLog<ClientFrame>(15_000);
  readonly frames = this.log.frames;
  private closeInfo: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.log.push(JSON.parse(data.toString()) as ClientFrame);
    });
    socket.on('close', (code, reason) => (this.closeInfo = { code, reason: reason.toString() }));
  }

  static connect(url: string): Promise<TextCallClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      const client = new TextCallClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  say(text: string): void {
    this.send({ event: 'user.text', text });
  }

  /** The first frame (already received or future) matching `match`. */
  waitFor(match: (f: ClientFrame) => boolean, timeoutMs?: number): Promise<ClientFrame> {
    return this.log.waitFor(match, timeoutMs);
  }

  /** The next frame named `event` received at or after index `from`. */
  next(event: string, from = this.frames.length, timeoutMs?: number): Promise<ClientFrame> {
    return this.log.next(event, from, timeoutMs);
  }

  get closed(): { code: number; reason: string } | undefined {
    return this.closeInfo;
  }

  close(): void {
    this.socket.close();
  }
}
