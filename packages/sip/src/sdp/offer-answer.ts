/**
 * Offer/answer for one audio stream (RFC 3264) with G.711 and RFC 4733 telephone-event. Pure
 * functions: descriptions in, descriptions and negotiated parameters out.
 */
import {
  attributeOf,
  directionOf,
  fmtpOf,
  rtpMapsOf,
  type MediaDescription,
  type MediaDirection,
  type SdpAttribute,
  type SessionDescription,
} from './session-description.js';

export type AudioCodecName = 'PCMU' | 'PCMA';

const STATIC_PT: Record<AudioCodecName, number> = { PCMU: 0, PCMA: 8 };

export interface AudioCapabilities {
  /** Address advertised in c= (the RTP socket's reachable address). */
  address: string;
  /** Local RTP port (even; RTCP on port+1). */
  port: number;
  /** Supported codecs, most preferred first. Default PCMU, PCMA. */
  codecs?: AudioCodecName[];
  /** RFC 4733 events; false disables. Default payload type 101, events 0-16. */
  telephoneEvent?: { payloadType: number; events: string } | false;
  /** Default 20 ms. */
  ptimeMs?: number;
  /** What we are willing to do. Default sendrecv. */
  direction?: MediaDirection;
  /** o= session id and version; bump the version on every new offer/answer in a session. */
  sessionId?: string;
  sessionVersion?: number;
  username?: string;
}

export interface NegotiatedAudio {
  codec: { name: AudioCodecName; payloadType: number; clockRateHz: number };
  /** Payload type for RFC 4733 events, when both sides support them. */
  telephoneEventPayloadType: number | undefined;
  /** Where to send RTP; undefined when the remote address is the 0.0.0.0 hold form. */
  remote: { address: string; port: number } | undefined;
  /** Our direction as agreed. */
  direction: MediaDirection;
  ptimeMs: number;
  /** The remote put us on hold (sendonly/inactive, or c=0.0.0.0 per RFC 3264 section 8.4). */
  remoteHold: boolean;
}

export type NegotiationFailure = 'no-audio-stream' | 'no-common-codec' | 'unsupported-transport' | 'rejected';

export type AnswerResult =
  | { ok: true; answer: SessionDescription; negotiated: NegotiatedAudio }
  /** `status` is the SIP response to send: 488 Not Acceptable Here (RFC 3261 section 13.3.1.3). */
  | { ok: false; reason: NegotiationFailure; status: 488 };

const DEFAULT_EVENT = { payloadType: 101, events: '0-16' };

function origin(cap: AudioCapabilities): SessionDescription['origin'] {
  return {
    username: cap.username ?? '-',
    sessionId: cap.sessionId ?? String(Math.floor(Date.now() / 1000)),
    sessionVersion: String(cap.sessionVersion ?? 1),
    netType: 'IN',
    addrType: cap.address.includes(':') ? 'IP6' : 'IP4',
    address: cap.address,
  };
}

function audioMedia(cap: AudioCapabilities, codecs: Array<{ name: string; payloadType: number; clockRateHz: number }>, event: { payloadType: number; events: string } | undefined, direction: MediaDirection, ptimeMs: number): MediaDescription {
  const attributes: SdpAttribute[] = codecs.map((c) => ({ name: 'rtpmap', value: `${c.payloadType} ${c.name}/${c.clockRateHz}` }));
  if (event) {
    attributes.push({ name: 'rtpmap', value: `${event.payloadType} telephone-event/8000` });
    attributes.push({ name: 'fmtp', value: `${event.payloadType} ${event.events}` });
  }
  attributes.push({ name: 'ptime', value: String(ptimeMs) });
  attributes.push({ name: direction, value: null });
  return {
    type: 'audio',
    port: cap.port,
    portCount: undefined,
    protocol: 'RTP/AVP',
    formats: [...codecs.map((c) => String(c.payloadType)), ...(event ? [String(event.payloadType)] : [])],
    connection: undefined,
    bandwidths: [],
    attributes,
    other: [],
  };
}

function description(cap: AudioCapabilities, media: MediaDescription[]): SessionDescription {
  return {
    version: 0,
    origin: origin(cap),
    sessionName: '-',
    connection: { netType: 'IN', addrType: cap.address.includes(':') ? 'IP6' : 'IP4', address: cap.address },
    bandwidths: [],
    timing: ['0 0'],
    attributes: [],
    other: [],
    media,
  };
}

/** An audio offer listing our codecs in preference order (RFC 3264 section 5). */
export function createOffer(cap: AudioCapabilities): SessionDescription {
  const codecs = (cap.codecs ?? ['PCMU', 'PCMA']).map((name) => ({ name, payloadType: STATIC_PT[name], clockRateHz: 8000 }));
  const event = cap.telephoneEvent === false ? undefined : (cap.telephoneEvent ?? DEFAULT_EVENT);
  return description(cap, [audioMedia(cap, codecs, event, cap.direction ?? 'sendrecv', cap.ptimeMs ?? 20)]);
}

/** RFC 3264 section 6.1: the answer's direction given the offer's and ours. */
export function answerDirection(offered: MediaDirection, local: MediaDirection): MediaDirection {
  const weSend = local === 'sendrecv' || local === 'sendonly';
  const weReceive = local === 'sendrecv' || local === 'recvonly';
  const theySend = offered === 'sendrecv' || offered === 'sendonly';
  const theyReceive = offered === 'sendrecv' || offered === 'recvonly';
  const send = weSend && theyReceive;
  const receive = weReceive && theySend;
  return send && receive ? 'sendrecv' : send ? 'sendonly' : receive ? 'recvonly' : 'inactive';
}

function isHoldAddress(address: string | undefined): boolean {
  return address === '0.0.0.0' || address === '::';
}

function remoteOf(media: MediaDescription, session: SessionDescription): NegotiatedAudio['remote'] {
  const address = media.connection?.address ?? session.connection?.address;
  if (address === undefined || isHoldAddress(address) || media.port === 0) return undefined;
  return { address, port: media.port };
}

function negotiate(media: MediaDescription, codecs: AudioCodecName[]): { codec: NegotiatedAudio['codec']; event: number | undefined } | undefined {
  const maps = rtpMapsOf(media);
  const offeredCodecs = maps.filter((m) => (m.encoding.toUpperCase() === 'PCMU' || m.encoding.toUpperCase() === 'PCMA') && m.clockRateHz === 8000);
  const chosen = codecs.map((name) => offeredCodecs.find((m) => m.encoding.toUpperCase() === name)).find((m) => m !== undefined);
  if (!chosen) return undefined;
  const event = maps.find((m) => m.encoding.toLowerCase() === 'telephone-event' && m.clockRateHz === 8000);
  return { codec: { name: chosen.encoding.toUpperCase() as AudioCodecName, payloadType: chosen.payloadType, clockRateHz: 8000 }, event: event?.payloadType };
}

/**
 * Answers an offer (RFC 3264 section 6): accepts the first RTP/AVP audio stream with a codec we
 * support (our preference order), rejects every other stream with port 0, keeps the offerer's
 * payload type numbers and mirrors directions.
 */
export function createAnswer(offer: SessionDescription, cap: AudioCapabilities): AnswerResult {
  const codecs = cap.codecs ?? ['PCMU', 'PCMA'];
  let accepted: NegotiatedAudio | undefined;
  let failure: NegotiationFailure = 'no-audio-stream';
  const media: MediaDescription[] = [];
  for (const offered of offer.media) {
    const reject = (): void => {
      media.push({ ...offered, port: 0, connection: undefined, bandwidths: [], attributes: [], other: [] });
    };
    if (accepted || offered.type !== 'audio' || offered.port === 0) {
      reject();
      continue;
    }
    if (offered.protocol !== 'RTP/AVP') {
      failure = 'unsupported-transport';
      reject();
      continue;
    }
    const result = negotiate(offered, codecs);
    if (!result) {
      failure = 'no-common-codec';
      reject();
      continue;
    }
    const address = offered.connection?.address ?? offer.connection?.address;
    const offeredDirection = isHoldAddress(address) ? (directionOf(offered, offer) === 'sendrecv' ? 'sendonly' : directionOf(offered, offer)) : directionOf(offered, offer);
    const direction = answerDirection(offeredDirection, cap.direction ?? 'sendrecv');
    const ptimeText = attributeOf(offered, 'ptime');
    const ptimeMs = ptimeText ? Number(ptimeText) || (cap.ptimeMs ?? 20) : (cap.ptimeMs ?? 20);
    const event = cap.telephoneEvent === false || result.event === undefined ? undefined : { payloadType: result.event, events: fmtpOf(offered, result.event) ?? (cap.telephoneEvent ?? DEFAULT_EVENT).events };
    media.push(audioMedia(cap, [{ name: result.codec.name, payloadType: result.codec.payloadType, clockRateHz: 8000 }], event, direction, ptimeMs));
    accepted = {
      codec: result.codec,
      telephoneEventPayloadType: event?.payloadType,
      remote: remoteOf(offered, offer),
      direction,
      ptimeMs,
      remoteHold: offeredDirection === 'sendonly' || offeredDirection === 'inactive',
    };
  }
  if (!accepted) return { ok: false, reason: failure, status: 488 };
  return { ok: true, answer: description(cap, media), negotiated: accepted };
}

export type AnswerProcessingResult = { ok: true; negotiated: NegotiatedAudio } | { ok: false; reason: NegotiationFailure };

/** Reads the answer to our offer (RFC 3264 section 7): first accepted audio stream. */
export function processAnswer(offer: SessionDescription, answer: SessionDescription, cap: Pick<AudioCapabilities, 'codecs' | 'ptimeMs'> = {}): AnswerProcessingResult {
  const index = answer.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  const media = answer.media[index];
  if (!media) return { ok: false, reason: 'rejected' };
  const offered = offer.media[index];
  const result = negotiate(media, cap.codecs ?? ['PCMU', 'PCMA']);
  if (!result) return { ok: false, reason: 'no-common-codec' };
  const remoteDirection = directionOf(media, answer);
  const ourOffered = offered ? directionOf(offered, offer) : 'sendrecv';
  const address = media.connection?.address ?? answer.connection?.address;
  const ptimeText = attributeOf(media, 'ptime');
  return {
    ok: true,
    negotiated: {
      codec: result.codec,
      telephoneEventPayloadType: result.event,
      remote: remoteOf(media, answer),
      direction: answerDirection(remoteDirection, ourOffered),
      ptimeMs: ptimeText ? Number(ptimeText) || (cap.ptimeMs ?? 20) : (cap.ptimeMs ?? 20),
      remoteHold: isHoldAddress(address) || remoteDirection === 'inactive',
    },
  };
}
