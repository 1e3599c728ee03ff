/** RTCP SR, RR, SDES and BYE (RFC 3550 sections 6.4-6.6) in compound packets (section 6.1). */
import { type ReceptionReport } from './receiver-stats.js';

export class RtcpParseError extends Error {
  override readonly name = 'RtcpParseError';
  constructor(
    readonly reason: 'too-short' | 'bad-version' | 'bad-length',
    detail: string,
  ) {
    super(detail);
  }
}

export interface SenderInfo {
  /** NTP timestamp, seconds since 1900 (integer part) and fraction (32-bit). */
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export type RtcpPacket =
  | { type: 'sr'; ssrc: number; sender: SenderInfo; reports: ReceptionReport[] }
  | { type: 'rr'; ssrc: number; reports: ReceptionReport[] }
  | { type: 'sdes'; chunks: Array<{ ssrc: number; cname: string | undefined }> }
  | { type: 'bye'; ssrcs: number[]; reason: string | undefined }
  | { type: 'unknown'; packetType: number };

const PT_SR = 200;
const PT_RR = 201;
const PT_SDES = 202;
const PT_BYE = 203;

function header(count: number, packetType: number, lengthWords: number): Buffer {
  const buf = Buffer.alloc(4);
  buf[0] = 0x80 | (count & 0x1f);
  buf[1] = packetType;
  buf.writeUInt16BE(lengthWords, 2);
  return buf;
}

function reportBlock(r: ReceptionReport): Buffer {
  const buf = Buffer.alloc(24);
  buf.writeUInt32BE(r.ssrc >>> 0, 0);
  buf[4] = r.fractionLost & 0xff;
  buf.writeIntBE(r.cumulativeLost, 5, 3);
  buf.writeUInt32BE(r.extendedHighestSeq >>> 0, 8);
  buf.writeUInt32BE(r.jitter >>> 0, 12);
  buf.writeUInt32BE(r.lastSr >>> 0, 16);
  buf.writeUInt32BE(r.delaySinceLastSr >>> 0, 20);
  return buf;
}

function readReport(buf: Buffer, offset: number): ReceptionReport {
  return {
    ssrc: buf.readUInt32BE(offset),
    fractionLost: buf[offset + 4] as number,
    cumulativeLost: buf.readIntBE(offset + 5, 3),
    extendedHighestSeq: buf.readUInt32BE(offset + 8),
    jitter: buf.readUInt32BE(offset + 12),
    lastSr: buf.readUInt32BE(offset + 16),
    delaySinceLastSr: buf.readUInt32BE(offset + 20),
  };
}

export function serializeSenderReport(ssrc: number, sender: SenderInfo, reports: ReceptionReport[]): Buffer {
  const body = Buffer.alloc(24);
  body.writeUInt32BE(ssrc >>> 0, 0);
  body.writeUInt32BE(sender.ntpSeconds >>> 0, 4);
  body.writeUInt32BE(sender.ntpFraction >>> 0, 8);
  body.writeUInt32BE(sender.rtpTimestamp >>> 0, 12);
  body.writeUInt32BE(sender.packetCount >>> 0, 16);
  body.writeUInt32BE(sender.octetCount >>> 0, 20);
  const blocks = reports.slice(0, 31).map(reportBlock);
  const total = 4 + body.length + 24 * blocks.length;
  return Buffer.concat([header(blocks.length, PT_SR, total / 4 - 1), body, ...blocks]);
}

export function serializeReceiverReport(ssrc: number, reports: ReceptionReport[]): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt32BE(ssrc >>> 0, 0);
  const blocks = reports.slice(0, 31).map(reportBlock);
  const total = 8 + 24 * blocks.length;
  return Buffer.concat([header(blocks.length, PT_RR, total / 4 - 1), body, ...blocks]);
}

/** SDES with one CNAME item (section 6.5.1), padded to a 32-bit boundary. */
export function serializeSdes(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  const chunkLength = 4 + 2 + text.length + 1;
  const padded = Math.ceil(chunkLength / 4) * 4;
  const chunk = Buffer.alloc(padded);
  chunk.writeUInt32BE(ssrc >>> 0, 0);
  chunk[4] = 1;
  chunk[5] = text.length;
  text.copy(chunk, 6);
  return Buffer.concat([header(1, PT_SDES, (4 + padded) / 4 - 1), chunk]);
}

export function serializeBye(ssrc: number, reason?: string): Buffer {
  const reasonBytes = reason ? Buffer.from(reason, 'utf8').subarray(0, 255) : Buffer.alloc(0);
  const reasonLength = reason ? Math.ceil((1 + reasonBytes.length) / 4) * 4 : 0;
  const body = Buffer.alloc(4 + reasonLength);
  body.writeUInt32BE(ssrc >>> 0, 0);
  if (reason) {
    body[4] = reasonBytes.length;
    reasonBytes.copy(body, 5);
  }
  return Buffer.concat([header(1, PT_BYE, (4 + body.length) / 4 - 1), body]);
}

/** Splits and parses a compound RTCP packet. */
export function parseRtcpCompound(buf: Buffer): RtcpPacket[] {
  const out: RtcpPacket[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < 4) throw new RtcpParseError('too-short', 'RTCP header truncated');
    const b0 = buf[offset] as number;
    if (b0 >> 6 !== 2) throw new RtcpParseError('bad-version', 'RTCP version must be 2');
    const count = b0 & 0x1f;
    const packetType = buf[offset + 1] as number;
    const length = (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + length > buf.length) throw new RtcpParseError('bad-length', 'RTCP length exceeds datagram');
    const packet = buf.subarray(offset, offset + length);
    out.push(parseOne(packet, packetType, count));
    offset += length;
  }
  return out;
}

function parseOne(p: Buffer, packetType: number, count: number): RtcpPacket {
  const need = (bytes: number): void => {
    if (p.length < bytes) throw new RtcpParseError('bad-length', 'RTCP packet shorter than its counts');
  };
  switch (packetType) {
    case PT_SR: {
      need(28 + 24 * count);
      const sender: SenderInfo = {
        ntpSeconds: p.readUInt32BE(8),
        ntpFraction: p.readUInt32BE(12),
        rtpTimestamp: p.readUInt32BE(16),
        packetCount: p.readUInt32BE(20),
        octetCount: p.readUInt32BE(24),
      };
      return { type: 'sr', ssrc: p.readUInt32BE(4), sender, reports: Array.from({ length: count }, (_, i) => readReport(p, 28 + 24 * i)) };
    }
    case PT_RR:
      need(8 + 24 * count);
      return { type: 'rr', ssrc: p.readUInt32BE(4), reports: Array.from({ length: count }, (_, i) => readReport(p, 8 + 24 * i)) };
    case PT_SDES: {
      const chunks: Array<{ ssrc: number; cname: string | undefined }> = [];
      let offset = 4;
      for (let i = 0; i < count && offset + 4 <= p.length; i++) {
        const ssrc = p.readUInt32BE(offset);
        offset += 4;
        let cname: string | undefined;
        while (offset < p.length && p[offset] !== 0) {
          const itemType = p[offset] as number;
          const itemLength = p[offset + 1] ?? 0;
          if (itemType === 1) cname = p.subarray(offset + 2, offset + 2 + itemLength).toString('utf8');
          offset += 2 + itemLength;
        }
        offset = Math.ceil((offset + 1) / 4) * 4;
        chunks.push({ ssrc, cname });
      }
      return { type: 'sdes', chunks };
    }
    case PT_BYE: {
      need(4 + 4 * count);
      const ssrcs = Array.from({ length: count }, (_, i) => p.readUInt32BE(4 + 4 * i));
      const at = 4 + 4 * count;
      const reason = at < p.length ? p.subarray(at + 1, at + 1 + (p[at] ?? 0)).toString('utf8') : undefined;
      return { type: 'bye', ssrcs, reason };
    }
    default:
      return { type: 'unknown', packetType };
  }
}

const NTP_EPOCH_OFFSET_S = 2_208_988_800;

/** Wall-clock milliseconds to an NTP timestamp (seconds since 1900 plus 32-bit fraction). */
export function toNtp(wallClockMs: number): { ntpSeconds: number; ntpFraction: number } {
  const seconds = Math.floor(wallClockMs / 1000);
  const fraction = Math.floor(((wallClockMs % 1000) / 1000) * 2 ** 32);
  return { ntpSeconds: (seconds + NTP_EPOCH_OFFSET_S) >>> 0, ntpFraction: fraction >>> 0 };
}
