/** REGISTER client with refresh (RFC 3261 section 10.2) for trunk registration. */
import { type DigestCredentials } from '../auth/digest-client.js';
import { createRequest, newCallId, newTag } from '../message/builders.js';
import { contactOf, cseqOf, type SipResponse } from '../message/message.js';
import { parseUri } from '../message/uri.js';
import { Emitter } from '../util/emitter.js';
import { decorate, SipRequestError, type UaCore } from './core.js';

export interface RegistrationOptions {
  /** Registrar Request-URI, e.g. `sip:pbx.example.com`. */
  registrar: string;
  /** Address of record for To/From, e.g. `sip:1000@pbx.example.com`. */
  aor: string;
  credentials?: DigestCredentials;
  /** Requested binding lifetime. Default 3600 s. */
  expiresS?: number;
  /** Refresh when this fraction of the granted lifetime has passed. Default 0.85. */
  refreshRatio?: number;
}

export interface RegistrationEvents {
  [event: string]: (...args: never[]) => void;
  registered: (grantedExpiresS: number) => void;
  failed: (status: number | undefined, reason: string) => void;
  unregistered: () => void;
}

export class Registration extends Emitter<RegistrationEvents> {
  private readonly callId = newCallId();
  private readonly fromTag = newTag();
  private cseq = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private registeredFlag = false;

  constructor(
    private readonly core: UaCore,
    private readonly options: RegistrationOptions,
  ) {
    super();
  }

  get isRegistered(): boolean {
    return this.registeredFlag;
  }

  /** Sends REGISTER and keeps refreshing; resolves with the final response. */
  async register(expiresS = this.options.expiresS ?? 3600): Promise<SipResponse> {
    const response = await this.send(expiresS);
    if (response.status === 423) {
      const min = Number(response.headers.get('Min-Expires'));
      if (Number.isFinite(min) && min > expiresS) return this.register(min);
    }
    if (response.status >= 200 && response.status < 300) {
      const granted = this.grantedExpires(response, expiresS);
      this.registeredFlag = true;
      this.emit('registered', granted);
      this.scheduleRefresh(granted);
    } else {
      this.registeredFlag = false;
      this.emit('failed', response.status, response.reason);
    }
    return response;
  }

  /** Removes the binding (Expires: 0) and stops refreshing. */
  async unregister(): Promise<SipResponse> {
    this.stopRefresh();
    const response = await this.send(0);
    this.registeredFlag = false;
    this.emit('unregistered');
    return response;
  }

  close(): void {
    this.closed = true;
    this.stopRefresh();
  }

  private async send(expiresS: number): Promise<SipResponse> {
    const registrar = parseUri(this.options.registrar);
    const hop = await this.core.resolve(registrar);
    this.cseq += 1;
    const request = createRequest({
      method: 'REGISTER',
      uri: registrar,
      via: this.core.via(hop),
      from: `<${this.options.aor}>;tag=${this.fromTag}`,
      to: `<${this.options.aor}>`,
      callId: this.callId,
      cseq: this.cseq,
      contact: this.core.contact(hop),
      headers: [['Expires', String(expiresS)]],
    });
    const response = await this.core.request(decorate(request, this.core), hop, this.options.credentials);
    // Auth retries consumed CSeq numbers; continue after the last one (section 10.2.4).
    this.cseq = Math.max(this.cseq, cseqOf(response).seq);
    return response;
  }

  private grantedExpires(response: SipResponse, requested: number): number {
    try {
      const contact = contactOf(response);
      const ours = contact && !contact.wildcard ? contact.contacts.find((c) => c.params.has('expires')) : undefined;
      const fromContact = Number(ours?.params.get('expires'));
      if (Number.isFinite(fromContact) && fromContact > 0) return fromContact;
    } catch {
      // Fall through to the Expires header.
    }
    const header = Number(response.headers.get('Expires'));
    return Number.isFinite(header) && header > 0 ? header : requested;
  }

  private scheduleRefresh(grantedS: number): void {
    this.stopRefresh();
    if (this.closed || grantedS <= 0) return;
    const delayMs = Math.max(1000, grantedS * 1000 * (this.options.refreshRatio ?? 0.85));
    this.refreshTimer = setTimeout(() => {
      this.register().catch((error: unknown) => {
        this.registeredFlag = false;
        this.emit('failed', undefined, error instanceof SipRequestError ? error.code : String(error));
      });
    }, delayMs);
  }

  private stopRefresh(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }
}
