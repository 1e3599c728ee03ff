import { describe, expect, it } from 'vitest';
import { JitterBuffer, type JitterBufferOptions, type JitterPacket, type LostFrame, type PlayoutFrame } from './jitter-buffer.js';
import { createPrng } from './synth.js';

const FRAME = 160; // 20 ms at 8 kHz

/** Packet n of a stream starting at (seq0, ts0), sent at n·20 ms, arriving after `delayMs`. */
function packet(n: number, delayMs = 0, seq0 = 1000, ts0 = 50_000): JitterPacket {
  return {
    seq: (seq0 + n) & 0xffff,
    timestamp: (ts0 + n * FRAME) >>> 0,
    payload: Uint8Array.of(n & 0xff),
    arrivalMs: n * 20 + delayMs,
  };
}

type Out = PlayoutFrame | LostFrame;
/** Runs a 20 ms playout clock from 0 to `untilMs`, pushing packets by arrival time. */
function simulate(packets: JitterPacket[], untilMs: number, options?: JitterBufferOptions): { out: Out[]; jb: JitterBuffer } {
  const jb = new JitterBuffer(options);
  const pending = [...packets].sort((a, b) => a.arrivalMs - b.arrivalMs);
  const out: Out[] = [];
  for (let now = 0; now <= untilMs; now += 20) {
    while (pending.length > 0 && pending[0]!.arrivalMs <= now) jb.push(pending.shift()!);
    for (let f = jb.pop(now); f !== undefined; f = jb.pop(now)) out.push(f);
  }
  return { out, jb };
}

const describeOut = (out: Out[]): string[] => out.map((f) => (f.lost ? `${f.reason}:${f.seq}` : String(f.seq)));

describe('JitterBuffer', () => {
  it('releases a steady stream after the target delay, one frame per 20 ms', () => {
    const jb = new JitterBuffer({ targetDelayMs: 60 });
    expect(jb.pop(0)).toBeUndefined();
    jb.push(packet(0));
    jb.push(packet(1));
    jb.push(packet(2));
    expect(jb.pop(59)).toBeUndefined();
    expect(jb.pop(60)).toMatchObject({ lost: false, seq: 1000, timestamp: 50_000 });
    expect(jb.pop(60)).toBeUndefined();
    expect(jb.pop(80)).toMatchObject({ lost: false, seq: 1001 });
    expect(jb.stats()).toMatchObject({ received: 3, lost: 0, late: 0, buffered: 1, delayMs: 60 });
  });

  it('plays across 16-bit sequence and 32-bit timestamp wraparound without loss', () => {
    const packets = Array.from({ length: 20 }, (_, n) => packet(n, 5, 65530, 0xffffffff - 3 * FRAME));
    const { out, jb } = simulate(packets, 600);
    expect(out.filter((f) => !f.lost).map((f) => f.seq)).toEqual([
      65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    ]);
    expect(out.slice(0, 20).every((f) => !f.lost)).toBe(true);
    expect(jb.stats()).toMatchObject({ lost: 0, late: 0, reordered: 0 });
  });

  it('reorders packets that arrive out of order within the delay', () => {
    const packets = [packet(0), packet(1, 30), packet(2), packet(3, 25), packet(4), packet(5)];
    const { out, jb } = simulate(packets, 200);
    expect(describeOut(out).slice(0, 6)).toEqual(['1000', '1001', '1002', '1003', '1004', '1005']);
    expect(jb.stats()).toMatchObject({ reordered: 2, lost: 0, late: 0 });
  });

  it('marks a lost packet as a gap in its own slot', () => {
    const packets = [0, 1, 2, 4, 5].map((n) => packet(n));
    const { out, jb } = simulate(packets, 160);
    expect(describeOut(out).slice(0, 6)).toEqual(['1000', '1001', '1002', 'gap:1003', '1004', '1005']);
    expect((out[3] as LostFrame).timestamp).toBe(50_000 + 3 * FRAME);
    expect(jb.stats()).toMatchObject({ lost: 1, late: 0 });
  });

  it('drops a packet that arrives after its playout time and counts it late and lost', () => {
    const packets = [packet(0), packet(1), packet(2), packet(3, 100), packet(4), packet(5)];
    const { out, jb } = simulate(packets, 200);
    expect(describeOut(out).slice(0, 6)).toEqual(['1000', '1001', '1002', 'gap:1003', '1004', '1005']);
    expect(jb.stats()).toMatchObject({ late: 1, lost: 1, received: 6 });
  });

  it('drops duplicates, before and after playout', () => {
    const jb = new JitterBuffer({ targetDelayMs: 40 });
    expect(jb.push(packet(0))).toBe('buffered');
    expect(jb.push(packet(0))).toBe('duplicate');
    expect(jb.pop(40)).toMatchObject({ seq: 1000 });
    expect(jb.push({ ...packet(0), arrivalMs: 45 })).toBe('duplicate');
    expect(jb.push({ ...packet(1), arrivalMs: 45 })).toBe('buffered');
    expect(jb.stats()).toMatchObject({ duplicates: 2, received: 2, late: 0 });
  });

  it('conceals an empty buffer as underruns and skips slots they covered once packets return', () => {
    // Packets 3..7 are held up 130 ms; packet 8 overtakes them and arrives on time (t = 160).
    const packets = Array.from({ length: 12 }, (_, n) => packet(n, n >= 3 && n <= 7 ? 130 : 0));
    const { out, jb } = simulate(packets, 280);
    expect(describeOut(out)).toEqual([
      '1000', '1001', '1002',
      // Slots 3 and 4 (t = 120, 140): nothing buffered yet.
      'underrun:1003', 'underrun:1003',
      // t = 160: packet 8 shows 1003-1007 missing; 1003 and 1004 already went out as underruns.
      'gap:1005', 'gap:1006', 'gap:1007',
      '1008', '1009', '1010', '1011',
    ]);
    expect(jb.stats()).toMatchObject({ late: 5, lost: 5, underruns: 2, reordered: 5 });
  });

  it('re-anchors playout after a run of late packets when the network delay grows for good', () => {
    // From packet 3 on, every packet takes 70 ms longer than the 60 ms playout delay allows for.
    const packets = Array.from({ length: 15 }, (_, n) => packet(n, n >= 3 ? 70 : 0));
    const { out, jb } = simulate(packets, 400);
    const played = out.filter((f) => !f.lost).map((f) => f.seq);
    // 1003 and 1004 are dropped late; 1005 (the third in a row) restarts playout.
    expect(played).toEqual([1000, 1001, 1002, ...Array.from({ length: 9 }, (_, i) => 1005 + i)]);
    expect(jb.stats()).toMatchObject({ late: 2, lost: 2, resyncs: 1 });
  });

  it('keeps the sender pause of silence suppression as underruns, then resumes on time', () => {
    // Talkspurt 1: packets 0-4; 200 ms pause (timestamps jump, sequence numbers do not); talkspurt 2.
    const spurt1 = [0, 1, 2, 3, 4].map((n) => packet(n));
    const spurt2 = [0, 1, 2].map((i) => ({
      ...packet(15 + i),
      seq: 1005 + i,
      marker: i === 0,
    }));
    const { out, jb } = simulate([...spurt1, ...spurt2], 400);
    const played = out.filter((f) => !f.lost);
    expect(played.map((f) => f.seq)).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007]);
    expect(out.filter((f) => f.lost && f.reason === 'underrun').length).toBe(10);
    expect(jb.stats()).toMatchObject({ late: 0, lost: 0 });
  });

  it('estimates interarrival jitter as RFC 3550 section 6.4.1 / A.8 defines it', () => {
    // Constant transit: no jitter.
    const steady = new JitterBuffer();
    for (let n = 0; n < 100; n++) steady.push(packet(n, 35));
    expect(steady.stats().jitterMs).toBe(0);
    // Transit alternating 0 / 10 ms: |D| = 10 ms for every pair, so J converges to 10 ms.
    const alternating = new JitterBuffer();
    for (let n = 0; n < 300; n++) alternating.push(packet(n, n % 2 === 0 ? 0 : 10));
    expect(alternating.stats().jitterMs).toBeCloseTo(10, 3);
    // First steps of the recursion: J1 = 10/16, J2 = J1 + (10 - J1)/16.
    const early = new JitterBuffer();
    for (let n = 0; n < 3; n++) early.push(packet(n, n % 2 === 0 ? 0 : 10));
    expect(early.stats().jitterMs).toBeCloseTo(10 / 16 + (10 - 10 / 16) / 16, 9);
  });

  it('adapts the delay to jitter, losing far fewer packets than a fixed short delay', () => {
    const random = createPrng(3550);
    // 2 s talkspurts with exponential-ish network delay (mean ~20 ms, tail ~120 ms).
    const packets: JitterPacket[] = [];
    for (let n = 0; n < 1000; n++) {
      const delay = Math.min(150, -20 * Math.log(1 - random()));
      packets.push({ ...packet(n, delay), marker: n % 100 === 0 });
    }
    const fixed = simulate(packets, 21_000, { targetDelayMs: 20 }).jb.stats();
    const adaptive = simulate(packets, 21_000, { targetDelayMs: 20, adaptive: true }).jb.stats();
    console.info(
      `[jitter] fixed 20 ms: lost ${fixed.lost}/1000; adaptive: lost ${adaptive.lost}/1000, ` +
        `delay ${adaptive.delayMs.toFixed(0)} ms, jitter ${adaptive.jitterMs.toFixed(1)} ms`,
    );
    expect(adaptive.lost * 3).toBeLessThan(fixed.lost);
    expect(adaptive.delayMs).toBeGreaterThan(40);
    expect(adaptive.delayMs).toBeLessThanOrEqual(300);
  });
});
