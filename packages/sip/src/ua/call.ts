/**
 * Behaviour shared by incoming and outgoing calls once a dialog exists (RFC 3261 sections 12-15):
 * BYE either way, re-INVITE/hold, INFO DTMF, OPTIONS, REFER with NOTIFY tracking (RFC 3515) and
 * 2xx retransmission until ACK (section 13.3.1.4).
 */
import { randomToken } from '../util/random.js';
import { Emitter } from '../util/emitter.js';
import { createResponse } from '../message/builders.js';
import { contentTypeOf, cseqOf, type SipRequest, type SipResponse } from '../message/message.js';
import { type Dialog } from '../dialog/dialog.js';
import { answerDirection, type NegotiatedAudio } from '../sdp/offer-answer.js';
import { directionOf, parseSdp, serializeSdp, type SdpAttribute } from '../sdp/session-description.js';
import { type InviteClientTransaction } from '../transaction/client-transactions.js';
import { formatDtmfRelay, parseDtmfRelay, parseSipfragStatus, type InfoDtmf } from './dtmf.js';
import { decorate, SipRequestError, type DialogOwner, type NextHop, type UaCore } from './core.js';

export type CallEndCause = 'local-bye' | 'remote-bye' | 'cancelled' | 'rejected' | 'failed' | 'timeout' | 'no-ack' | 'transport-error';

export interface CallEnd {
  cause: CallEndCause;
  /** Final status for rejected/failed outgoing calls or the status we rejected with. */
  status?: number;
  reason?: string;
}

/** Progress of a REFER we sent, from the NOTIFYs the transferee sends back (RFC 3515 section 2.4.4). */
export interface ReferProgress {
  status: number;
  reason: string;
  /** True once Subscription-State is terminated or the status is final. */
  final: boolean;
}

export interface IncomingRefer {
  /** Refer-To header value as received. */
  referTo: string;
  /** Reports progress to the referrer with a NOTIFY carrying a sipfrag status line. */
  notify(status: number, reason: string): Promise<void>;
}

export interface CallEvents {
  [event: string]: (...args: never[]) => void;
  /** Outgoing: provisional response (100/180/183) with the SDP it carried, if any. */
  progress: (status: number, reason: string, sdp: string | undefined) => void;
  /** Outgoing: 2xx received and ACKed; incoming: our 2xx was ACKed. */
  answered: (remoteSdp: string | undefined) => void;
  /** Incoming: the caller cancelled before we answered (section 9.2). */
  cancelled: () => void;
  terminated: (end: CallEnd) => void;
  /** The far end put us on hold (true) or resumed (false), RFC 3264 section 8.4. */
  hold: (remoteHold: boolean) => void;
  /** New remote SDP after a re-INVITE. */
  remoteSdp: (sdp: string) => void;
  dtmf: (dtmf: InfoDtmf) => void;
  info: (request: SipRequest) => void;
  /** Notifications for a REFER we sent. */
  referProgress: (progress: ReferProgress) => void;
  /** The far end asked us to transfer (we already answered 202 and sent NOTIFY 100). */
  refer: (refer: IncomingRefer) => void;
}

/** Decides the answer SDP for a re-INVITE offer; undefined rejects it with 488. */
export type ReofferHandler = (offerSdp: string) => string | undefined;

export abstract class Call extends Emitter<CallEvents> implements DialogOwner {
  readonly id = randomToken(10);
  dialog: Dialog | undefined;
  localSdp: string | undefined;
  remoteSdp: string | undefined;
  /** Negotiated media, once known. */
  negotiated: NegotiatedAudio | undefined;
  /** Override to decide re-INVITE answers; default mirrors the offer's direction on our last SDP. */
  reofferHandler: ReofferHandler | undefined;
  protected ended: CallEnd | undefined;
  private remoteHold = false;
  private okRetransmit: { timer: ReturnType<typeof setTimeout> | undefined; cseq: number } | undefined;
  private reinvitePending = false;

  protected constructor(protected readonly core: UaCore) {
    super();
  }

  get isTerminated(): boolean {
    return this.ended !== undefined;
  }

  get endInfo(): CallEnd | undefined {
    return this.ended;
  }

  /** Hangs up an established call (section 15.1.1). */
  async bye(): Promise<void> {
    const dialog = this.requireDialog();
    if (this.ended) return;
    const hop = await this.hop();
    const request = decorate(dialog.createRequest('BYE', { via: this.core.via(hop) }), this.core);
    this.end({ cause: 'local-bye' });
    try {
      await this.core.request(request, hop);
    } catch (error) {
      if (!(error instanceof SipRequestError)) throw error;
    }
  }

  /** Sends INFO with application/dtmf-relay. */
  async sendDtmfInfo(digit: string, durationMs = 160): Promise<SipResponse> {
    return this.sendInDialog('INFO', Buffer.from(formatDtmfRelay(digit, durationMs)), 'application/dtmf-relay');
  }

  /** Asks the far end to call `target` (RFC 3515); progress arrives as `referProgress` events. */
  async refer(target: string): Promise<SipResponse> {
    const referTo = target.startsWith('<') ? target : `<${target}>`;
    return this.sendInDialog('REFER', Buffer.alloc(0), undefined, [['Refer-To', referTo]]);
  }

  /** Sends a re-INVITE with `sdp` (e.g. a=sendonly to hold); resolves with the answer SDP. */
  async reinvite(sdp: string): Promise<string | undefined> {
    const dialog = this.requireDialog();
    const hop = await this.hop();
    const request = decorate(
      dialog.createRequest('INVITE', { via: this.core.via(hop), contact: this.core.contact(hop), body: Buffer.from(sdp), contentType: 'application/sdp' }),
      this.core,
    );
    this.reinvitePending = true;
    try {
      const response = await new Promise<SipResponse>((resolve, reject) => {
        const tx = this.core.startTransaction(request, hop) as InviteClientTransaction;
        tx.on('response', (r) => {
          if (r.status >= 200) resolve(r);
        });
        tx.on('timeout', () => reject(new SipRequestError('timeout', 're-INVITE timed out')));
        tx.on('transportError', (e) => reject(new SipRequestError('transport-error', e.message)));
      });
      if (response.status >= 300) return undefined;
      dialog.receiveResponse(request, response);
      this.core.sendStateless(decorate(dialog.createRequest('ACK', { via: this.core.via(hop) }, cseqOf(request).seq), this.core), hop);
      this.localSdp = sdp;
      const answer = response.body.length > 0 ? response.body.toString() : undefined;
      if (answer) this.remoteSdp = answer;
      return answer;
    } finally {
      this.reinvitePending = false;
    }
  }

  receiveInDialog(request: SipRequest, respond: ((response: SipResponse) => void) | undefined): void {
    const dialog = this.dialog;
    if (!dialog) return;
    if (request.method === 'ACK') {
      this.onAck(request);
      return;
    }
    if (!respond) return;
    if (!dialog.receiveRequest(request)) {
      respond(createResponse(request, 500, { reason: 'CSeq Out of Order' }));
      return;
    }
    switch (request.method) {
      case 'BYE':
        respond(createResponse(request, 200));
        this.end({ cause: 'remote-bye' });
        return;
      case 'INVITE':
        this.onReinvite(request, respond);
        return;
      case 'INFO': {
        respond(createResponse(request, 200));
        if (contentTypeOf(request) === 'application/dtmf-relay') {
          const dtmf = parseDtmfRelay(request.body.toString());
          if (dtmf) this.emit('dtmf', dtmf);
        }
        this.emit('info', request);
        return;
      }
      case 'NOTIFY':
        this.onNotify(request, respond);
        return;
      case 'REFER':
        this.onRefer(request, respond);
        return;
      case 'OPTIONS':
        respond(createResponse(request, 200, { headers: [['Allow', ALLOW], ['Accept', 'application/sdp']] }));
        return;
      default:
        respond(createResponse(request, 501, { headers: [['Allow', ALLOW]] }));
    }
  }

  /** Answers `request` with 2xx now and re-sends it T1, 2T1 ... T2 until ACK; BYE after 64*T1 (13.3.1.4). */
  protected send2xxUntilAck(request: SipRequest, response: SipResponse, respond: (response: SipResponse) => void): void {
    respond(response);
    const state = { timer: undefined as ReturnType<typeof setTimeout> | undefined, cseq: cseqOf(request).seq };
    this.okRetransmit = state;
    const started = Date.now();
    let intervalMs = this.core.timers.t1Ms;
    const tick = (): void => {
      if (this.okRetransmit !== state) return;
      if (Date.now() - started >= 64 * this.core.timers.t1Ms) {
        this.okRetransmit = undefined;
        void this.bye().catch(() => undefined);
        this.end({ cause: 'no-ack' });
        return;
      }
      respond(response);
      intervalMs = Math.min(2 * intervalMs, this.core.timers.t2Ms);
      state.timer = setTimeout(tick, intervalMs);
    };
    state.timer = setTimeout(tick, intervalMs);
  }

  protected onAck(ack: SipRequest): void {
    const pending = this.okRetransmit;
    if (!pending || cseqOf(ack).seq !== pending.cseq) return;
    clearTimeout(pending.timer);
    this.okRetransmit = undefined;
    if (ack.body.length > 0) this.remoteSdp = ack.body.toString();
    this.onAckReceived();
  }

  /** Hook: our 2xx was acknowledged. */
  protected onAckReceived(): void {}

  protected end(end: CallEnd): void {
    if (this.ended) return;
    this.ended = end;
    if (this.okRetransmit) clearTimeout(this.okRetransmit.timer);
    this.okRetransmit = undefined;
    if (this.dialog && this.dialog.state !== 'terminated') this.dialog.terminate();
    if (this.dialog) this.core.unregisterDialog(this.dialog);
    this.emit('terminated', end);
  }

  protected requireDialog(): Dialog {
    if (!this.dialog) throw new SipRequestError('transport-error', 'call has no dialog yet');
    return this.dialog;
  }

  protected hop(): Promise<NextHop> {
    const dialog = this.requireDialog();
    return this.core.resolve(dialog.remoteTarget, dialog.routeSet);
  }

  private async sendInDialog(method: string, body: Buffer, contentType: string | undefined, headers: Array<[string, string]> = []): Promise<SipResponse> {
    const dialog = this.requireDialog();
    const hop = await this.hop();
    const request = decorate(dialog.createRequest(method, { via: this.core.via(hop), contact: this.core.contact(hop), body, contentType, headers }), this.core);
    return this.core.request(request, hop);
  }

  private onReinvite(request: SipRequest, respond: (response: SipResponse) => void): void {
    const dialog = this.requireDialog();
    if (this.reinvitePending) {
      respond(createResponse(request, 491));
      return;
    }
    const offer = request.body.length > 0 ? request.body.toString() : undefined;
    let answer: string | undefined = this.localSdp;
    if (offer !== undefined) {
      answer = this.reofferHandler ? this.reofferHandler(offer) : this.defaultReoffer(offer);
      if (answer === undefined) {
        respond(createResponse(request, 488));
        return;
      }
      this.remoteSdp = offer;
      this.emit('remoteSdp', offer);
    }
    this.localSdp = answer;
    const ok = createResponse(request, 200, {
      toTag: dialog.id.localTag,
      headers: [['Contact', this.lastContact ?? ''], ['Allow', ALLOW]],
      body: answer === undefined ? undefined : Buffer.from(answer),
      contentType: 'application/sdp',
    });
    if (!this.lastContact) ok.headers.delete('Contact');
    this.send2xxUntilAck(request, ok, respond);
  }

  /** Contact we used in the dialog; set by subclasses. */
  protected lastContact: string | undefined;

  private defaultReoffer(offer: string): string | undefined {
    if (!this.localSdp) return undefined;
    try {
      const remote = parseSdp(offer);
      const local = parseSdp(this.localSdp);
      const remoteAudio = remote.media.find((m) => m.type === 'audio');
      const localAudio = local.media.find((m) => m.type === 'audio');
      if (!remoteAudio || !localAudio) return undefined;
      const address = remoteAudio.connection?.address ?? remote.connection?.address;
      let offered = directionOf(remoteAudio, remote);
      if (address === '0.0.0.0' && offered === 'sendrecv') offered = 'sendonly';
      const direction = answerDirection(offered, 'sendrecv');
      localAudio.attributes = localAudio.attributes.filter((a) => !['sendrecv', 'sendonly', 'recvonly', 'inactive'].includes(a.name));
      localAudio.attributes.push({ name: direction, value: null } satisfies SdpAttribute);
      local.origin.sessionVersion = String(BigInt(local.origin.sessionVersion) + 1n);
      const hold = offered === 'sendonly' || offered === 'inactive';
      if (hold !== this.remoteHold) {
        this.remoteHold = hold;
        this.emit('hold', hold);
      }
      return serializeSdp(local);
    } catch {
      return undefined;
    }
  }

  private onNotify(request: SipRequest, respond: (response: SipResponse) => void): void {
    respond(createResponse(request, 200));
    const event = (request.headers.get('Event') ?? '').split(';')[0]?.trim().toLowerCase();
    if (event !== 'refer') return;
    const status = parseSipfragStatus(request.body.toString());
    if (!status) return;
    const terminated = (request.headers.get('Subscription-State') ?? '').trim().toLowerCase().startsWith('terminated');
    this.emit('referProgress', { ...status, final: terminated || status.status >= 200 });
  }

  private onRefer(request: SipRequest, respond: (response: SipResponse) => void): void {
    const referTo = request.headers.get('Refer-To');
    if (!referTo) {
      respond(createResponse(request, 400, { reason: 'Missing Refer-To' }));
      return;
    }
    respond(createResponse(request, 202));
    const notify = async (status: number, reason: string): Promise<void> => {
      const final = status >= 200;
      const body = Buffer.from(`SIP/2.0 ${status} ${reason}\r\n`);
      await this.sendInDialog('NOTIFY', body, 'message/sipfrag;version=2.0', [
        ['Event', 'refer'],
        ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
      ]).catch(() => undefined);
    };
    void notify(100, 'Trying');
    this.emit('refer', { referTo, notify });
  }
}

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY';
