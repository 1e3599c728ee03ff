/** A JSON event received on a call client's socket. */
export type EventFrame = { event: string } & Record<string, unknown>;

/**
 * The JSON events a test client received, in order, and waits on them by predicate: a wait is
 * answered by a frame already received or by the first matching one to come.
 */
export class FrameLog<F extends EventFrame = EventFrame> {
  readonly frames: F[] = [];
  private readonly waiters: Array<{ match: (f: F) => boolean; resolve: (f: F) => void }> = [];

  constructor(private readonly defaultTimeoutMs: number) {}

  push(frame: F): void {
    this.frames.push(frame);
    for (const w of [...this.waiters]) {
      if (w.match(frame)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  }

  /** The first frame (already received or future) matching `match`. */
  waitFor(match: (f: F) => boolean, timeoutMs = this.defaultTimeoutMs): Promise<F> {
    const found = this.frames.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching client frame within ${timeoutMs} ms; got: ${JSON.stringify(this.frames.slice(-12))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** The next frame named `event` received at or after index `from`. */
  next(event: string, from = this.frames.length, timeoutMs = this.defaultTimeoutMs): Promise<F> {
    return this.waitFor((f) => f.event === event && this.frames.indexOf(f) >= from, timeoutMs);
  }
}
