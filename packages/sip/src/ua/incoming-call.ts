/** UAS side of a call (RFC 3261 section 13.3): ring, answer, reject, and CANCEL before answer. */
import { createResponse, newTag } from '../message/builders.js';
import { tagOf } from '../message/name-addr.js';
import { callIdOf, fromOf, toOf, type SipRequest, type SipResponse } from '../message/message.js';
import { Dialog } from '../dialog/dialog.js';
import { createAnswer, type AudioCapabilities, type AnswerResult } from '../sdp/offer-answer.js';
import { parseSdp, serializeSdp } from '../sdp/session-description.js';
import { ALLOW, Call } from './call.js';
import { type UaCore } from './core.js';

export type IncomingCallState = 'received' | 'early' | 'answered' | 'confirmed' | 'terminated';

const TRANSITIONS: Record<IncomingCallState, readonly IncomingCallState[]> = {
  received: ['early', 'answered', 'terminated'],
  early: ['early', 'answered', 'terminated'],
  answered: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

/** Thrown for API calls the call's state does not allow (e.g. answer after reject). */
export class CallStateError extends Error {
  override readonly name = 'CallStateError';
  readonly code = 'illegal-transition' as const;
}

export class IncomingCall extends Call {
  private current: IncomingCallState = 'received';
  private readonly localTag = newTag();

  /** @param respond sends a response on the INVITE server transaction (or statelessly once it ended). */
  constructor(
    core: UaCore,
    readonly request: SipRequest,
    private readonly respond: (response: SipResponse) => void,
    contact: string,
  ) {
    super(core);
    this.lastContact = contact;
    this.remoteSdp = request.body.length > 0 ? request.body.toString() : undefined;
    this.on('terminated', () => {
      this.current = 'terminated';
    });
  }

  get state(): IncomingCallState {
    return this.current;
  }

  /** The caller's SDP offer, if the INVITE carried one. */
  get offer(): string | undefined {
    return this.remoteSdp;
  }

  get callId(): string {
    return callIdOf(this.request);
  }

  /** Caller and callee URIs as strings; never log them (they are phone numbers). */
  get from(): string {
    return this.request.headers.get('From') ?? '';
  }

  get to(): string {
    return this.request.headers.get('To') ?? '';
  }

  /**
   * Answers the offer against `capabilities` (RFC 3264). On failure nothing is sent; call
   * `reject(result.status)` (488) to refuse.
   */
  negotiate(capabilities: AudioCapabilities): AnswerResult {
    if (!this.remoteSdp) return { ok: false, reason: 'no-audio-stream', status: 488 };
    try {
      const result = createAnswer(parseSdp(this.remoteSdp), capabilities);
      if (result.ok) this.negotiated = result.negotiated;
      return result;
    } catch {
      return { ok: false, reason: 'no-audio-stream', status: 488 };
    }
  }

  /** 180 Ringing, or 183 Session Progress when `earlySdp` is given (early media). */
  ringing(earlySdp?: string): void {
    this.move('early');
    this.ensureDialog();
    const status = earlySdp === undefined ? 180 : 183;
    this.respond(this.response(status, earlySdp));
  }

  /** 200 OK with our SDP answer; retransmitted until the ACK arrives (section 13.3.1.4). */
  answer(sdp: string | ReturnType<typeof parseSdp>): void {
    this.move('answered');
    const body = typeof sdp === 'string' ? sdp : serializeSdp(sdp);
    this.localSdp = body;
    const dialog = this.ensureDialog();
    dialog.confirm();
    this.send2xxUntilAck(this.request, this.response(200, body), this.respond);
  }

  /** Final non-2xx (486 Busy Here by default); `headers` e.g. WWW-Authenticate for a 401. */
  reject(status = 486, options: { reason?: string; headers?: Array<readonly [string, string]> } = {}): void {
    if (status < 300 || status > 699) throw new RangeError('reject needs a 3xx-6xx status');
    this.move('terminated');
    this.respond(createResponse(this.request, status, { toTag: this.localTag, reason: options.reason, headers: options.headers }));
    this.end({ cause: 'rejected', status });
  }

  /** Called by the UA when a CANCEL matched our INVITE (section 9.2). */
  cancelledByRemote(): void {
    if (this.current !== 'received' && this.current !== 'early') return;
    this.respond(createResponse(this.request, 487, { toTag: this.localTag }));
    this.emit('cancelled');
    this.end({ cause: 'cancelled', status: 487 });
  }

  protected override onAckReceived(): void {
    if (this.current !== 'answered') return;
    this.move('confirmed');
    this.emit('answered', this.remoteSdp);
  }

  private response(status: number, sdp: string | undefined): SipResponse {
    const response = createResponse(this.request, status, {
      toTag: this.localTag,
      headers: [['Contact', this.lastContact ?? ''], ['Allow', ALLOW], ['Supported', 'replaces'], ['Server', this.core.userAgentName]],
      body: sdp === undefined ? undefined : Buffer.from(sdp),
      contentType: 'application/sdp',
    });
    // Section 12.1.1: the UAS copies Record-Route into dialog-establishing responses.
    for (const rr of this.request.headers.getAll('Record-Route')) response.headers.append('Record-Route', rr);
    return response;
  }

  private ensureDialog(): Dialog {
    if (!this.dialog) {
      this.dialog = Dialog.asUas(this.request, this.localTag);
      this.core.registerDialog(this.dialog, this);
    }
    return this.dialog;
  }

  private move(to: IncomingCallState): void {
    if (!TRANSITIONS[this.current].includes(to)) throw new CallStateError(`cannot go from ${this.current} to ${to}`);
    this.current = to;
  }
}

/** True when the request's From and To look like a fresh (out-of-dialog) INVITE. */
export function isInitialInvite(request: SipRequest): boolean {
  return request.method === 'INVITE' && tagOf(toOf(request)) === undefined && tagOf(fromOf(request)) !== undefined;
}
