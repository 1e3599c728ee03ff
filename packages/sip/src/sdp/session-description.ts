/**
 * SDP syntax (RFC 4566 section 5) for what telephony needs: v, o, s, c, b, t, m, a; other lines
 * are kept verbatim so descriptions round-trip. Parsing is total: `SdpParseError` or a value.
 */

export type SdpParseErrorReason = 'empty' | 'bad-line' | 'missing-field' | 'bad-origin' | 'bad-connection' | 'bad-media';

export class SdpParseError extends Error {
  override readonly name = 'SdpParseError';
  constructor(
    readonly reason: SdpParseErrorReason,
    detail: string,
  ) {
    super(detail);
  }
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpConnection {
  netType: string;
  addrType: 'IP4' | 'IP6' | string;
  address: string;
}

export interface SdpAttribute {
  name: string;
  value: string | null;
}

export interface MediaDescription {
  type: string;
  port: number;
  portCount: number | undefined;
  protocol: string;
  formats: string[];
  connection: SdpConnection | undefined;
  bandwidths: string[];
  attributes: SdpAttribute[];
  /** Other lines (i=, k=...) as [type, value]. */
  other: Array<[string, string]>;
}

export interface SessionDescription {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  connection: SdpConnection | undefined;
  bandwidths: string[];
  timing: string[];
  attributes: SdpAttribute[];
  other: Array<[string, string]>;
  media: MediaDescription[];
}

function parseConnection(value: string): SdpConnection {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 3) throw new SdpParseError('bad-connection', `bad c= line "${value}"`);
  const [netType, addrType, address] = parts as [string, string, string];
  // Multicast TTL/count suffixes are dropped; unicast telephony never uses them.
  return { netType, addrType, address: address.split('/')[0] as string };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  return colon < 0 ? { name: value, value: null } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}

/** Parses an SDP body (CRLF or LF line endings). */
export function parseSdp(text: string): SessionDescription {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) throw new SdpParseError('empty', 'empty SDP');
  let version: number | undefined;
  let origin: SdpOrigin | undefined;
  let sessionName: string | undefined;
  const session: SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId: '0', sessionVersion: '0', netType: 'IN', addrType: 'IP4', address: '0.0.0.0' },
    sessionName: '-',
    connection: undefined,
    bandwidths: [],
    timing: [],
    attributes: [],
    other: [],
    media: [],
  };
  let media: MediaDescription | undefined;
  for (const line of lines) {
    if (line.length < 2 || line[1] !== '=' || !/^[a-z]$/.test(line[0] as string)) {
      throw new SdpParseError('bad-line', `bad SDP line "${line.slice(0, 40)}"`);
    }
    const type = line[0] as string;
    const value = line.slice(2);
    if (media) {
      switch (type) {
        case 'm':
          break;
        case 'c':
          media.connection = parseConnection(value);
          continue;
        case 'b':
          media.bandwidths.push(value);
          continue;
        case 'a':
          media.attributes.push(parseAttribute(value));
          continue;
        default:
          media.other.push([type, value]);
          continue;
      }
    }
    switch (type) {
      case 'v':
        version = Number(value);
        if (!Number.isInteger(version)) throw new SdpParseError('bad-line', 'bad v= line');
        break;
      case 'o': {
        const parts = value.split(' ');
        if (parts.length !== 6) throw new SdpParseError('bad-origin', 'o= needs six fields');
        const [username, sessionId, sessionVersion, netType, addrType, address] = parts as [string, string, string, string, string, string];
        origin = { username, sessionId, sessionVersion, netType, addrType, address };
        break;
      }
      case 's':
        sessionName = value;
        break;
      case 'c':
        session.connection = parseConnection(value);
        break;
      case 'b':
        session.bandwidths.push(value);
        break;
      case 't':
        session.timing.push(value);
        break;
      case 'a':
        session.attributes.push(parseAttribute(value));
        break;
      case 'm': {
        const match = /^(\S+) ([0-9]+)(?:\/([0-9]+))? (\S+)((?: \S+)*)$/.exec(value);
        if (!match) throw new SdpParseError('bad-media', `bad m= line "${value.slice(0, 60)}"`);
        const port = Number(match[2]);
        if (port > 65535) throw new SdpParseError('bad-media', 'media port out of range');
        media = {
          type: match[1] as string,
          port,
          portCount: match[3] === undefined ? undefined : Number(match[3]),
          protocol: match[4] as string,
          formats: (match[5] ?? '').trim().split(' ').filter((f) => f.length > 0),
          connection: undefined,
          bandwidths: [],
          attributes: [],
          other: [],
        };
        session.media.push(media);
        break;
      }
      default:
        session.other.push([type, value]);
    }
  }
  if (version === undefined || origin === undefined || sessionName === undefined) {
    throw new SdpParseError('missing-field', 'v=, o= and s= are mandatory');
  }
  session.version = version;
  session.origin = origin;
  session.sessionName = sessionName;
  return session;
}

const formatAttribute = (a: SdpAttribute): string => (a.value === null ? `a=${a.name}` : `a=${a.name}:${a.value}`);
const formatConnection = (c: SdpConnection): string => `c=${c.netType} ${c.addrType} ${c.address}`;

/** Serialises in the RFC 4566 section 5 line order, CRLF terminated. */
export function serializeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  const lines = [`v=${sdp.version}`, `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`, `s=${sdp.sessionName}`];
  for (const [type, value] of sdp.other.filter(([t]) => t === 'i' || t === 'u' || t === 'e' || t === 'p')) lines.push(`${type}=${value}`);
  if (sdp.connection) lines.push(formatConnection(sdp.connection));
  for (const b of sdp.bandwidths) lines.push(`b=${b}`);
  for (const t of sdp.timing.length > 0 ? sdp.timing : ['0 0']) lines.push(`t=${t}`);
  for (const [type, value] of sdp.other.filter(([t]) => !'iuep'.includes(t))) lines.push(`${type}=${value}`);
  for (const a of sdp.attributes) lines.push(formatAttribute(a));
  for (const m of sdp.media) {
    const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
    lines.push(`m=${m.type} ${port} ${m.protocol} ${m.formats.join(' ')}`);
    for (const [type, value] of m.other) lines.push(`${type}=${value}`);
    if (m.connection) lines.push(formatConnection(m.connection));
    for (const b of m.bandwidths) lines.push(`b=${b}`);
    for (const a of m.attributes) lines.push(formatAttribute(a));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** Media-level direction, falling back to session level, then sendrecv (RFC 4566 section 6). */
export function directionOf(media: MediaDescription, session: SessionDescription): MediaDirection {
  const find = (attrs: SdpAttribute[]): MediaDirection | undefined =>
    attrs.find((a) => (DIRECTIONS as readonly string[]).includes(a.name))?.name as MediaDirection | undefined;
  return find(media.attributes) ?? find(session.attributes) ?? 'sendrecv';
}

export interface RtpMap {
  payloadType: number;
  encoding: string;
  clockRateHz: number;
  channels: number;
}

/** Static payload types of RFC 3551 Table 4 that telephony meets. */
const STATIC_PAYLOAD_TYPES: Record<number, Omit<RtpMap, 'payloadType'>> = {
  0: { encoding: 'PCMU', clockRateHz: 8000, channels: 1 },
  3: { encoding: 'GSM', clockRateHz: 8000, channels: 1 },
  8: { encoding: 'PCMA', clockRateHz: 8000, channels: 1 },
  9: { encoding: 'G722', clockRateHz: 8000, channels: 1 },
  18: { encoding: 'G729', clockRateHz: 8000, channels: 1 },
};

/** rtpmap for each format of `media`, falling back to the static table. */
export function rtpMapsOf(media: MediaDescription): RtpMap[] {
  const declared = new Map<number, RtpMap>();
  for (const a of media.attributes) {
    if (a.name !== 'rtpmap' || a.value === null) continue;
    const match = /^([0-9]+)\s+([^/\s]+)\/([0-9]+)(?:\/([0-9]+))?/.exec(a.value);
    if (!match) continue;
    declared.set(Number(match[1]), {
      payloadType: Number(match[1]),
      encoding: match[2] as string,
      clockRateHz: Number(match[3]),
      channels: match[4] === undefined ? 1 : Number(match[4]),
    });
  }
  const out: RtpMap[] = [];
  for (const format of media.formats) {
    if (!/^[0-9]+$/.test(format)) continue;
    const pt = Number(format);
    const map = declared.get(pt) ?? (STATIC_PAYLOAD_TYPES[pt] ? { payloadType: pt, ...STATIC_PAYLOAD_TYPES[pt] } : undefined);
    if (map) out.push(map);
  }
  return out;
}

/** fmtp value for a payload type, if present. */
export function fmtpOf(media: MediaDescription, payloadType: number): string | undefined {
  const prefix = `${payloadType} `;
  return media.attributes.find((a) => a.name === 'fmtp' && a.value?.startsWith(prefix))?.value?.slice(prefix.length).trim();
}

export function attributeOf(media: MediaDescription, name: string): string | null | undefined {
  return media.attributes.find((a) => a.name === name)?.value;
}
