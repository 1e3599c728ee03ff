import type {
  AdaptiveDelayOptions,
  JitterBufferOptions,
  JitterBufferStats,
  JitterPacket,
  LostFrame,
  PlayoutFrame,
  PushResult,
} from './jitter-buffer-types.js';

export type {
  AdaptiveDelayOptions,
  JitterBufferOptions,
  JitterBufferStats,
  JitterPacket,
  LostFrame,
  PlayoutFrame,
  PushResult,
};

interface Entry {
  extSeq: number;
  extTs: number;
  packet: JitterPacket;
}

const SEEN_WINDOW = 1024;

/**
 * Reorders RTP audio packets and releases them at a steady playout time. Pure and synchronous:
 * the caller pushes packets as they arrive and calls `pop(nowMs)` on its own clock, typically once
 * per frame. Sequence numbers and timestamps are unwrapped, so 16- and 32-bit wraparound is
 * invisible.
 *
 * A packet is due at `arrival of the first packet + delay + (its timestamp - first timestamp)`.
 * Each due 20 ms (or whatever the packets carry) slot yields exactly one result from `pop`: the
 * packet, a `gap` marker when its sequence number is missing, or an `underrun` marker when no
 * packet covers the slot; `undefined` means the next slot is not due yet. The mapping is fixed at the first packet, so a sender
 * whose clock drifts against ours slowly shifts the effective delay.
 */
export class JitterBuffer {
  private readonly clockRateHz: number;
  private readonly capacity: number;
  private readonly resyncAfterLate: number;
  private lateInARow = 0;
  private readonly adaptive: Required<AdaptiveDelayOptions> | undefined;
  private readonly queue: Entry[] = [];
  private readonly seen = new Float64Array(SEEN_WINDOW).fill(-1);
  private readonly counters = { received: 0, late: 0, lost: 0, duplicates: 0, reordered: 0, underruns: 0, overflows: 0, resyncs: 0 };

  private started = false;
  private playedAny = false;
  private delayMs: number;
  private offsetMs = 0;
  private highestSeq = 0;
  private lastExtTs = 0;
  private nextSeq = 0;
  private cursorTs = 0;
  private samplesPerFrame: number;
  private lastPlayedSeq = -1;
  private lastPlayedTs = 0;
  private jitter = 0;
  private lastTransit: number | undefined;

  constructor(options: JitterBufferOptions = {}) {
    this.clockRateHz = options.clockRateHz ?? 8000;
    this.samplesPerFrame = Math.round(((options.frameMs ?? 20) * this.clockRateHz) / 1000);
    this.delayMs = options.targetDelayMs ?? 60;
    this.capacity = options.capacity ?? 500;
    this.resyncAfterLate = options.resyncAfterLate ?? 3;
    const a = options.adaptive;
    this.adaptive =
      a === undefined || a === false
        ? undefined
        : { minDelayMs: 20, maxDelayMs: 300, jitterFactor: 4, ...(a === true ? {} : a) };
  }

  /** Offers a packet. */
  push(packet: JitterPacket): PushResult {
    const extSeq = this.started ? unwrap(packet.seq, this.highestSeq, 0x10000) : (packet.seq & 0xffff) + 0x10000;
    const extTs = this.started ? unwrap(packet.timestamp >>> 0, this.lastExtTs, 0x100000000) : (packet.timestamp >>> 0) + 0x100000000;
    const slot = extSeq % SEEN_WINDOW;
    if (this.seen[slot] === extSeq) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    this.seen[slot] = extSeq;
    this.counters.received++;
    this.updateJitter(extTs, packet.arrivalMs);

    if (!this.started) {
      this.started = true;
      this.offsetMs = packet.arrivalMs - this.tsToMs(extTs);
      this.highestSeq = extSeq;
      this.nextSeq = extSeq;
      this.cursorTs = extTs;
    } else if (extSeq < this.highestSeq) {
      this.counters.reordered++;
    } else {
      this.highestSeq = extSeq;
    }
    this.lastExtTs = extTs;

    if (!this.playedAny && extSeq < this.nextSeq) {
      // An earlier packet overtaken by the first one: nothing is played yet, so start from it.
      this.nextSeq = extSeq;
      this.cursorTs = Math.min(this.cursorTs, extTs);
    }
    if (extSeq < this.nextSeq) {
      // A straggler whose slot was played or concealed long ago.
      this.counters.late++;
      return 'late';
    }
    if (extTs < this.cursorTs) {
      // Next in line but past its playout time: the network delay may have grown for good.
      if (++this.lateInARow < this.resyncAfterLate) {
        this.counters.late++;
        return 'late';
      }
      this.resync(extSeq, extTs, packet.arrivalMs);
    }
    this.lateInARow = 0;
    if (this.queue.length >= this.capacity) {
      this.counters.overflows++;
      return 'overflow';
    }
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.extSeq > extSeq) i--;
    this.queue.splice(i, 0, { extSeq, extTs, packet });
    return 'buffered';
  }

  /** Returns what to play at `nowMs`, or `undefined` when nothing is due. Call until `undefined` to catch up. */
  pop(nowMs: number): PlayoutFrame | LostFrame | undefined {
    if (!this.started) return undefined;
    for (;;) {
      const head = this.queue[0];
      if (head?.extSeq === this.nextSeq) {
        if (head.packet.marker === true) this.applyTargetDelay(false);
        if (this.dueMs(head.extTs) > nowMs) {
          // A sender pause (timestamps jump, sequence numbers do not): conceal the slots before it.
          if (this.cursorTs + this.samplesPerFrame <= head.extTs && this.dueMs(this.cursorTs) <= nowMs) {
            return this.underrun();
          }
          return undefined;
        }
        this.queue.shift();
        this.learnFrameLength(head);
        this.nextSeq++;
        this.cursorTs = head.extTs + this.samplesPerFrame;
        this.playedAny = true;
        const { seq, timestamp, payload } = head.packet;
        return { lost: false, seq: seq & 0xffff, timestamp: timestamp >>> 0, payload };
      }
      if (head !== undefined) {
        const missingTs = head.extTs - (head.extSeq - this.nextSeq) * this.samplesPerFrame;
        const seq = this.nextSeq & 0xffff;
        if (missingTs < this.cursorTs) {
          // Its slot already went out as an underrun marker.
          this.counters.lost++;
          this.nextSeq++;
          continue;
        }
        if (this.dueMs(missingTs) > nowMs) return undefined;
        this.counters.lost++;
        this.nextSeq++;
        this.cursorTs = missingTs + this.samplesPerFrame;
        this.playedAny = true;
        return { lost: true, reason: 'gap', seq, timestamp: missingTs % 0x100000000 };
      }
      this.applyTargetDelay(true);
      if (this.dueMs(this.cursorTs) > nowMs) return undefined;
      return this.underrun();
    }
  }

  private underrun(): LostFrame {
    this.counters.underruns++;
    const timestamp = this.cursorTs % 0x100000000;
    this.cursorTs += this.samplesPerFrame;
    return { lost: true, reason: 'underrun', seq: this.nextSeq & 0xffff, timestamp };
  }

  /** Counters and estimates. */
  stats(): JitterBufferStats {
    return {
      ...this.counters,
      jitterMs: (this.jitter * 1000) / this.clockRateHz,
      delayMs: this.delayMs,
      buffered: this.queue.length,
    };
  }

  /** Restarts playout at this packet: everything older is given up as lost. */
  private resync(extSeq: number, extTs: number, arrivalMs: number): void {
    this.counters.resyncs++;
    this.counters.lost += extSeq - this.nextSeq;
    let stale = 0;
    while (stale < this.queue.length && this.queue[stale]!.extSeq < extSeq) stale++;
    this.queue.splice(0, stale);
    this.offsetMs = arrivalMs - this.tsToMs(extTs);
    this.nextSeq = extSeq;
    this.cursorTs = extTs;
  }

  /** Learns the packet duration from consecutive packets within a talkspurt (at most 120 ms). */
  private learnFrameLength(entry: Entry): void {
    const step = entry.extTs - this.lastPlayedTs;
    if (entry.extSeq === this.lastPlayedSeq + 1 && entry.packet.marker !== true && step > 0 && step * 1000 <= 120 * this.clockRateHz) {
      this.samplesPerFrame = step;
    }
    this.lastPlayedSeq = entry.extSeq;
    this.lastPlayedTs = entry.extTs;
  }

  private tsToMs(extTs: number): number {
    return (extTs * 1000) / this.clockRateHz;
  }

  private dueMs(extTs: number): number {
    return this.tsToMs(extTs) + this.offsetMs + this.delayMs;
  }

  /** RFC 3550 A.8: J += (|D(i-1, i)| - J) / 16, with D the change in transit time, in timestamp units. */
  private updateJitter(extTs: number, arrivalMs: number): void {
    const transit = (arrivalMs * this.clockRateHz) / 1000 - extTs;
    if (this.lastTransit !== undefined) this.jitter += (Math.abs(transit - this.lastTransit) - this.jitter) / 16;
    this.lastTransit = transit;
  }

  /** Moves the delay to the adaptive target: only growth on an underrun, any change at a talkspurt start. */
  private applyTargetDelay(underrun: boolean): void {
    if (this.adaptive === undefined) return;
    const { minDelayMs, maxDelayMs, jitterFactor } = this.adaptive;
    const frameMs = (this.samplesPerFrame * 1000) / this.clockRateHz;
    const jitterMs = (this.jitter * 1000) / this.clockRateHz;
    const target = Math.min(maxDelayMs, Math.max(minDelayMs, frameMs + jitterFactor * jitterMs));
    if (!underrun || target > this.delayMs) this.delayMs = target;
  }
}

/** Extends a wrapping counter to the value nearest `reference` (RFC 3550 A.1 style). */
function unwrap(value: number, reference: number, modulus: number): number {
  const half = modulus / 2;
  let delta = (value - (reference % modulus)) % modulus;
  if (delta < -half) delta += modulus;
  else if (delta >= half) delta -= modulus;
  return reference + delta;
}
