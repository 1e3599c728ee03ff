import { createAnswer, parseSdp, rtpMapsOf, serializeSdp, type AudioCodecName, type Call, type NegotiatedAudio } from '@unpod/sip';
import type { RtpMedia } from './rtp-media.js';

/** One SIP leg of a call with its media: the caller, the callee of an outbound call, or a transfer target. */
export interface SipLeg {
  call: Call;
  media: RtpMedia;
}

export interface ReofferOptions {
  /** Address advertised in c= lines. */
  mediaAddress: string;
  codecs: AudioCodecName[];
  /** Told when the offer changes hold state (RFC 3264 section 8.4). */
  onHold?: (held: boolean) => void;
}

/**
 * The codecs we allow, in the offerer's order of preference (RFC 3264 section 6.1 lets the
 * answerer choose; following the carrier's order avoids transcoding on its side). Codecs the
 * offer lacks keep our order after the offered ones.
 */
export function codecsInOfferOrder(offerSdp: string | undefined, allowed: readonly AudioCodecName[]): AudioCodecName[] {
  const ours: AudioCodecName[] = allowed.length > 0 ? [...allowed] : ['PCMU', 'PCMA'];
  if (offerSdp === undefined) return ours;
  try {
    const audio = parseSdp(offerSdp).media.find((m) => m.type === 'audio' && m.port !== 0);
    if (!audio) return ours;
    const offered = rtpMapsOf(audio).map((m) => m.encoding.toUpperCase());
    const first = offered.filter((name): name is AudioCodecName => ours.includes(name as AudioCodecName));
    return [...new Set([...first, ...ours])];
  } catch {
    return ours;
  }
}

/**
 * Answers re-INVITE offers on a leg (RFC 3264 section 8): the same RTP port and o= session id with
 * the version bumped, the codec re-chosen from the new offer, and the media updated to the new
 * codec, destination and direction. An offer with no acceptable audio gets 488.
 */
export function handleReoffers(leg: SipLeg, options: ReofferOptions): void {
  let held = false;
  leg.call.reofferHandler = (offerSdp: string) => {
    let sessionId: string | undefined;
    let version = 1;
    try {
      const ours = leg.call.localSdp ? parseSdp(leg.call.localSdp).origin : undefined;
      sessionId = ours?.sessionId;
      version = ours ? Number(BigInt(ours.sessionVersion) + 1n) : 1;
    } catch {
      sessionId = undefined;
    }
    let result;
    try {
      result = createAnswer(parseSdp(offerSdp), {
        address: options.mediaAddress,
        port: leg.media.localPort,
        codecs: codecsInOfferOrder(offerSdp, options.codecs),
        ...(sessionId !== undefined ? { sessionId } : {}),
        sessionVersion: version,
      });
    } catch {
      return undefined;
    }
    if (!result.ok) return undefined;
    leg.media.update(result.negotiated satisfies NegotiatedAudio);
    if (result.negotiated.remoteHold !== held) {
      held = result.negotiated.remoteHold;
      options.onHold?.(held);
    }
    return serializeSdp(result.answer);
  };
}
