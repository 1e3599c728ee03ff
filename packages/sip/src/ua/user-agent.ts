/**
 * The user agent core (RFC 3261 section 8 and 13-15): routes requests to calls and dialogs,
 * answers OPTIONS, rejects what it cannot handle with the right status, and owns transports.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DigestClient, type DigestCredentials } from '../auth/digest-client.js';
import { type Dialog, dialogKey } from '../dialog/dialog.js';
import { createRequest, createResponse, newBranch } from '../message/builders.js';
import { type SipParseError } from '../message/errors.js';
import { parseNameAddr, tagOf } from '../message/name-addr.js';
import { callIdOf, contentTypeOf, cseqOf, fromOf, toOf, tokensOf, topViaOf, type SipMessage, type SipRequest, type SipResponse } from '../message/message.js';
import { hostToAddress, parseUri, type Uri } from '../message/uri.js';
import { formatVia, parseVia } from '../message/via.js';
import { type InviteServerTransaction, type ServerTransaction } from '../transaction/server-transactions.js';
import { TransactionLayer, type ClientTransaction } from '../transaction/transaction-layer.js';
import { type TimerConfig } from '../transaction/timers.js';
import { TcpTransport } from '../transport/tcp-transport.js';
import { responseDestination, type Endpoint, type MessageSource, type SipTransport, type TransportProtocol } from '../transport/transport.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { Emitter } from '../util/emitter.js';
import { ALLOW } from './call.js';
import { decorate, SipRequestError, type DialogOwner, type NextHop, type UaCore } from './core.js';
import { IncomingCall } from './incoming-call.js';
import { OutgoingCall, type InviteOptions } from './outgoing-call.js';
import { Registration, type RegistrationOptions } from './registration.js';

export interface SipUserAgentOptions {
  /** Opened transports; the first one is the default for outgoing requests. */
  transports: SipTransport[];
  /** Address advertised in Via and Contact (must be reachable by peers). */
  host: string;
  /** User part of our Contact. Default `unpod`. */
  user?: string;
  userAgentName?: string;
  timers?: Partial<TimerConfig>;
  /** Send every out-of-dialog request here instead of resolving the Request-URI (trunk proxy). */
  outboundProxy?: Endpoint & { protocol?: TransportProtocol };
}

export interface CreateUserAgentOptions extends Omit<SipUserAgentOptions, 'transports'> {
  bindAddress?: string;
  /** UDP port; 0 picks a free one. Default 5060. */
  udpPort?: number;
  /** Also listen on TCP at this port (0 = free port). */
  tcpPort?: number;
}

export interface UserAgentEvents {
  [event: string]: (...args: never[]) => void;
  /** A new incoming call; call ringing()/answer()/reject() on it. Without listeners: 480. */
  incomingCall: (call: IncomingCall) => void;
  /** Messages we could not parse (already answered with 400/505 when possible). */
  invalidMessage: (error: SipParseError, source: MessageSource) => void;
  error: (error: Error) => void;
}

/** Option tags we support (RFC 3261 section 8.2.2.3 answers others with 420). */
const SUPPORTED = new Set(['replaces', 'norefersub']);
const KNOWN_SCHEMES = new Set(['sip', 'sips', 'tel']);

export class SipUserAgent extends Emitter<UserAgentEvents> implements UaCore {
  readonly layer: TransactionLayer;
  readonly userAgentName: string;
  private readonly dialogs = new Map<string, { dialog: Dialog; owner: DialogOwner }>();
  private readonly pendingInvites = new Map<InviteServerTransaction, IncomingCall>();
  private readonly registrations = new Set<Registration>();
  private readonly calls = new Set<IncomingCall | OutgoingCall>();
  private readonly unsubscribe: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: SipUserAgentOptions) {
    super();
    if (options.transports.length === 0) throw new RangeError('at least one transport is required');
    this.userAgentName = options.userAgentName ?? 'Unpod-SIP/0.1';
    this.layer = new TransactionLayer({ timers: options.timers });
    for (const transport of options.transports) {
      this.unsubscribe.push(
        transport.on('message', (message, source) => this.onMessage(message, source, transport)),
        transport.on('invalid', (error, source, raw) => this.onInvalid(error, source, raw, transport)),
        transport.on('error', (error) => this.emit('error', error)),
      );
    }
    this.layer.on('request', (request, tx, source) => this.onRequest(request, tx, source));
    this.layer.on('cancel', (cancel, tx, invite) => this.onCancel(cancel, tx, invite));
    this.layer.on('strayResponse', (response) => this.onStrayResponse(response));
  }

  /** Opens UDP (and optionally TCP) transports and returns a running user agent. */
  static async create(options: CreateUserAgentOptions): Promise<SipUserAgent> {
    const transports: SipTransport[] = [await UdpTransport.open({ address: options.bindAddress, port: options.udpPort ?? 5060 })];
    if (options.tcpPort !== undefined) transports.push(await TcpTransport.listen({ address: options.bindAddress, port: options.tcpPort }));
    return new SipUserAgent({ ...options, transports });
  }

  get timers(): TimerConfig {
    return this.layer.timers;
  }

  /** Local endpoint of the transport for `protocol` (default the first). */
  localEndpoint(protocol?: TransportProtocol): Endpoint {
    const transport = this.options.transports.find((t) => protocol === undefined || t.protocol === protocol) ?? this.options.transports[0];
    return { address: this.options.host, port: (transport as SipTransport).local.port };
  }

  /** Places a call; listen to `progress`, `answered` and `terminated` on the result. */
  invite(target: string | Uri, options: InviteOptions): OutgoingCall {
    const endpoint = this.localEndpoint();
    const call = new OutgoingCall(this, target, options, `sip:${this.options.user ?? 'unpod'}@${this.options.host}:${endpoint.port}`);
    this.track(call);
    void call.start();
    return call;
  }

  /** Creates a registration; call `register()` on it to start. */
  registration(options: RegistrationOptions): Registration {
    const registration = new Registration(this, options);
    this.registrations.add(registration);
    return registration;
  }

  /** Out-of-dialog OPTIONS (keepalive/health check of a trunk). */
  async ping(target: string): Promise<SipResponse> {
    const uri = parseUri(target);
    const hop = await this.resolve(uri);
    const request = createRequest({
      method: 'OPTIONS', uri, via: this.via(hop), from: `<sip:${this.options.user ?? 'unpod'}@${this.options.host}>;tag=${newBranch().slice(7, 17)}`,
      to: `<${target}>`, callId: `${newBranch().slice(7)}@${this.options.host}`, cseq: 1, headers: [['Accept', 'application/sdp']],
    });
    return this.request(decorate(request, this), hop);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const registration of this.registrations) registration.close();
    for (const call of this.calls) {
      if (!call.isTerminated && call.dialog?.state === 'confirmed') await call.bye().catch(() => undefined);
    }
    for (const off of this.unsubscribe) off();
    this.layer.clear();
    await Promise.all(this.options.transports.map((t) => t.close()));
    this.removeAllListeners();
  }

  // ---- UaCore -------------------------------------------------------------------------------

  via(hop: NextHop): string {
    return `SIP/2.0/${hop.transport.protocol.toUpperCase()} ${this.hostPort(hop.transport)};branch=${newBranch()};rport`;
  }

  contact(hop: NextHop): string {
    const transport = hop.transport.protocol === 'udp' ? '' : `;transport=${hop.transport.protocol}`;
    return `<sip:${this.options.user ?? 'unpod'}@${this.hostPort(hop.transport)}${transport}>`;
  }

  async resolve(uri: Uri, routes: readonly string[] = []): Promise<NextHop> {
    let target = uri;
    const firstRoute = routes[0];
    if (firstRoute !== undefined) target = parseNameAddr(firstRoute).uri;
    const proxy = this.options.outboundProxy;
    if (proxy && routes.length === 0) {
      return { destination: { address: proxy.address, port: proxy.port }, transport: this.transportFor(proxy.protocol ?? 'udp') };
    }
    if (target.kind !== 'sip') throw new SipRequestError('transport-error', `cannot route to a ${target.scheme} URI without an outbound proxy`);
    const maddr = target.params.get('maddr');
    const host = hostToAddress(maddr ?? target.host);
    const protocol = (target.params.get('transport') ?? 'udp').toLowerCase() as TransportProtocol;
    const address = isIP(host) ? host : (await lookup(host)).address;
    return { destination: { address, port: target.port ?? (target.scheme === 'sips' ? 5061 : 5060) }, transport: this.transportFor(protocol) };
  }

  startTransaction(request: SipRequest, hop: NextHop): ClientTransaction {
    return this.layer.sendRequest(request, hop.destination, hop.transport);
  }

  sendStateless(message: SipMessage, hop: NextHop): void {
    hop.transport.send(message, hop.destination).catch((error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error))));
  }

  async request(request: SipRequest, hop: NextHop, credentials?: DigestCredentials): Promise<SipResponse> {
    const digest = credentials ? new DigestClient(credentials) : undefined;
    let current = request;
    for (;;) {
      const response = await this.finalResponse(current, hop);
      if ((response.status !== 401 && response.status !== 407) || !digest) return response;
      const auth = digest.authorize(current, response);
      if (!auth) return response;
      const retry: SipRequest = { ...current, headers: current.headers.clone() };
      retry.headers.replaceFirst('Via', this.via(hop));
      retry.headers.set('CSeq', `${cseqOf(current).seq + 1} ${current.method}`);
      retry.headers.delete('Authorization').delete('Proxy-Authorization');
      for (const a of auth) retry.headers.append(a.header, a.value);
      current = retry;
    }
  }

  registerDialog(dialog: Dialog, owner: DialogOwner): void {
    this.dialogs.set(dialog.key, { dialog, owner });
  }

  unregisterDialog(dialog: Dialog): void {
    this.dialogs.delete(dialog.key);
  }

  // ---- inbound ------------------------------------------------------------------------------

  private onMessage(message: SipMessage, source: MessageSource, transport: SipTransport): void {
    try {
      this.layer.receive(message, source, transport);
    } catch (error) {
      // Header values were validated by the parser; anything else is a bug worth surfacing.
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
    }
  }

  private onRequest(request: SipRequest, tx: ServerTransaction | undefined, source: MessageSource): void {
    const respond = (response: SipResponse): void => {
      if (!tx) return;
      try {
        tx.respond(response);
      } catch {
        // The transaction moved on (e.g. 2xx retransmission after Timer L): send statelessly.
        const transport = this.options.transports.find((t) => t.protocol === source.protocol) ?? (this.options.transports[0] as SipTransport);
        this.sendStateless(response, { destination: responseDestination(topViaOf(request), source), transport });
      }
    };
    const toTag = tagOf(toOf(request));
    if (toTag !== undefined) {
      const key = dialogKey({ callId: callIdOf(request), localTag: toTag, remoteTag: tagOf(fromOf(request)) ?? '' });
      const entry = this.dialogs.get(key);
      if (entry) {
        entry.owner.receiveInDialog(request, tx ? respond : undefined);
      } else if (tx) {
        respond(createResponse(request, 481));
      }
      return;
    }
    if (!tx) return; // ACK for a response we never sent a 2xx for: drop (section 17.2.3).
    if (!KNOWN_SCHEMES.has(request.uri.scheme)) {
      respond(createResponse(request, 416));
      return;
    }
    const unsupported = tokensOf(request, 'Require').filter((tag) => !SUPPORTED.has(tag.toLowerCase()));
    if (unsupported.length > 0 && request.method !== 'CANCEL' && request.method !== 'ACK') {
      respond(createResponse(request, 420, { headers: [['Unsupported', unsupported.join(', ')]] }));
      return;
    }
    switch (request.method) {
      case 'INVITE':
        this.onInvite(request, tx as InviteServerTransaction, respond, source);
        return;
      case 'OPTIONS':
        respond(createResponse(request, 200, { toTag: newBranch().slice(7, 17), headers: [['Allow', ALLOW], ['Accept', 'application/sdp'], ['Supported', [...SUPPORTED].join(', ')]] }));
        return;
      case 'BYE':
      case 'INFO':
      case 'NOTIFY':
      case 'REFER':
        respond(createResponse(request, 481));
        return;
      case 'REGISTER':
      case 'SUBSCRIBE':
      case 'MESSAGE':
      case 'UPDATE':
      case 'PRACK':
      case 'PUBLISH':
        respond(createResponse(request, 405, { headers: [['Allow', ALLOW]] }));
        return;
      default:
        respond(createResponse(request, 501, { headers: [['Allow', ALLOW]] }));
    }
  }

  private onInvite(request: SipRequest, tx: InviteServerTransaction, respond: (r: SipResponse) => void, source: MessageSource): void {
    const type = contentTypeOf(request);
    if (request.body.length > 0 && type !== 'application/sdp') {
      respond(createResponse(request, 415, { headers: [['Accept', 'application/sdp']] }));
      return;
    }
    if (this.listenerCount('incomingCall') === 0) {
      respond(createResponse(request, 480));
      return;
    }
    const transport = this.options.transports.find((t) => t.protocol === source.protocol) ?? (this.options.transports[0] as SipTransport);
    const call = new IncomingCall(this, request, respond, this.contact({ destination: source, transport }));
    this.pendingInvites.set(tx, call);
    tx.onTerminated(() => this.pendingInvites.delete(tx));
    call.on('terminated', () => this.pendingInvites.delete(tx));
    this.track(call);
    this.emit('incomingCall', call);
  }

  private onCancel(cancel: SipRequest, tx: ServerTransaction, invite: InviteServerTransaction | undefined): void {
    const call = invite ? this.pendingInvites.get(invite) : undefined;
    if (!invite || !call) {
      tx.respond(createResponse(cancel, 481));
      return;
    }
    tx.respond(createResponse(cancel, 200));
    call.cancelledByRemote();
  }

  private onStrayResponse(response: SipResponse): void {
    if (response.status < 200 || response.status >= 300 || cseqOf(response).method !== 'INVITE') return;
    const key = dialogKey({ callId: callIdOf(response), localTag: tagOf(fromOf(response)) ?? '', remoteTag: tagOf(toOf(response)) ?? '' });
    this.dialogs.get(key)?.owner.receiveStray2xx?.(response);
  }

  /** RFC 3261 section 8.2 / 16.3 and RFC 4475: answer malformed requests with 400 (505 for versions) when we can. */
  private onInvalid(error: SipParseError, source: MessageSource, _raw: Buffer, transport: SipTransport): void {
    this.emit('invalidMessage', error, source);
    const partial = error.partial;
    if (!partial || partial.method === 'ACK') return;
    const headers = partial.headers;
    if (!['Via', 'From', 'To', 'Call-ID', 'CSeq'].every((name) => headers.has(name))) return;
    try {
      const via = parseVia(headers.get('Via') as string);
      const status = error.reason === 'unsupported-version' ? 505 : 400;
      const fake: SipRequest = { kind: 'request', method: partial.method, uri: { kind: 'absolute', scheme: 'x', opaque: 'x' }, headers, body: Buffer.alloc(0) };
      const response = createResponse(fake, status, { reason: status === 400 ? `Bad Request (${error.reason})` : undefined });
      if (status === 505) {
        // Our response speaks 2.0 whatever the Via claimed.
        via.protocolVersion = '2.0';
        response.headers.replaceFirst('Via', formatVia(via));
      }
      const destination = source.protocol === 'udp' ? { address: source.address, port: source.port } : responseDestination(via, source);
      this.sendStateless(response, { destination, transport });
    } catch {
      // Not even the Via/To is readable: drop silently, as section 18.3 allows.
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private finalResponse(request: SipRequest, hop: NextHop): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      const tx = this.startTransaction(request, hop);
      tx.on('response', (response) => {
        if (response.status >= 200) resolve(response);
      });
      tx.on('timeout', () => reject(new SipRequestError('timeout', `${request.method} timed out`)));
      tx.on('transportError', (error) => reject(new SipRequestError('transport-error', error.message)));
    });
  }

  private transportFor(protocol: TransportProtocol): SipTransport {
    const transport = this.options.transports.find((t) => t.protocol === protocol);
    if (!transport) throw new SipRequestError('transport-error', `no ${protocol} transport`);
    return transport;
  }

  private hostPort(transport: SipTransport): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `${host}:${transport.local.port}`;
  }

  private track(call: IncomingCall | OutgoingCall): void {
    this.calls.add(call);
    call.on('terminated', () => this.calls.delete(call));
  }
}

