import { systemClock, type MediaClock } from '@unpod/sip';

/** Something driven once per media frame period. */
export interface FrameTicking {
  /** `lateMs`: how far behind its schedule this tick runs (event-loop lag). */
  tick(nowMs: number, lateMs: number): void;
}

export interface MediaTickerOptions {
  frameMs?: number;
  /**
   * Subscribers are spread over this many slots of the frame period (each still ticks once per
   * frame), so hundreds of calls never do their frame work in one burst that delays the next
   * tick and the packets queued behind it. Default 4 (5 ms slots for 20 ms frames).
   */
  slots?: number;
  clock?: MediaClock;
  /** A tick later than this is skipped, not replayed in a burst. Default 100 ms. */
  maxLagMs?: number;
  /** A subscriber that throws is reported here and dropped. */
  onError?: (error: unknown) => void;
}

/**
 * One timer for every call's media on this node: ticks are scheduled against the start time
 * (start + n * slot), so timer lateness never accumulates, and each call does its per-frame work
 * (jitter-buffer playout, silence fill, DTMF packets) once per frame in its slot. The timer runs
 * only while a call is subscribed. Hundreds of calls cost one timer, not hundreds.
 */
export class MediaTicker {
  readonly frameMs: number;
  private readonly slotMs: number;
  private readonly slotSets: Array<Set<FrameTicking>>;
  private readonly slotOf = new Map<FrameTicking, number>();
  private readonly clock: MediaClock;
  private readonly maxLagMs: number;
  private timer: unknown;
  private startMs = 0;
  private tickIndex = 0;
  /** Slot runs later than one frame period, slot runs skipped, slot runs done (benchmark and stats). */
  lateTicks = 0;
  skippedTicks = 0;
  ticks = 0;

  constructor(private readonly options: MediaTickerOptions = {}) {
    this.frameMs = options.frameMs ?? 20;
    const slots = Math.max(1, Math.floor(options.slots ?? 4));
    this.slotMs = this.frameMs / slots;
    this.slotSets = Array.from({ length: slots }, () => new Set<FrameTicking>());
    this.clock = options.clock ?? systemClock;
    this.maxLagMs = options.maxLagMs ?? 100;
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** Starts ticking `subscriber` once per frame (in the least busy slot); returns the unsubscribe function. */
  add(subscriber: FrameTicking): () => void {
    if (!this.slotOf.has(subscriber)) {
      let slot = 0;
      for (let i = 1; i < this.slotSets.length; i++) if (this.slotSets[i]!.size < this.slotSets[slot]!.size) slot = i;
      this.slotSets[slot]!.add(subscriber);
      this.slotOf.set(subscriber, slot);
    }
    if (this.timer === undefined) {
      this.startMs = this.clock.nowMs();
      this.tickIndex = 0;
      this.schedule();
    }
    return () => this.remove(subscriber);
  }

  remove(subscriber: FrameTicking): void {
    const slot = this.slotOf.get(subscriber);
    if (slot === undefined) return;
    this.slotOf.delete(subscriber);
    this.slotSets[slot]!.delete(subscriber);
    if (this.slotOf.size === 0) this.stop();
  }

  close(): void {
    for (const set of this.slotSets) set.clear();
    this.slotOf.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.tickIndex += 1;
    const dueMs = this.startMs + this.tickIndex * this.slotMs;
    this.timer = this.clock.setTimer(() => this.run(), Math.max(0, dueMs - this.clock.nowMs()));
  }

  private run(): void {
    this.timer = undefined;
    const nowMs = this.clock.nowMs();
    let dueMs = this.startMs + this.tickIndex * this.slotMs;
    if (nowMs - dueMs > this.maxLagMs) {
      // Far behind (a long pause): skip the missed slots instead of bursting them.
      const missed = Math.floor((nowMs - dueMs) / this.slotMs);
      this.skippedTicks += missed;
      this.tickIndex += missed;
      dueMs = this.startMs + this.tickIndex * this.slotMs;
    }
    const lateMs = Math.max(0, nowMs - dueMs);
    if (lateMs >= this.frameMs) this.lateTicks += 1;
    this.ticks += 1;
    const set = this.slotSets[this.tickIndex % this.slotSets.length]!;
    for (const subscriber of set) {
      try {
        subscriber.tick(nowMs, lateMs);
      } catch (error) {
        this.remove(subscriber);
        this.options.onError?.(error);
      }
    }
    if (this.slotOf.size > 0) this.schedule();
  }
}
