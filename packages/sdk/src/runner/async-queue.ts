/**
 * An unbounded FIFO with one asynchronous consumer. `shift()` resolves with the next item, or
 * `undefined` once the queue is closed and drained. Items pushed before `close()` are still
 * delivered, so a frame that arrives just before the socket closes is never lost.
 */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T | undefined) => void) | null = null;
  private closedFlag = false;

  /** Append an item; ignored after `close()`. */
  push(item: T): void {
    if (this.closedFlag) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter(item);
    } else {
      this.items.push(item);
    }
  }

  /** No more items will be pushed; a pending `shift()` resolves `undefined` once drained. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    if (this.waiter && this.items.length === 0) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter(undefined);
    }
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Number of buffered items. */
  get size(): number {
    return this.items.length;
  }

  /** The next item; only one `shift()` may be pending at a time. */
  shift(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closedFlag) return Promise.resolve(undefined);
    if (this.waiter) return Promise.reject(new Error('AsyncQueue: a shift() is already pending'));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
}
