import { describe, expect, it } from 'vitest';
import {
  decodeTelephoneEvent,
  DTMF_DIGITS,
  dtmfDigitOf,
  dtmfEventCode,
  encodeTelephoneEvent,
  isDtmfDigit,
  type TelephoneEvent,
} from './dtmf.js';
import { DtmfReceiver, planDtmfPackets, type DtmfKeyPress, type TelephoneEventPacket } from './rfc4733.js';

const ev = (event: number, duration: number, end = false, volume = 10): Uint8Array =>
  encodeTelephoneEvent({ event, end, volume, duration });

describe('telephone-event payload (RFC 4733 section 2.3)', () => {
  it('lays out event | E R volume | duration as in figure 1, duration in network byte order', () => {
    expect(Array.from(ev(5, 0x0320, true, 10))).toEqual([0x05, 0x8a, 0x03, 0x20]);
    expect(Array.from(ev(11, 0xffff, false, 63))).toEqual([0x0b, 0x3f, 0xff, 0xff]);
  });

  it('round-trips every field', () => {
    const report: TelephoneEvent = { event: 15, end: true, volume: 37, duration: 12345 };
    expect(decodeTelephoneEvent(encodeTelephoneEvent(report))).toEqual(report);
  });

  it('2.3.3: "The sender MUST set it to zero, and the receiver MUST ignore it" (R bit)', () => {
    expect(ev(1, 400, true)[1]! & 0x40).toBe(0);
    const withR = Uint8Array.of(1, 0x80 | 0x40 | 10, 0x01, 0x90);
    expect(decodeTelephoneEvent(withR)).toEqual({ event: 1, end: true, volume: 10, duration: 400 });
  });

  it('rejects out-of-range fields and short payloads', () => {
    expect(() => ev(256, 1)).toThrow(RangeError);
    expect(() => ev(1, 0x10000)).toThrow(RangeError);
    expect(() => ev(1, 1, false, 64)).toThrow(RangeError);
    expect(decodeTelephoneEvent(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });

  it('3.2: maps DTMF keys to event codes 0-9, * = 10, # = 11, A-D = 12-15', () => {
    expect(DTMF_DIGITS.map(dtmfEventCode)).toEqual([...Array(16).keys()]);
    expect([dtmfDigitOf(10), dtmfDigitOf(11), dtmfDigitOf(12), dtmfDigitOf(16)]).toEqual(['*', '#', 'A', undefined]);
    expect(isDtmfDigit('#')).toBe(true);
    expect(isDtmfDigit('E')).toBe(false);
  });
});

/** Turns a send plan into received packets at a timestamp, optionally dropping/duplicating some. */
function packetsFor(digit: Parameters<typeof planDtmfPackets>[0], timestamp: number, startMs = 0): TelephoneEventPacket[] {
  return planDtmfPackets(digit).map((p) => ({ timestamp, payload: p.payload, arrivalMs: startMs + p.sendAtMs }));
}

function feed(rx: DtmfReceiver, packets: TelephoneEventPacket[]): DtmfKeyPress[] {
  return packets.flatMap((p) => rx.process(p));
}

describe('planDtmfPackets (RFC 4733 section 2.5.1)', () => {
  it('sends a marked start, updates every 50 ms, then the E-bit report three times', () => {
    const plan = planDtmfPackets({ digit: '7', durationMs: 160, clockRateHz: 8000 });
    const view = plan.map((p) => ({ at: p.sendAtMs, m: p.marker, ...decodeTelephoneEvent(p.payload) }));
    expect(view).toEqual([
      { at: 0, m: true, event: 7, end: false, volume: 10, duration: 400 },
      { at: 50, m: false, event: 7, end: false, volume: 10, duration: 800 },
      { at: 100, m: false, event: 7, end: false, volume: 10, duration: 1200 },
      // 2.5.1.4: "The final packet for each event ... SHOULD be sent a total of three times at
      // the interval used by the source for updates."
      { at: 150, m: false, event: 7, end: true, volume: 10, duration: 1280 },
      { at: 200, m: false, event: 7, end: true, volume: 10, duration: 1280 },
      { at: 250, m: false, event: 7, end: true, volume: 10, duration: 1280 },
    ]);
  });

  it('2.3.5: never reports a zero duration, even for a press shorter than one interval', () => {
    const plan = planDtmfPackets({ digit: '#', durationMs: 40 });
    expect(plan.map((p) => decodeTelephoneEvent(p.payload)!.duration)).toEqual([320, 320, 320]);
    expect(plan[0]!.marker && plan[0]!.end).toBe(true);
  });

  it('scales durations with the payload clock rate', () => {
    const plan = planDtmfPackets({ digit: '1', durationMs: 100, clockRateHz: 48000 });
    expect(decodeTelephoneEvent(plan.at(-1)!.payload)!.duration).toBe(4800);
    expect(() => planDtmfPackets({ digit: '1', durationMs: 2000, clockRateHz: 48000 })).toThrow(RangeError);
  });
});

describe('DtmfReceiver (RFC 4733 sections 2.2.1, 2.5.1)', () => {
  it('reports one press per event despite the three end packets', () => {
    const rx = new DtmfReceiver();
    const presses = feed(rx, packetsFor({ digit: '5', durationMs: 120 }, 1000));
    expect(presses).toEqual([{ digit: '5', durationMs: 120, rtpTimestamp: 1000, volume: 10, endedBy: 'end_bit' }]);
  });

  it('reports a sequence of digits, including the same digit twice, keyed by timestamp', () => {
    const rx = new DtmfReceiver();
    const presses = feed(rx, [
      ...packetsFor({ digit: '1' }, 8000),
      ...packetsFor({ digit: '1' }, 16000),
      ...packetsFor({ digit: '#' }, 24000),
    ]);
    expect(presses.map((p) => p.digit)).toEqual(['1', '1', '#']);
  });

  it('ignores retransmissions and reordered late updates of an event already reported', () => {
    const rx = new DtmfReceiver();
    const packets = packetsFor({ digit: '9', durationMs: 200 }, 5000);
    // Updates at 0, 50, 100 ms, the E report at 150 ms and its two copies: deliver the E report
    // before two of the updates, and one update twice.
    const scrambled = [0, 2, 3, 1, 2, 4, 5].map((i) => packets[i]!);
    expect(feed(rx, scrambled)).toEqual([
      { digit: '9', durationMs: 200, rtpTimestamp: 5000, volume: 10, endedBy: 'end_bit' },
    ]);
  });

  it('recovers when all end packets are lost: the next event closes the previous one', () => {
    const rx = new DtmfReceiver();
    const first = packetsFor({ digit: '2', durationMs: 150 }, 100).filter((p) => !decodeTelephoneEvent(p.payload)!.end);
    const presses = feed(rx, [...first, ...packetsFor({ digit: '3' }, 4000)]);
    expect(presses.map((p) => [p.digit, p.durationMs, p.endedBy])).toEqual([
      // Only the updates arrived: the last one reported 100 ms.
      ['2', 100, 'next_event'],
      ['3', 100, 'end_bit'],
    ]);
  });

  it('recovers when all end packets are lost and nothing follows: poll() times the event out', () => {
    const rx = new DtmfReceiver({ endTimeoutMs: 300 });
    const updates = packetsFor({ digit: '4', durationMs: 200 }, 0, 1000).filter((p) => !decodeTelephoneEvent(p.payload)!.end);
    expect(feed(rx, updates)).toEqual([]);
    const lastArrival = updates.at(-1)!.arrivalMs!;
    expect(rx.poll(lastArrival + 299)).toEqual([]);
    expect(rx.poll(lastArrival + 300)).toMatchObject([{ digit: '4', durationMs: 150, endedBy: 'timeout' }]);
    expect(rx.poll(lastArrival + 1000)).toEqual([]);
  });

  it('reports a press even if only the end packets arrive', () => {
    const rx = new DtmfReceiver();
    const ends = packetsFor({ digit: 'D', durationMs: 100 }, 77).filter((p) => decodeTelephoneEvent(p.payload)!.end);
    expect(feed(rx, ends).map((p) => p.digit)).toEqual(['D']);
  });

  it('2.3.5: ignores zero-duration reports, non-DTMF events and short payloads', () => {
    const rx = new DtmfReceiver();
    expect(rx.process({ timestamp: 1, payload: ev(3, 0, true) })).toEqual([]);
    expect(rx.process({ timestamp: 2, payload: ev(40, 800, true) })).toEqual([]);
    expect(rx.process({ timestamp: 3, payload: Uint8Array.of(1, 0x80) })).toEqual([]);
  });

  it('2.5.1.3: sums a long press split into segments into one key press', () => {
    const rx = new DtmfReceiver();
    const base = 0xffff0000; // also crosses the 32-bit timestamp wrap
    const second = (base + 0xffff) >>> 0;
    const presses = feed(rx, [
      { timestamp: base, payload: ev(0, 30000) },
      { timestamp: base, payload: ev(0, 0xffff) },
      { timestamp: base, payload: ev(0, 0xffff) },
      { timestamp: second, payload: ev(0, 8000) },
      { timestamp: base, payload: ev(0, 0xffff) }, // late copy of the first segment's final report
      { timestamp: second, payload: ev(0, 16000, true) },
      { timestamp: second, payload: ev(0, 16000, true) },
    ]);
    expect(presses).toEqual([
      { digit: '0', durationMs: ((0xffff + 16000) * 1000) / 8000, rtpTimestamp: base, volume: 10, endedBy: 'end_bit' },
    ]);
  });
});
