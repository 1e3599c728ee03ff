/** RTP fixed header and payload (RFC 3550 section 5.1, header extension 5.3.1). */

export class RtpParseError extends Error {
  override readonly name = 'RtpParseError';
  constructor(
    readonly reason: 'too-short' | 'bad-version' | 'bad-padding' | 'bad-extension' | 'truncated',
    detail: string,
  ) {
    super(detail);
  }
}

export interface RtpPacket {
  version: 2;
  padding: boolean;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  extension: { profile: number; data: Buffer } | undefined;
  payload: Buffer;
  /** Padding octets stripped from the payload (last octet of the packet). */
  paddingBytes: number;
}

/** Parses one RTP packet; throws `RtpParseError` only. */
export function parseRtpPacket(buf: Buffer): RtpPacket {
  if (buf.length < 12) throw new RtpParseError('too-short', 'RTP header is 12 octets');
  const b0 = buf[0] as number;
  const b1 = buf[1] as number;
  if (b0 >> 6 !== 2) throw new RtpParseError('bad-version', 'RTP version must be 2');
  const padding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if (buf.length < offset) throw new RtpParseError('truncated', 'CSRC list truncated');
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(buf.readUInt32BE(12 + 4 * i));
  let extension: RtpPacket['extension'];
  if (hasExtension) {
    if (buf.length < offset + 4) throw new RtpParseError('bad-extension', 'extension header truncated');
    const profile = buf.readUInt16BE(offset);
    const lengthWords = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + 4 * lengthWords;
    if (buf.length < end) throw new RtpParseError('bad-extension', 'extension truncated');
    extension = { profile, data: Buffer.from(buf.subarray(offset + 4, end)) };
    offset = end;
  }
  let end = buf.length;
  let paddingBytes = 0;
  if (padding) {
    paddingBytes = buf[buf.length - 1] as number;
    if (paddingBytes === 0 || end - paddingBytes < offset) throw new RtpParseError('bad-padding', 'bad padding count');
    end -= paddingBytes;
  }
  return {
    version: 2,
    padding,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    extension,
    payload: Buffer.from(buf.subarray(offset, end)),
    paddingBytes,
  };
}

export interface RtpPacketInit {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
  marker?: boolean;
  csrcs?: number[];
  extension?: { profile: number; data: Uint8Array };
  /** Pad to a multiple of this many octets (e.g. 4); no padding when absent. */
  padToBytes?: number;
}

export function serializeRtpPacket(init: RtpPacketInit): Buffer {
  const csrcs = init.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError('at most 15 CSRCs');
  const ext = init.extension;
  if (ext && ext.data.length % 4 !== 0) throw new RangeError('extension data must be a multiple of 4 octets');
  const headerBytes = 12 + 4 * csrcs.length + (ext ? 4 + ext.data.length : 0);
  let paddingBytes = 0;
  if (init.padToBytes && init.padToBytes > 1) {
    const rem = (headerBytes + init.payload.length) % init.padToBytes;
    if (rem !== 0) paddingBytes = init.padToBytes - rem;
  }
  const buf = Buffer.alloc(headerBytes + init.payload.length + paddingBytes);
  buf[0] = 0x80 | (paddingBytes > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  buf[1] = (init.marker ? 0x80 : 0) | (init.payloadType & 0x7f);
  buf.writeUInt16BE(init.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(init.timestamp >>> 0, 4);
  buf.writeUInt32BE(init.ssrc >>> 0, 8);
  csrcs.forEach((c, i) => buf.writeUInt32BE(c >>> 0, 12 + 4 * i));
  let offset = 12 + 4 * csrcs.length;
  if (ext) {
    buf.writeUInt16BE(ext.profile, offset);
    buf.writeUInt16BE(ext.data.length / 4, offset + 2);
    buf.set(ext.data, offset + 4);
    offset += 4 + ext.data.length;
  }
  buf.set(init.payload, offset);
  if (paddingBytes > 0) buf[buf.length - 1] = paddingBytes;
  return buf;
}
