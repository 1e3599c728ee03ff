import { networkInterfaces } from 'node:os';
import type { Pipe } from '@unpod/protocol';
import { DigestServer, SipUserAgent, TcpTransport, UdpTransport, type SipTransport } from '@unpod/sip';
import type { SipConfig } from '../config.js';
import type { CallRecord } from '../control/store/repos/calls.js';
import type { Store } from '../control/store/store.js';
import type { Logger } from '../logger.js';
import { MediaTicker } from '../transports/sip/media-ticker.js';
import type { RtpMediaOptions } from '../transports/sip/rtp-media.js';
import type { TransferContext } from '../transports/sip/transfer.js';
import type { CallVoice, CallVoiceContext } from '../transports/sip/voice.js';
import { TrunkSlots, type CallLauncher, type TelephonyContext } from './context.js';
import { Dialer, trunkTarget } from './dialer.js';
import { InboundCalls } from './inbound.js';
import { InboundRouter } from './inbound-router.js';
import { OutboundCalls } from './outbound.js';
import { TrunkRegistrations } from './registrations.js';
import { TrunkDirectory } from './trunk-directory.js';
import type { TelephonyTrunk } from './trunk-matcher.js';

export const DEFAULT_HOLDING_ANNOUNCEMENT = 'Sorry, nobody can take your call right now. Please call again later. Goodbye.';

export interface TelephonyOptions {
  sip: SipConfig;
  nodeId: string;
  store: Store;
  logger: Logger;
  launcher: CallLauncher;
  createVoice(call: CallRecord, pipe: Pipe | undefined, context: CallVoiceContext): Promise<CallVoice>;
  holdingAnnouncement?: string;
  mediaOptions?: RtpMediaOptions;
  /** Digest realm of inbound trunk authentication. Default `unpod`. */
  realm?: string;
}

/** Thrown when the SIP port cannot be bound; `code` tells a busy port from other failures. */
export class SipStartError extends Error {
  override readonly name = 'SipStartError';
  constructor(
    readonly code: 'port_in_use' | 'bind_failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Telephony on this node: one SIP user agent on UDP and TCP, the shared media ticker, inbound
 * routing (trunk by source address and/or digest, number to pipe) and outbound dialling through
 * trunks. Calls run through the orchestrator (`CallLauncher`) over `SipTransport`.
 */
/** How often trunks are checked for `register: true` (new trunks, edits); refreshes are per binding. */
const REGISTRATION_SYNC_MS = 30_000;

export class TelephonyService {
  private closed = false;
  private registrationTimer: NodeJS.Timeout | null = null;

  private constructor(
    readonly ua: SipUserAgent,
    readonly udpPort: number,
    readonly tcpPort: number,
    readonly publicAddress: string,
    readonly ticker: MediaTicker,
    private readonly outbound: OutboundCalls,
    private readonly registrations: TrunkRegistrations,
    private readonly store: Store,
    private readonly trunkSlots: TrunkSlots,
    private readonly logger: Logger,
  ) {}

  static async start(options: TelephonyOptions): Promise<TelephonyService> {
    const { sip, store } = options;
    const logger = options.logger.child({ component: 'telephony' });
    const transports = await openTransports(sip.bindAddress, sip.port);
    const publicAddress = sip.publicAddress ?? advertisedAddress(sip.bindAddress);
    const udp = transports[0]!;
    const tcp = transports[1]!;
    const ua = new SipUserAgent({ transports, host: publicAddress, userAgentName: 'Unpod' });
    const ticker = new MediaTicker({ onError: (err) => logger.error({ err }, 'media tick failed; the call media was dropped') });
    const digest = new DigestServer({ realm: options.realm ?? 'unpod', algorithms: ['MD5', 'SHA-256'] });
    const rtpPorts = { min: sip.rtpPortMin, max: sip.rtpPortMax };
    const dialer = new Dialer({ ua, mediaAddress: publicAddress, bindAddress: sip.bindAddress, rtpPorts, logger });
    const answerTimeoutMs = sip.answerTimeoutS * 1000;
    const trunkSlots = new TrunkSlots();
    const directory = new TrunkDirectory({ load: () => store.trunks.all() });
    const transfersFor = (trunk: TelephonyTrunk): TransferContext => ({
      referUri: (e164) => trunkTarget(trunk, e164),
      referTimeoutMs: answerTimeoutMs + 10_000,
      dialTarget: async (target, events, signal) => {
        const result = await dialer.dial({ trunk, to: target, from: trunk.outbound_caller_id, answerTimeoutMs, mediaEvents: events, signal });
        return result.ok ? { ok: true, leg: { call: result.call, media: result.media } } : { ok: false, failure: result.failure, detail: result.detail };
      },
    });
    const ctx: TelephonyContext = {
      store,
      logger,
      nodeId: options.nodeId,
      digest,
      ticker,
      mediaAddress: publicAddress,
      bindAddress: sip.bindAddress,
      rtpPorts,
      mediaOptions: options.mediaOptions ?? {},
      trunkSlots,
      launcher: options.launcher,
      createVoice: options.createVoice,
      holdingAnnouncement: options.holdingAnnouncement ?? DEFAULT_HOLDING_ANNOUNCEMENT,
      transfersFor,
      recordEvent: (callId, type, data) => {
        store.calls.addEvent(callId, type, data).catch((err: unknown) => logger.error({ err, call_id: callId }, 'recording a call event failed'));
      },
    };
    const router = new InboundRouter({
      candidates: (source, options) => directory.candidates(source, options),
      findNumber: (e164) => store.numbers.findByE164(e164),
      findPipe: (spaceId, pipeId) => store.pipes.get(spaceId, pipeId),
      digest,
      hasCapacity: (trunk) => trunkSlots.hasRoom(trunk),
    });
    const inbound = new InboundCalls(ctx, router);
    const registrations = new TrunkRegistrations(ua, logger);
    const outbound = new OutboundCalls(ctx, dialer, registrations, answerTimeoutMs);
    ua.on('incomingCall', (call) => inbound.handle(call));
    ua.on('invalidMessage', (error, source) => logger.debug({ reason: error.reason, protocol: source.protocol }, 'malformed SIP message'));
    ua.on('error', (err) => logger.warn({ err }, 'SIP transport error'));
    const service = new TelephonyService(ua, udp.local.port, tcp.local.port, publicAddress, ticker, outbound, registrations, store, trunkSlots, logger);
    service.syncRegistrations();
    service.registrationTimer = setInterval(() => service.syncRegistrations(), REGISTRATION_SYNC_MS);
    service.registrationTimer.unref();
    logger.info({ udp_port: service.udpPort, tcp_port: service.tcpPort, address: publicAddress }, 'SIP listening');
    return service;
  }

  /** Registers trunks that ask for it and are not registered (or changed since); errors are logged. */
  private syncRegistrations(): void {
    if (this.closed) return;
    this.store.trunks
      .all()
      .then((trunks) => this.registrations.ensureAll(trunks))
      .catch((err: unknown) => this.logger.warn({ err }, 'trunk registration sync failed'));
  }

  /** Dials an outbound `transport: "sip"` call in the background. */
  launchOutbound(record: CallRecord, pipe: Pipe | undefined): void {
    if (this.closed) {
      void this.fail(record, 'server_shutdown');
      return;
    }
    this.outbound.start(record, pipe);
  }

  /** Hangs up a call still being dialled; false when it is not (the orchestrator owns it then). */
  cancelOutbound(callId: string): Promise<boolean> {
    return this.outbound.cancel(callId);
  }

  /**
   * Stops dialling and registrations, gives calls the orchestrator has ended a moment to hang up
   * (BYE, last RTP stats), then closes the SIP sockets.
   */
  async close(drainMs = 3000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.registrationTimer) clearInterval(this.registrationTimer);
    await this.outbound.cancelAll();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.trunkSlots.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)))]);
    clearTimeout(timer);
    this.registrations.close();
    this.ticker.close();
    await this.ua.close();
  }

  private async fail(record: CallRecord, reason: 'server_shutdown'): Promise<void> {
    await this.store.calls
      .finish(record.id, reason, { code: reason, message: 'the server is shutting down' })
      .catch((err: unknown) => this.logger.error({ err }, 'finishing a call failed'));
  }
}

/** UDP and TCP on the same port number when it is free on both (port 0: UDP picks, TCP follows). */
async function openTransports(address: string, port: number): Promise<[SipTransport, SipTransport]> {
  let udp: UdpTransport;
  try {
    udp = await UdpTransport.open({ address, port });
  } catch (err) {
    throw bindError(err, 'UDP', address, port);
  }
  try {
    const tcp = await TcpTransport.listen({ address, port: udp.local.port }).catch(async (err: unknown) => {
      if (port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') return TcpTransport.listen({ address, port: 0 });
      throw err;
    });
    return [udp, tcp];
  } catch (err) {
    await udp.close();
    throw bindError(err, 'TCP', address, port);
  }
}

function bindError(err: unknown, protocol: string, address: string, port: number): SipStartError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new SipStartError('port_in_use', `SIP port ${port}/${protocol.toLowerCase()} on ${address} is already in use (another SIP server? try --sip-port 0 or --sip-port off)`);
  return new SipStartError('bind_failed', `cannot open SIP ${protocol} on ${address}:${port}: ${err instanceof Error ? err.message : String(err)}`);
}

/** The address peers can reach: the bind address, or this machine's first external IPv4 for a wildcard bind. */
export function advertisedAddress(bindAddress: string): string {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::') return bindAddress;
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) return info.address;
  }
  return '127.0.0.1';
}
