/**
 * An append-only log of received items that tests can await without sleeping: `next()` walks a
 * cursor through the log, `find()` searches all of it. Both wait for a matching item to arrive,
 * and reject after `timeoutMs` so a missing frame fails the test instead of hanging it.
 */
export class FrameLog<T> {
  /** Everything received, in order. */
  readonly items: T[] = [];
  private cursor = 0;
  private readonly waiters = new Set<{ pred: (item: T) => boolean; fromCursor: boolean; resolve: (item: T) => void }>();

  constructor(private readonly defaultTimeoutMs = 5_000) {}

  /** Record an item and wake matching waiters. */
  push(item: T): void {
    const index = this.items.length;
    this.items.push(item);
    for (const waiter of [...this.waiters]) {
      if (waiter.fromCursor && index < this.cursor) continue;
      if (!waiter.pred(item)) continue;
      this.waiters.delete(waiter);
      if (waiter.fromCursor) this.cursor = index + 1;
      waiter.resolve(item);
    }
  }

  /** The next item after the cursor that matches, advancing the cursor past it. */
  next(pred: (item: T) => boolean = () => true, timeoutMs = this.defaultTimeoutMs): Promise<T> {
    for (let i = this.cursor; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (pred(item)) {
        this.cursor = i + 1;
        return Promise.resolve(item);
      }
    }
    return this.wait(pred, true, timeoutMs);
  }

  /** The first item anywhere in the log that matches (the cursor is not moved). */
  find(pred: (item: T) => boolean, timeoutMs = this.defaultTimeoutMs): Promise<T> {
    const found = this.items.find(pred);
    return found !== undefined ? Promise.resolve(found) : this.wait(pred, false, timeoutMs);
  }

  /** Items matching `pred` received so far. */
  filter(pred: (item: T) => boolean): T[] {
    return this.items.filter(pred);
  }

  private wait(pred: (item: T) => boolean, fromCursor: boolean, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        pred,
        fromCursor,
        resolve: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`FrameLog: no matching item within ${timeoutMs} ms (have ${this.items.length})`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}
