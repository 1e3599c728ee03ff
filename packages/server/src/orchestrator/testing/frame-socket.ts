import { WebSocket } from 'ws';

/** A decoded JSON frame as a test sees it. */
export type Frame = Record<string, unknown> & { type?: string; event?: string };

export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * A raw WebSocket for tests that speak a wire protocol by hand. Frames are queued as they arrive;
 * `next()` takes them in order and `waitFor()` skips to the first match. Every wait has a
 * deadline so a missing frame fails the test instead of hanging it.
 */
export class FrameSocket {
  private readonly queue: Frame[] = [];
  private readonly waiters = new Set<() => void>();
  private closeInfo: CloseInfo | null = null;
  /** Every frame received, in order (including ones `waitFor` skipped). */
  readonly received: Frame[] = [];
  readonly closed: Promise<CloseInfo>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        resolve(this.closeInfo);
        for (const w of [...this.waiters]) w();
      });
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.received.push(frame);
      this.queue.push(frame);
      for (const w of [...this.waiters]) w();
    });
    ws.on('error', () => undefined);
  }

  /** Connect; resolves once open, or once closed/failed (check `isOpen` or `closed`). */
  static open(url: string, headers: Record<string, string> = {}, options: { autoPong?: boolean } = {}): Promise<FrameSocket> {
    const ws = new WebSocket(url, { headers, autoPong: options.autoPong ?? true, perMessageDeflate: false });
    const socket = new FrameSocket(ws);
    return new Promise((resolve) => {
      ws.once('open', () => resolve(socket));
      ws.once('close', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => {
        socket.closeInfo = { code: -(res.statusCode ?? 0), reason: `HTTP ${res.statusCode}` };
        resolve(socket);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** The next frame, whatever it is. */
  next(timeoutMs = 5000): Promise<Frame> {
    return this.take(() => 0, timeoutMs, 'any frame');
  }

  /** The first queued or future frame matching; earlier non-matching frames are dropped. */
  waitFor(match: string | ((f: Frame) => boolean), timeoutMs = 5000): Promise<Frame> {
    const pred = typeof match === 'string' ? (f: Frame) => f.type === match || f.event === match : match;
    return this.take(() => this.queue.findIndex(pred), timeoutMs, typeof match === 'string' ? match : 'matching frame', true);
  }

  /** Frames queued and not yet taken. */
  pending(): Frame[] {
    return [...this.queue];
  }

  private take(find: () => number, timeoutMs: number, what: string, dropBefore = false): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        const i = this.queue.length === 0 ? -1 : find();
        if (i >= 0 && i < this.queue.length) {
          const [frame] = this.queue.splice(dropBefore ? 0 : i, dropBefore ? i + 1 : 1).slice(-1);
          finish();
          resolve(frame!);
          return true;
        }
        if (this.closeInfo) {
          finish();
          reject(new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${what}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; queued: ${JSON.stringify(this.queue).slice(0, 500)}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const check = () => void attempt();
      if (!attempt()) this.waiters.add(check);
    });
  }

  close(code = 1000): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
