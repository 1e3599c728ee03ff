/**
 * Types of the RTP jitter buffer's public surface.
 *
 * @packageDocumentation
 */

/** An RTP audio packet as handed to {@link JitterBuffer.push}. */
export interface JitterPacket {
  /** RTP sequence number (16-bit, wraps). */
  seq: number;
  /** RTP timestamp (32-bit, wraps), in `clockRateHz` units. */
  timestamp: number;
  /** Encoded audio; kept by reference, not copied. */
  payload: Uint8Array;
  /** Local receive time on the caller's clock. */
  arrivalMs: number;
  /** RTP marker bit: first packet of a talkspurt (where adaptive delay changes are applied). */
  marker?: boolean;
}

/** A frame to play. */
export interface PlayoutFrame {
  lost: false;
  seq: number;
  timestamp: number;
  payload: Uint8Array;
}

/**
 * A slot with nothing to play; the caller conceals it (silence, repeat, or a codec's PLC).
 * `gap`: the packet for `seq` never arrived in time. `underrun`: no packet covers the slot, because
 * the buffer ran dry (loss not yet visible, or a network stall) or the sender paused (silence
 * suppression: timestamps jump while sequence numbers do not); `seq` is then the next expected one.
 */
export interface LostFrame {
  lost: true;
  reason: 'gap' | 'underrun';
  seq: number;
  timestamp: number;
}

/** Adaptive playout delay settings. */
export interface AdaptiveDelayOptions {
  /** Lower bound of the playout delay (default 20 ms). */
  minDelayMs?: number;
  /** Upper bound (default 300 ms). */
  maxDelayMs?: number;
  /** Delay = one frame + this × the RFC 3550 jitter estimate (default 4). */
  jitterFactor?: number;
}

/** Options for {@link JitterBuffer}. */
export interface JitterBufferOptions {
  /** RTP clock rate of the payload (default 8000). */
  clockRateHz?: number;
  /** Packet duration until learned from the stream (default 20 ms). */
  frameMs?: number;
  /** Playout delay after the first packet's arrival (default 60 ms); the start value when adaptive. */
  targetDelayMs?: number;
  /**
   * Follow the network: the delay tracks the interarrival jitter. It grows at once when the buffer
   * runs dry and otherwise changes only at the start of a talkspurt (marker bit), where a shift
   * cuts no audio. Default off (fixed delay).
   */
  adaptive?: boolean | AdaptiveDelayOptions;
  /** Most packets held; pushes beyond it are refused (default 500). */
  capacity?: number;
  /**
   * After this many late packets in a row (default 3), the network delay has grown past the
   * playout delay for good (a route change, a long stall): re-anchor the playout clock on the
   * newest packet instead of dropping everything from then on.
   */
  resyncAfterLate?: number;
}

/** Counters since creation. */
export interface JitterBufferStats {
  /** Packets accepted by `push` for the first time (including ones then found late). */
  received: number;
  /** Packets that arrived after their slot had been played or concealed; dropped. */
  late: number;
  /** Sequence numbers never played (their slot was concealed), late arrivals included. */
  lost: number;
  duplicates: number;
  /** Packets that arrived with a lower sequence number than one already received. */
  reordered: number;
  /** Slots `pop` concealed because no packet covered them. */
  underruns: number;
  /** Pushes refused because the buffer was full. */
  overflows: number;
  /** Times the playout clock was re-anchored after a run of late packets. */
  resyncs: number;
  /** RFC 3550 interarrival jitter estimate (section 6.4.1, appendix A.8), in ms. */
  jitterMs: number;
  /** Current playout delay. */
  delayMs: number;
  /** Packets waiting. */
  buffered: number;
}

/** What `push` did with a packet. */
export type PushResult = 'buffered' | 'duplicate' | 'late' | 'overflow';
