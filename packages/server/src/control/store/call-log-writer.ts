import type { CallLogEntry, CallLogRepo } from './repos/call-log.js';

interface Queued {
  entry: CallLogEntry;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** How long the first entry of a batch waits for others (a window, not a per-entry delay). */
export const CALL_LOG_FLUSH_DELAY_MS = 5;

/**
 * Group commit for live calls' logs (transcript turns, turn metrics, events). Entries are
 * collected for `flushDelayMs` after the first one arrives, then written together in one
 * transaction: hundreds of calls share one commit (and one round of WAL writes) instead of
 * paying one each, and the writes happen between rounds of frame handling, never inside one.
 * At most one batch is in flight; what arrives meanwhile forms the next one, in order.
 *
 * Each `write` resolves once its entry is committed. A batch that fails is retried entry by
 * entry, so one bad row only fails its own write. `drain()` writes everything queued at once.
 */
export class CallLogWriter {
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** Someone waits for the queue (a call is ending): write the next batch without the window. */
  private urgent = false;

  constructor(
    private readonly repo: CallLogRepo,
    private readonly flushDelayMs = CALL_LOG_FLUSH_DELAY_MS,
  ) {}

  write(entry: CallLogEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (!this.timer && !this.flushing) this.timer = setTimeout(() => this.startFlush(), this.flushDelayMs);
    });
  }

  /** Skip the batching window for what is queued now (a call is ending and waits for its rows). */
  flushSoon(): void {
    this.urgent = true;
    if (this.timer) this.startFlush();
  }

  /** Write everything queued so far now; resolves once it is written (or has failed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      if (!this.flushing) this.startFlush();
      await this.flushing;
    }
  }

  private startFlush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.urgent = false;
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      if (this.queue.length === 0 || this.timer) return;
      if (this.urgent) this.startFlush();
      else this.timer = setTimeout(() => this.startFlush(), this.flushDelayMs);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      await this.repo.write(batch.map((q) => q.entry));
      for (const q of batch) q.resolve();
      return;
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
    }
    for (const q of batch) {
      try {
        await this.repo.write([q.entry]);
        q.resolve();
      } catch (err) {
        q.reject(err);
      }
    }
  }
}
