import { afterEach, describe, expect, it } from 'vitest';
import { type MediaClock } from './clock.js';
import { PacedSender, type FrameSink } from './paced-sender.js';
import { ReceiverStats } from './receiver-stats.js';
import { parseRtcpCompound, serializeBye, serializeReceiverReport, serializeSdes, serializeSenderReport, toNtp } from './rtcp.js';
import { parseRtpPacket, RtpParseError, serializeRtpPacket } from './rtp-packet.js';
import { RtpSession } from './rtp-session.js';
import { nextEvent } from '../util/emitter.js';

describe('RTP packet (RFC 3550 section 5.1)', () => {
  it('round-trips marker, PT, seq, timestamp, SSRC, CSRCs, extension and padding', () => {
    const bytes = serializeRtpPacket({
      payloadType: 101, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true,
      csrcs: [1, 2], extension: { profile: 0xbede, data: Buffer.from([1, 2, 3, 4]) }, payload: Buffer.from([9, 9, 9]), padToBytes: 4,
    });
    expect(bytes[0]! >> 6).toBe(2);
    expect(bytes.length % 4).toBe(0);
    const p = parseRtpPacket(bytes);
    expect(p).toMatchObject({ marker: true, payloadType: 101, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, csrcs: [1, 2], padding: true });
    expect(p.extension?.profile).toBe(0xbede);
    expect([...p.payload]).toEqual([9, 9, 9]);
  });

  it('rejects short, wrong-version and inconsistent packets with typed errors', () => {
    const ok = serializeRtpPacket({ payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(4) });
    const cases: Array<[Buffer, string]> = [
      [Buffer.alloc(8), 'too-short'],
      [Buffer.from([0x40, ...ok.subarray(1)]), 'bad-version'],
      [Buffer.from([0x8f, ...ok.subarray(1)]), 'truncated'],
      [Buffer.from([0xa0, ...ok.subarray(1, -1), 200]), 'bad-padding'],
    ];
    for (const [bytes, reason] of cases) {
      expect(() => parseRtpPacket(bytes)).toThrow(RtpParseError);
      try {
        parseRtpPacket(bytes);
      } catch (e) {
        expect((e as RtpParseError).reason).toBe(reason);
      }
    }
  });
});

describe('reception statistics (RFC 3550 A.1, A.3, A.8)', () => {
  it('counts loss across a sequence wrap and reports fraction lost', () => {
    const stats = new ReceiverStats(42);
    let seq = 65530;
    for (let i = 0; i < 20; i++) {
      if (i !== 10 && i !== 11) stats.update(seq & 0xffff, i * 160, i * 160);
      seq++;
    }
    expect(stats.extendedHighestSeq).toBe(65530 + 19);
    const report = stats.report(0);
    expect(report.cumulativeLost).toBe(2);
    expect(report.fractionLost).toBe(Math.floor((2 * 256) / 19));
    expect(report.jitter).toBe(0);
  });

  it('jitter follows J += (|D| - J)/16', () => {
    const stats = new ReceiverStats(1);
    stats.update(1, 0, 1000);
    stats.update(2, 160, 1160);
    stats.update(3, 320, 1480);
    expect(stats.jitter).toBeCloseTo(160 / 16, 5);
  });
});

describe('RTCP (RFC 3550 section 6)', () => {
  it('builds and parses a compound SR + SDES + BYE', () => {
    const report = { ssrc: 7, fractionLost: 12, cumulativeLost: -3, extendedHighestSeq: 70000, jitter: 33, lastSr: 5, delaySinceLastSr: 6 };
    const compound = Buffer.concat([
      serializeSenderReport(1, { ...toNtp(0), rtpTimestamp: 160, packetCount: 10, octetCount: 1600 }, [report]),
      serializeSdes(1, 'me@host'),
      serializeBye(1, 'done'),
    ]);
    const packets = parseRtcpCompound(compound);
    expect(packets[0]).toMatchObject({ type: 'sr', ssrc: 1, sender: { ntpSeconds: 2_208_988_800, packetCount: 10, octetCount: 1600 }, reports: [report] });
    expect(packets[1]).toEqual({ type: 'sdes', chunks: [{ ssrc: 1, cname: 'me@host' }] });
    expect(packets[2]).toEqual({ type: 'bye', ssrcs: [1], reason: 'done' });
    expect(parseRtcpCompound(serializeReceiverReport(2, []))).toEqual([{ type: 'rr', ssrc: 2, reports: [] }]);
  });
});

class ManualClock implements MediaClock {
  now = 0;
  private timers: Array<{ at: number; cb: () => void; id: number }> = [];
  private nextId = 0;
  nowMs(): number {
    return this.now;
  }
  wallClockMs(): number {
    return this.now;
  }
  setTimer(cb: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.now + delayMs, cb, id });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  /** Advances time; each timer fires `lateMs` after its due time (a slow event loop). */
  advance(ms: number, lateMs = 0): void {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at + lateMs > end) break;
      this.timers.shift();
      this.now = next.at + lateMs;
      next.cb();
    }
    this.now = end;
  }
}

describe('PacedSender', () => {
  function recorder(): FrameSink & { log: Array<{ ts: number; marker: boolean }>; ts: number } {
    const sink = {
      ts: 0,
      log: [] as Array<{ ts: number; marker: boolean }>,
      sendFrame(_p: Uint8Array, o: { samples: number; marker: boolean }) {
        sink.log.push({ ts: sink.ts, marker: o.marker });
        sink.ts += o.samples;
      },
      skip(samples: number) {
        sink.ts += samples;
      },
    };
    return sink;
  }

  it('sends every 20 ms without drift even when every timer fires late', () => {
    const clock = new ManualClock();
    const sink = recorder();
    const sender = new PacedSender({ sink, source: () => new Uint8Array(160), clock });
    sender.start();
    clock.advance(1000, 7);
    // 1000 ms at 20 ms per frame: ticks at 0, 20, ..., 980 are all due by t=1000 despite lateness.
    expect(sender.framesSent).toBe(50);
    expect(sink.log.map((l) => l.ts)).toEqual(Array.from({ length: 50 }, (_, i) => i * 160));
    sender.stop();
  });

  it('advances timestamps over gaps and marks the first packet of a talkspurt', () => {
    const clock = new ManualClock();
    const sink = recorder();
    let n = 0;
    const sender = new PacedSender({ sink, source: () => (n++ % 4 === 2 ? undefined : new Uint8Array(160)), clock });
    sender.start();
    clock.advance(120);
    expect(sink.log).toEqual([
      { ts: 0, marker: true },
      { ts: 160, marker: false },
      { ts: 480, marker: true },
      { ts: 640, marker: false },
      { ts: 800, marker: false },
    ]);
    sender.stop();
  });

  it('skips rather than bursts after a long stall', () => {
    const clock = new ManualClock();
    const sink = recorder();
    const sender = new PacedSender({ sink, source: () => new Uint8Array(160), clock, maxLagMs: 60 });
    sender.start();
    clock.advance(500, 400);
    expect(sender.ticksSkipped).toBeGreaterThan(0);
    expect(sink.ts).toBe((sender.framesSent + sender.ticksSkipped) * 160);
    sender.stop();
  });
});

describe('RtpSession over loopback', () => {
  const sessions: RtpSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  it('binds an even port with RTCP on +1, exchanges packets and latches to the real source', async () => {
    const a = await RtpSession.open({ bindAddress: '127.0.0.1', portRange: { min: 30000, max: 40000 }, payloadType: 0 });
    const b = await RtpSession.open({ bindAddress: '127.0.0.1', portRange: { min: 30000, max: 40000 }, payloadType: 0 });
    sessions.push(a, b);
    expect(a.localPort % 2).toBe(0);
    // b only knows a wrong port for a; it must latch onto a's real source after a's first packet.
    a.setRemote({ address: '127.0.0.1', port: b.localPort });
    b.setRemote({ address: '127.0.0.1', port: 9 });
    const gotByB = nextEvent(b, 'packet', 2000);
    const latched = nextEvent(b, 'latched', 2000);
    a.sendFrame(Buffer.alloc(160, 0xff), { samples: 160, marker: true });
    const [packet] = await gotByB;
    expect(packet.payload.length).toBe(160);
    expect((await latched)[0].port).toBe(a.localPort);
    const gotByA = nextEvent(a, 'packet', 2000);
    b.sendFrame(Buffer.alloc(160, 0xd5), { samples: 160 });
    expect((await gotByA)[0].ssrc).toBe(b.ssrc);
    const rtcp = nextEvent(b, 'rtcp', 2000);
    a.sendRtcpReport();
    const [packets] = await rtcp;
    expect(packets[0]).toMatchObject({ type: 'sr', ssrc: a.ssrc, sender: { packetCount: 1, octetCount: 160 } });
  });
});
