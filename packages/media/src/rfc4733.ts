/**
 * RFC 4733 DTMF over RTP: a receiver that turns telephone-event packets into key presses, and a
 * sender that plans the packets for one key press. Pure: the caller owns sockets, sequence
 * numbers and clocks.
 *
 * @packageDocumentation
 */

import {
  decodeTelephoneEvent,
  dtmfDigitOf,
  dtmfEventCode,
  encodeTelephoneEvent,
  type DtmfDigit,
} from './dtmf.js';

/** One received RTP packet of the negotiated telephone-event payload type. */
export interface TelephoneEventPacket {
  /** RTP timestamp: the start of the event (or segment), shared by all its packets (section 2.2.1). */
  timestamp: number;
  payload: Uint8Array;
  /** Arrival time, needed only for {@link DtmfReceiver.poll} to end events whose end packets were lost. */
  arrivalMs?: number;
}

/** A completed key press. */
export interface DtmfKeyPress {
  digit: DtmfDigit;
  /** Total duration, all segments included. */
  durationMs: number;
  /** RTP timestamp of the press (of its first segment). */
  rtpTimestamp: number;
  /** Last reported volume (10 = -10 dBm0). */
  volume: number;
  /** What ended it: the E bit, a newer event, or silence past `endTimeoutMs`. */
  endedBy: 'end_bit' | 'next_event' | 'timeout';
}

/** Options for {@link DtmfReceiver}. */
export interface DtmfReceiverOptions {
  /** Clock rate of the telephone-event payload type (default 8000). */
  clockRateHz?: number;
  /** `poll()` ends an event that got no packet for this long (default 500). */
  endTimeoutMs?: number;
}

interface ActiveEvent {
  timestamp: number;
  event: number;
  duration: number;
  /** Duration of earlier segments of the same press (section 2.5.1.3). */
  earlier: number;
  volume: number;
  lastArrivalMs: number | undefined;
}

/** Signed distance a - b between 32-bit RTP timestamps (serial-number arithmetic). */
function tsDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Turns a stream of telephone-event packets into exactly one {@link DtmfKeyPress} per key press.
 *
 * Packets of one event share its RTP timestamp (RFC 4733 section 2.2.1), so the timestamp is the
 * key: updates extend the open event, the E-bit report ends it, and the extra copies of the
 * final packet (section 2.5.1.4 sends it three times) or late updates for an event already
 * reported are ignored. If every end packet is lost, the event ends when a packet with a newer
 * timestamp arrives or when `poll(nowMs)` finds it silent for `endTimeoutMs`. A long press split
 * into segments (section 2.5.1.3: a new segment starts at the previous timestamp plus its
 * duration) is reported once with the summed duration. Non-DTMF events are ignored.
 */
export class DtmfReceiver {
  private readonly clockRateHz: number;
  private readonly endTimeoutMs: number;
  private active: ActiveEvent | undefined;
  private lastDoneTimestamp: number | undefined;

  constructor(options: DtmfReceiverOptions = {}) {
    this.clockRateHz = options.clockRateHz ?? 8000;
    this.endTimeoutMs = options.endTimeoutMs ?? 500;
  }

  /** Feeds one packet; returns the key presses it completed (zero, one, or two when it also supersedes one). */
  process(packet: TelephoneEventPacket): DtmfKeyPress[] {
    const report = decodeTelephoneEvent(packet.payload);
    // Section 2.3.5: "The receiver SHOULD ignore an event report with zero duration if the event
    // is not a state"; DTMF events are not states.
    if (report === undefined || report.duration === 0 || dtmfDigitOf(report.event) === undefined) return [];
    const ts = packet.timestamp >>> 0;
    if (this.lastDoneTimestamp !== undefined && tsDiff(ts, this.lastDoneTimestamp) <= 0) return [];

    const out: DtmfKeyPress[] = [];
    let active = this.active;
    if (active !== undefined && ts !== active.timestamp) {
      if (tsDiff(ts, active.timestamp) < 0) return []; // a stray packet from before the open event
      const continues = report.event === active.event && ((active.timestamp + active.duration) >>> 0) === ts;
      if (continues) {
        active.earlier += active.duration;
        active.timestamp = ts;
        active.duration = 0;
      } else {
        out.push(this.finish('next_event'));
        active = undefined;
      }
    }
    if (active === undefined) {
      active = { timestamp: ts, event: report.event, duration: 0, earlier: 0, volume: report.volume, lastArrivalMs: undefined };
      this.active = active;
    }
    if (report.event !== active.event) return out; // same timestamp, other event: not a sender we understand
    active.duration = Math.max(active.duration, report.duration);
    active.volume = report.volume;
    active.lastArrivalMs = packet.arrivalMs ?? active.lastArrivalMs;
    if (report.end) out.push(this.finish('end_bit'));
    return out;
  }

  /** Ends an open event that has had no packet for `endTimeoutMs` (its end packets were lost). */
  poll(nowMs: number): DtmfKeyPress[] {
    const active = this.active;
    if (active?.lastArrivalMs === undefined || nowMs - active.lastArrivalMs < this.endTimeoutMs) return [];
    return [this.finish('timeout')];
  }

  private finish(endedBy: DtmfKeyPress['endedBy']): DtmfKeyPress {
    const active = this.active!;
    this.active = undefined;
    this.lastDoneTimestamp = active.timestamp;
    return {
      digit: dtmfDigitOf(active.event)!,
      durationMs: ((active.earlier + active.duration) * 1000) / this.clockRateHz,
      rtpTimestamp: (active.timestamp - active.earlier) >>> 0,
      volume: active.volume,
      endedBy,
    };
  }
}

/** Options for {@link planDtmfPackets}. */
export interface DtmfSendOptions {
  digit: DtmfDigit;
  /** Tone duration (default 100 ms; at most 65535 timestamp units, 8.19 s at 8 kHz). */
  durationMs?: number;
  /** Clock rate of the negotiated telephone-event payload type (default 8000). */
  clockRateHz?: number;
  /** Volume as a positive number, 10 = -10 dBm0 (default 10). */
  volume?: number;
  /** Spacing of updates (default 50 ms, the sender procedures of section 2.5.1). */
  packetIntervalMs?: number;
}

/** One packet to send, relative to the start of the press. */
export interface PlannedDtmfPacket {
  /** When to send it, ms after the first packet. */
  sendAtMs: number;
  /** RTP marker bit: set on the first packet of the event only (section 2.2.2). */
  marker: boolean;
  /** Whether this report carries the E bit. */
  end: boolean;
  payload: Uint8Array;
}

/**
 * Plans the telephone-event packets for one key press. Every packet uses the RTP timestamp of
 * the press start (section 2.2.1) and a new sequence number, both assigned by the caller.
 *
 * The packet sent at `k · interval` reports the duration through the end of its interval (never
 * zero, which section 2.3.5 reserves for states), so the report with the full duration and the E
 * bit goes out as the tone ends; it is then sent twice more, one interval apart (section 2.5.1.4:
 * "a total of three times at the interval used by the source for updates").
 */
export function planDtmfPackets(options: DtmfSendOptions): PlannedDtmfPacket[] {
  const clockRateHz = options.clockRateHz ?? 8000;
  const intervalMs = options.packetIntervalMs ?? 50;
  const volume = options.volume ?? 10;
  const event = dtmfEventCode(options.digit);
  if (event < 0) throw new RangeError(`${String(options.digit)} is not a DTMF digit`);
  const total = Math.round(((options.durationMs ?? 100) * clockRateHz) / 1000);
  const step = Math.round((intervalMs * clockRateHz) / 1000);
  if (total < 1 || total > 0xffff) throw new RangeError(`duration of ${total} timestamp units is not 1..65535`);
  if (step < 1) throw new RangeError(`packetIntervalMs ${intervalMs} is too small`);

  const packets: PlannedDtmfPacket[] = [];
  const updates = Math.ceil(total / step);
  for (let k = 0; k < updates; k++) {
    const end = k === updates - 1;
    const duration = end ? total : (k + 1) * step;
    packets.push({
      sendAtMs: k * intervalMs,
      marker: k === 0,
      end,
      payload: encodeTelephoneEvent({ event, end, volume, duration }),
    });
  }
  const final = packets[packets.length - 1]!;
  for (let r = 1; r <= 2; r++) {
    packets.push({ sendAtMs: final.sendAtMs + r * intervalMs, marker: false, end: true, payload: final.payload.slice() });
  }
  return packets;
}
