import {
  createOffer,
  formatUri,
  RtpSession,
  serializeSdp,
  sipUri,
  type CallEnd,
  type OutgoingCall,
  type SipUserAgent,
} from '@unpod/sip';
import type { Logger } from '../logger.js';
import { RtpMedia, type RtpMediaEvents } from '../transports/sip/rtp-media.js';
import type { TelephonyTrunk } from './trunk-matcher.js';

/** How a dial attempt that never connected ended (maps onto `end_reason` and `transfer.result`). */
export type DialFailure = 'busy' | 'no_answer' | 'rejected' | 'error';

export type DialOutcome =
  | { ok: true; call: OutgoingCall; media: RtpMedia }
  | { ok: false; failure: DialFailure; status: number | null; detail: string };

export interface DialRequest {
  trunk: TelephonyTrunk;
  /** Callee, E.164. */
  to: string;
  /** Caller id presented, E.164; null = the trunk's `outbound_caller_id` or none. */
  from: string | null;
  answerTimeoutMs: number;
  /** Media events of the leg once it is answered. */
  mediaEvents: RtpMediaEvents;
  /** Provisional responses (180/183), e.g. to mark the call ringing. */
  onProgress?: (status: number) => void;
  /** Aborting cancels the attempt (CANCEL before an answer, BYE after one). */
  signal?: AbortSignal;
}

export interface DialerDeps {
  ua: SipUserAgent;
  /** Address advertised in SDP. */
  mediaAddress: string;
  bindAddress: string;
  rtpPorts: { min: number; max: number };
  logger: Logger;
}

/** Maps a final SIP status of a failed INVITE onto a dial failure (RFC 3261 section 21). */
export function failureOf(end: CallEnd): DialFailure {
  if (end.cause === 'cancelled') return 'no_answer';
  if (end.cause === 'timeout' || end.cause === 'transport-error') return 'error';
  switch (end.status) {
    case 486:
    case 600:
      return 'busy';
    case 408:
    case 480:
    case 487:
      return 'no_answer';
    default:
      return end.status !== undefined && end.status >= 300 ? 'rejected' : 'error';
  }
}

/** The Request-URI for calling `e164` through a trunk: `sip:+E164@host:port;transport=...`. */
export function trunkTarget(trunk: TelephonyTrunk, e164: string): string {
  const params: Record<string, string | null> = trunk.transport === 'udp' ? {} : { transport: trunk.transport };
  return formatUri(sipUri({ user: e164, host: trunk.host, port: trunk.port, params }));
}

/**
 * Places outbound legs through a trunk: an RTP session from the configured range, a G.711 offer
 * limited to the trunk's codecs, digest answers with the trunk's credentials (RFC 3261 section
 * 22.2), CANCEL when the answer timeout passes (section 9.1).
 */
export class Dialer {
  constructor(private readonly deps: DialerDeps) {}

  async dial(request: DialRequest): Promise<DialOutcome> {
    const { trunk } = request;
    let rtp: RtpSession;
    try {
      rtp = await RtpSession.open({ bindAddress: this.deps.bindAddress, portRange: this.deps.rtpPorts, payloadType: 0 });
    } catch (err) {
      this.deps.logger.error({ err }, 'no RTP port for an outbound leg');
      return { ok: false, failure: 'error', status: null, detail: 'no free RTP port' };
    }
    const offer = serializeSdp(createOffer({ address: this.deps.mediaAddress, port: rtp.localPort, codecs: trunk.codecs.length > 0 ? trunk.codecs : undefined }));
    const callerId = request.from ?? trunk.outbound_caller_id;
    const credentials = trunk.username !== null && trunk.password !== null ? { username: trunk.username, password: trunk.password } : undefined;
    let call: OutgoingCall;
    try {
      call = this.deps.ua.invite(trunkTarget(trunk, request.to), {
        sdp: offer,
        timeoutMs: request.answerTimeoutMs,
        ...(callerId ? { from: `sip:${callerId}@${hostForUri(this.deps.mediaAddress)}` } : {}),
        ...(credentials ? { credentials } : {}),
      });
    } catch (err) {
      await rtp.close();
      return { ok: false, failure: 'error', status: null, detail: err instanceof Error ? err.message : String(err) };
    }
    const onAbort = () => {
      if (call.state === 'answered') void call.bye().catch(() => undefined);
      else call.cancel();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    call.on('progress', (status) => request.onProgress?.(status));
    const outcome = await new Promise<{ answered: true } | { answered: false; end: CallEnd }>((resolve) => {
      call.on('answered', () => resolve({ answered: true }));
      call.on('terminated', (end) => resolve({ answered: false, end }));
    });
    request.signal?.removeEventListener('abort', onAbort);
    if (!outcome.answered) {
      await rtp.close();
      const failure = failureOf(outcome.end);
      return { ok: false, failure, status: outcome.end.status ?? null, detail: describe(outcome.end) };
    }
    const negotiated = call.negotiated;
    if (!negotiated || call.isTerminated) {
      await rtp.close();
      if (!call.isTerminated) await call.bye().catch(() => undefined);
      return { ok: false, failure: 'error', status: null, detail: call.isTerminated ? 'the callee hung up at once' : 'the answer had no usable audio (RFC 3264)' };
    }
    return { ok: true, call, media: new RtpMedia(rtp, negotiated, request.mediaEvents) };
  }
}

function describe(end: CallEnd): string {
  if (end.status !== undefined) return `${end.status}${end.reason ? ` ${end.reason}` : ''}`;
  return end.reason ?? end.cause;
}

function hostForUri(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
