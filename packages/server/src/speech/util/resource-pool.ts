import { SpeechError, abortedError } from '../contracts/errors.js';

/** Sizing of a {@link ResourcePool}. */
export interface ResourcePoolOptions {
  /** Resources created by `warm()` and kept ready (default 1). */
  minSize?: number;
  /** Upper bound; beyond it callers wait in line (default 2). */
  maxSize?: number;
  /** How long a caller waits in line before `unavailable` (default 5000). */
  acquireTimeoutMs?: number;
  /** Name used in error messages. */
  name: string;
}

/** A snapshot of the pool. */
export interface ResourcePoolStats {
  size: number;
  idle: number;
  busy: number;
  creating: number;
  waiting: number;
  maxSize: number;
}

/** An exclusive hold on one resource; give it back with `release()` exactly once. */
export interface PoolLease<T> {
  readonly resource: T;
  /** Returns the resource; `broken: true` destroys it instead (its state can't be trusted). */
  release(options?: { broken?: boolean }): void;
}

interface Waiter<T> {
  resolve: (lease: PoolLease<T>) => void;
  reject: (err: unknown) => void;
  cleanup: () => void;
}

/**
 * A pool of expensive, single-user resources (pocketsphinx decoders: ~90 MB and ~0.3-0.5 s to
 * create each). Pre-creates `minSize`, grows lazily to `maxSize`, and queues callers FIFO with a
 * timeout when all are busy.
 */
export class ResourcePool<T> {
  private readonly idle: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private busy = 0;
  private creating = 0;
  private closed = false;
  readonly minSize: number;
  readonly maxSize: number;
  readonly acquireTimeoutMs: number;

  constructor(
    private readonly create: () => Promise<T>,
    private readonly destroy: (resource: T) => void,
    private readonly options: ResourcePoolOptions,
  ) {
    this.minSize = options.minSize ?? 1;
    this.maxSize = options.maxSize ?? 2;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 5000;
    if (!Number.isInteger(this.maxSize) || this.maxSize < 1) throw new RangeError(`maxSize must be a positive integer, got ${this.maxSize}`);
    if (!Number.isInteger(this.minSize) || this.minSize < 0 || this.minSize > this.maxSize) {
      throw new RangeError(`minSize must be an integer from 0 to maxSize (${this.maxSize}), got ${this.minSize}`);
    }
  }

  get stats(): ResourcePoolStats {
    return {
      size: this.idle.length + this.busy + this.creating,
      idle: this.idle.length,
      busy: this.busy,
      creating: this.creating,
      waiting: this.waiters.length,
      maxSize: this.maxSize,
    };
  }

  /** Creates resources until `minSize` exist. */
  async warm(): Promise<void> {
    const missing = this.minSize - (this.idle.length + this.busy + this.creating);
    const made = await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.createOne()));
    for (const r of made) this.giveBack(r);
  }

  /** Takes a resource, creating one if below `maxSize`, else waiting in line. */
  acquire(signal?: AbortSignal): Promise<PoolLease<T>> {
    if (this.closed) return Promise.reject(new SpeechError('unavailable', `${this.options.name} pool is closed`));
    if (signal?.aborted) return Promise.reject(abortedError(undefined, signal));
    const ready = this.idle.pop();
    if (ready !== undefined) {
      this.busy++;
      return Promise.resolve(this.lease(ready));
    }
    if (this.idle.length + this.busy + this.creating < this.maxSize) {
      this.busy++;
      return this.createOne().then(
        (r) => this.lease(r),
        (err: unknown) => {
          this.busy--;
          this.serveWaiters();
          throw err;
        },
      );
    }
    return this.enqueue(signal);
  }

  /** Destroys idle resources and fails waiters; busy ones are destroyed when released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.idle.splice(0)) this.destroy(r);
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(new SpeechError('unavailable', `${this.options.name} pool is closed`));
    }
  }

  private async createOne(): Promise<T> {
    this.creating++;
    try {
      return await this.create();
    } finally {
      this.creating--;
    }
  }

  private enqueue(signal: AbortSignal | undefined): Promise<PoolLease<T>> {
    return new Promise<PoolLease<T>>((resolve, reject) => {
      const onAbort = (): void => {
        remove();
        reject(abortedError(undefined, signal));
      };
      const timer = setTimeout(() => {
        remove();
        reject(
          new SpeechError('unavailable', `no ${this.options.name} free within ${this.acquireTimeoutMs} ms (max ${this.maxSize})`, {
            retryable: true,
          }),
        );
      }, this.acquireTimeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter<T> = { resolve, reject, cleanup };
      const remove = (): void => {
        cleanup();
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private lease(resource: T): PoolLease<T> {
    let released = false;
    return {
      resource,
      release: (options) => {
        if (released) return;
        released = true;
        this.busy--;
        if (options?.broken === true || this.closed) {
          this.destroy(resource);
          this.serveWaiters();
        } else {
          this.giveBack(resource);
        }
      },
    };
  }

  /** Hands a free resource to the first waiter, or parks it idle. */
  private giveBack(resource: T): void {
    if (this.closed) {
      this.destroy(resource);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.idle.push(resource);
      return;
    }
    waiter.cleanup();
    this.busy++;
    waiter.resolve(this.lease(resource));
  }

  /** After a resource was destroyed, lets the first waiter create a replacement. */
  private serveWaiters(): void {
    if (this.closed || this.waiters.length === 0) return;
    if (this.idle.length + this.busy + this.creating >= this.maxSize) return;
    const waiter = this.waiters.shift()!;
    waiter.cleanup();
    this.busy++;
    this.createOne().then(
      (r) => waiter.resolve(this.lease(r)),
      (err: unknown) => {
        this.busy--;
        waiter.reject(err);
      },
    );
  }
}
