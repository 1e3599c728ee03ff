/** Dialogs (RFC 3261 section 12): identity, sequence numbers, route set and remote target. */
import { SipHeaders } from '../message/headers.js';
import { formatNameAddr, parseNameAddr, tagOf, type NameAddr } from '../message/name-addr.js';
import { callIdOf, contactUriOf, cseqOf, fromOf, routesOf, toOf, type SipRequest, type SipResponse } from '../message/message.js';
import { formatUri, type Uri } from '../message/uri.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** Map key for a dialog id. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}|${id.localTag}|${id.remoteTag}`;
}

export class DialogStateError extends Error {
  override readonly name = 'DialogStateError';
  readonly code = 'illegal-transition' as const;
}

const TRANSITIONS: Record<DialogState, readonly DialogState[]> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

/** Methods that refresh the remote target (section 12.2; RFC 3311 UPDATE). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export interface DialogInit {
  id: DialogId;
  state: DialogState;
  localSeq: number;
  remoteSeq: number | undefined;
  local: NameAddr;
  remote: NameAddr;
  remoteTarget: Uri;
  /** Route header values, in the order they go into requests. */
  routeSet: string[];
  secure: boolean;
}

export interface InDialogRequestOptions {
  /** Top Via for the new request (fresh branch). */
  via: string;
  contact?: string;
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer;
  contentType?: string;
}

export class Dialog {
  readonly id: DialogId;
  localSeq: number;
  remoteSeq: number | undefined;
  readonly local: NameAddr;
  readonly remote: NameAddr;
  remoteTarget: Uri;
  routeSet: string[];
  readonly secure: boolean;
  private current: DialogState;

  constructor(init: DialogInit) {
    this.id = init.id;
    this.current = init.state;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.local = init.local;
    this.remote = init.remote;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
  }

  /**
   * UAC side (section 12.1.2), from the request and a 1xx-with-tag or 2xx response: route set is
   * the Record-Route reversed, remote target the response Contact.
   */
  static asUac(request: SipRequest, response: SipResponse): Dialog {
    const remote = toOf(response);
    const remoteTag = tagOf(remote);
    const local = fromOf(request);
    const localTag = tagOf(local);
    if (remoteTag === undefined || localTag === undefined) throw new DialogStateError('dialog needs both tags');
    const routeSet = routesOf(response, 'Record-Route').map(formatNameAddr).reverse();
    return new Dialog({
      id: { callId: callIdOf(request), localTag, remoteTag },
      state: response.status >= 200 ? 'confirmed' : 'early',
      localSeq: cseqOf(request).seq,
      remoteSeq: undefined,
      local,
      remote,
      remoteTarget: contactUriOf(response) ?? request.uri,
      routeSet,
      secure: request.uri.scheme === 'sips',
    });
  }

  /** UAS side (section 12.1.1): route set is the Record-Route in order, target the request Contact. */
  static asUas(request: SipRequest, localTag: string, state: DialogState = 'early'): Dialog {
    const remote = fromOf(request);
    const remoteTag = tagOf(remote) ?? '';
    const local = toOf(request);
    local.params.set('tag', localTag);
    return new Dialog({
      id: { callId: callIdOf(request), localTag, remoteTag },
      state,
      localSeq: 0,
      remoteSeq: cseqOf(request).seq,
      local,
      remote,
      remoteTarget: contactUriOf(request) ?? fromOf(request).uri,
      routeSet: routesOf(request, 'Record-Route').map(formatNameAddr),
      secure: request.uri.scheme === 'sips',
    });
  }

  get state(): DialogState {
    return this.current;
  }

  get key(): string {
    return dialogKey(this.id);
  }

  confirm(): void {
    if (this.current === 'confirmed') return;
    this.move('confirmed');
  }

  terminate(): void {
    if (this.current === 'terminated') return;
    this.move('terminated');
  }

  private move(to: DialogState): void {
    if (!TRANSITIONS[this.current].includes(to)) throw new DialogStateError(`illegal dialog transition ${this.current} -> ${to}`);
    this.current = to;
  }

  /**
   * Builds an in-dialog request (section 12.2.1.1). CSeq increments except for ACK (which reuses
   * the INVITE's number; pass it via `ackForSeq`). Loose routing puts the remote target in the
   * Request-URI; a strict first route becomes the Request-URI and the target goes last.
   */
  createRequest(method: string, options: InDialogRequestOptions, ackForSeq?: number): SipRequest {
    if (this.current === 'terminated' && method !== 'ACK') throw new DialogStateError(`dialog terminated; cannot send ${method}`);
    let seq: number;
    if (method === 'ACK') {
      seq = ackForSeq ?? this.localSeq;
    } else {
      this.localSeq += 1;
      seq = this.localSeq;
    }
    let uri = this.remoteTarget;
    let routes = [...this.routeSet];
    const first = routes[0] === undefined ? undefined : parseNameAddr(routes[0]);
    if (first && first.uri.kind === 'sip' && !first.uri.params.has('lr')) {
      // Strict routing (section 12.2.1.1): the first route becomes the Request-URI.
      uri = first.uri;
      routes = [...routes.slice(1), `<${formatUri(this.remoteTarget)}>`];
    }
    const headers = new SipHeaders();
    headers.append('Via', options.via);
    headers.append('Max-Forwards', '70');
    for (const route of routes) headers.append('Route', route);
    headers.append('From', formatNameAddr(this.local));
    headers.append('To', formatNameAddr(this.remote));
    headers.append('Call-ID', this.id.callId);
    headers.append('CSeq', `${seq} ${method}`);
    if (options.contact !== undefined) headers.append('Contact', options.contact);
    for (const [name, value] of options.headers ?? []) headers.append(name, value);
    const body = options.body ?? Buffer.alloc(0);
    if (body.length > 0 && options.contentType) headers.set('Content-Type', options.contentType);
    return { kind: 'request', method, uri, headers, body };
  }

  /**
   * Checks and records an incoming in-dialog request (section 12.2.2). Returns false when the
   * CSeq is lower than the last one seen: the UAS must answer 500.
   */
  receiveRequest(request: SipRequest): boolean {
    const seq = cseqOf(request).seq;
    if (request.method !== 'ACK' && request.method !== 'CANCEL') {
      if (this.remoteSeq !== undefined && seq < this.remoteSeq) return false;
      this.remoteSeq = seq;
    }
    if (TARGET_REFRESH.has(request.method)) {
      const target = contactUriOf(request);
      if (target) this.remoteTarget = target;
    }
    return true;
  }

  /** Section 12.2.1.2: a 2xx to a target-refresh request updates the remote target. */
  receiveResponse(request: SipRequest, response: SipResponse): void {
    if (response.status >= 200 && response.status < 300 && TARGET_REFRESH.has(request.method)) {
      const target = contactUriOf(response);
      if (target) this.remoteTarget = target;
    }
  }
}
