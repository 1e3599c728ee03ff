/**
 * UAC side of a call (RFC 3261 section 13.2): INVITE, progress, digest auth retry on 401/407
 * (section 22.2), CANCEL on timeout or request (section 9.1), ACK for 2xx, BYE for extra forks.
 */
import { DigestClient, type DigestCredentials } from '../auth/digest-client.js';
import { SipHeaders } from '../message/headers.js';
import { createRequest, newCallId, newTag } from '../message/builders.js';
import { formatNameAddr, tagOf } from '../message/name-addr.js';
import { callIdOf, cseqOf, toOf, type SipRequest, type SipResponse } from '../message/message.js';
import { formatUri, parseUri, type Uri } from '../message/uri.js';
import { Dialog } from '../dialog/dialog.js';
import { processAnswer } from '../sdp/offer-answer.js';
import { parseSdp } from '../sdp/session-description.js';
import { type InviteClientTransaction } from '../transaction/client-transactions.js';
import { Call } from './call.js';
import { decorate, type NextHop, type UaCore } from './core.js';

export interface InviteOptions {
  /** SDP offer. */
  sdp: string;
  /** From URI; default `sip:<ua user>@<ua host>`. */
  from?: string;
  fromDisplayName?: string;
  credentials?: DigestCredentials;
  headers?: Array<[string, string]>;
  /** Send CANCEL if no final response within this time (section 9.1). */
  timeoutMs?: number;
}

export type OutgoingCallState = 'calling' | 'proceeding' | 'answered' | 'cancelling' | 'terminated';

export class OutgoingCall extends Call {
  private current: OutgoingCallState = 'calling';
  private invite: SipRequest | undefined;
  private hopForInvite: NextHop | undefined;
  private transaction: InviteClientTransaction | undefined;
  private provisionalSeen = false;
  private cancelRequested = false;
  private timeout: ReturnType<typeof setTimeout> | undefined;
  private readonly digest: DigestClient | undefined;
  readonly target: Uri;
  readonly callId: string;

  constructor(
    core: UaCore,
    target: string | Uri,
    private readonly options: InviteOptions,
    private readonly defaultFrom: string,
  ) {
    super(core);
    this.target = typeof target === 'string' ? parseUri(target) : target;
    this.callId = newCallId();
    this.localSdp = options.sdp;
    this.digest = options.credentials ? new DigestClient(options.credentials) : undefined;
  }

  get state(): OutgoingCallState {
    return this.current;
  }

  /** Resolves the next hop and sends the INVITE. Called by the UA. */
  async start(): Promise<void> {
    try {
      const hop = await this.core.resolve(this.target);
      this.hopForInvite = hop;
      const from = formatNameAddr({
        displayName: this.options.fromDisplayName,
        uri: parseUri(this.options.from ?? this.defaultFrom),
        params: new Map([['tag', newTag()]]),
      });
      const request = createRequest({
        method: 'INVITE',
        uri: this.target,
        via: this.core.via(hop),
        from,
        to: `<${formatUri(this.target)}>`,
        callId: this.callId,
        cseq: 1,
        contact: this.core.contact(hop),
        headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY'], ...(this.options.headers ?? [])],
        body: Buffer.from(this.options.sdp),
        contentType: 'application/sdp',
      });
      this.lastContact = this.core.contact(hop);
      if (this.options.timeoutMs !== undefined) {
        this.timeout = setTimeout(() => this.cancel(), this.options.timeoutMs);
      }
      this.send(decorate(request, this.core));
    } catch (error) {
      this.finish({ cause: 'transport-error', reason: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Cancels before a final response (section 9.1); waits for a provisional if none arrived yet. */
  cancel(): void {
    if (this.current !== 'calling' && this.current !== 'proceeding') return;
    this.cancelRequested = true;
    this.current = 'cancelling';
    if (this.provisionalSeen) this.sendCancel();
  }

  private send(request: SipRequest): void {
    const hop = this.hopForInvite as NextHop;
    this.invite = request;
    const tx = this.core.startTransaction(request, hop) as InviteClientTransaction;
    this.transaction = tx;
    tx.on('response', (response) => {
      if (this.transaction === tx) this.onResponse(response);
    });
    tx.on('timeout', () => {
      if (this.transaction === tx) this.finish({ cause: 'timeout', status: 408, reason: 'Request Timeout' });
    });
    tx.on('transportError', (error) => {
      if (this.transaction === tx) this.finish({ cause: 'transport-error', reason: error.message });
    });
  }

  private sendCancel(): void {
    const invite = this.invite;
    const hop = this.hopForInvite;
    if (!invite || !hop) return;
    const headers = new SipHeaders();
    headers.append('Via', invite.headers.get('Via') ?? '');
    headers.append('Max-Forwards', '70');
    for (const route of invite.headers.getAll('Route')) headers.append('Route', route);
    headers.append('From', invite.headers.get('From') ?? '');
    headers.append('To', invite.headers.get('To') ?? '');
    headers.append('Call-ID', callIdOf(invite));
    headers.append('CSeq', `${cseqOf(invite).seq} CANCEL`);
    const cancel: SipRequest = { kind: 'request', method: 'CANCEL', uri: invite.uri, headers, body: Buffer.alloc(0) };
    this.core.request(decorate(cancel, this.core), hop).catch(() => undefined);
  }

  private onResponse(response: SipResponse): void {
    const status = response.status;
    const sdp = response.body.length > 0 ? response.body.toString() : undefined;
    if (status < 200) {
      this.provisionalSeen = true;
      if (this.current === 'calling') this.current = 'proceeding';
      if (this.cancelRequested) this.sendCancel();
      this.emit('progress', status, response.reason, sdp);
      return;
    }
    if (status < 300) {
      this.on2xx(response, sdp);
      return;
    }
    if ((status === 401 || status === 407) && this.digest && this.invite && !this.cancelRequested) {
      const auth = this.digest.authorize(this.invite, response);
      if (auth && this.hopForInvite) {
        const retry: SipRequest = { ...this.invite, headers: this.invite.headers.clone() };
        retry.headers.replaceFirst('Via', this.core.via(this.hopForInvite));
        retry.headers.set('CSeq', `${cseqOf(this.invite).seq + 1} INVITE`);
        retry.headers.delete('Authorization').delete('Proxy-Authorization');
        for (const a of auth) retry.headers.append(a.header, a.value);
        this.provisionalSeen = false;
        this.send(retry);
        return;
      }
    }
    this.finish({ cause: this.cancelRequested && status === 487 ? 'cancelled' : 'rejected', status, reason: response.reason });
  }

  private on2xx(response: SipResponse, sdp: string | undefined): void {
    const invite = this.invite as SipRequest;
    const hop = this.hopForInvite as NextHop;
    const remoteTag = tagOf(toOf(response));
    if (this.dialog) {
      // Retransmission (same tag): re-ACK. Another fork (section 13.2.2.4): ACK then BYE it.
      const fork = this.dialog.id.remoteTag === remoteTag ? undefined : Dialog.asUac(invite, response);
      const dialog = fork ?? this.dialog;
      this.ack(dialog, invite, hop);
      if (fork) {
        const bye = decorate(fork.createRequest('BYE', { via: this.core.via(hop) }), this.core);
        this.core.request(bye, hop).catch(() => undefined);
      }
      return;
    }
    const dialog = Dialog.asUac(invite, response);
    this.dialog = dialog;
    this.core.registerDialog(dialog, this);
    this.ack(dialog, invite, hop);
    this.clearTimeout();
    if (this.cancelRequested) {
      // The 2xx crossed our CANCEL: the call exists, so end it with BYE (section 9.1).
      this.current = 'answered';
      void this.bye().catch(() => undefined);
      return;
    }
    this.current = 'answered';
    this.remoteSdp = sdp;
    if (sdp) {
      try {
        const result = processAnswer(parseSdp(this.localSdp ?? ''), parseSdp(sdp));
        if (result.ok) this.negotiated = result.negotiated;
      } catch {
        // An unreadable answer leaves `negotiated` unset; the app sees the raw SDP.
      }
    }
    this.emit('answered', sdp);
  }

  /** Called by the UA for a 2xx that arrives after the transaction ended. */
  receiveStray2xx(response: SipResponse): void {
    if (this.invite && this.hopForInvite && this.dialog && tagOf(toOf(response)) === this.dialog.id.remoteTag) {
      this.ack(this.dialog, this.invite, this.hopForInvite);
    }
  }

  private ack(dialog: Dialog, invite: SipRequest, hop: NextHop): void {
    const ack = dialog.createRequest('ACK', { via: this.core.via(hop) }, cseqOf(invite).seq);
    this.core.sendStateless(decorate(ack, this.core), hop);
  }

  private finish(end: { cause: 'timeout' | 'transport-error' | 'rejected' | 'cancelled'; status?: number; reason?: string }): void {
    this.clearTimeout();
    this.current = 'terminated';
    this.end(end);
  }

  private clearTimeout(): void {
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    this.timeout = undefined;
  }

  protected override end(end: Parameters<Call['end']>[0]): void {
    this.clearTimeout();
    this.current = 'terminated';
    super.end(end);
  }
}
