import { WebSocket } from 'ws';

/** A frame received on a text call's client socket. */
export type ClientFrame = { event: string } & Record<string, unknown>;

/** A test client for the text transport: send turns, await frames by predicate. */
export class TextCallClient {
  readonly frames: ClientFrame[] = [];
  private readonly waiters: Array<{ match: (f: ClientFrame) => boolean; resolve: (f: ClientFrame) => void }> = [];
  private closeInfo: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ClientFrame;
      this.frames.push(frame);
      for (const w of [...this.waiters]) {
        if (w.match(frame)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
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
  waitFor(match: (f: ClientFrame) => boolean, timeoutMs = 15_000): Promise<ClientFrame> {
    const found = this.frames.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching client frame within ${timeoutMs} ms; got: ${JSON.stringify(this.frames.slice(-10))}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Frames received after index `from` matching `match`, waiting for the next one. */
  next(event: string, from = this.frames.length, timeoutMs = 15_000): Promise<ClientFrame> {
    const start = from;
    return this.waitFor((f) => f.event === event && this.frames.indexOf(f) >= start, timeoutMs);
  }

  get closed(): { code: number; reason: string } | undefined {
    return this.closeInfo;
  }

  close(): void {
    this.socket.close();
  }
}
