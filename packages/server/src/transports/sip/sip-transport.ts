import { CLOSE_CODES, type CallEndReason, type CallState, type TurnMetrics } from '@unpod/protocol';
import { IncomingCall, type CallEnd, type InfoDtmf } from '@unpod/sip';
import type { Logger } from '../../logger.js';
import type { CallTransport, TransferRequest, TransportSink } from '../transport.js';
import type { SipLeg } from './leg.js';
import type { MediaTicker } from './media-ticker.js';
import type { RtpMedia, RtpMediaEvents } from './rtp-media.js';
import { RingbackTone } from './tones.js';
import { outcomeOfDialFailure, referTransfer, type TransferContext, type TransferResult } from './transfer.js';
import type { CallVoice, CallVoiceContext } from './voice.js';
import { metrics } from '../../ops/metrics.js';

/** Where caller audio goes and where agent audio comes from. */
type Route = 'agent' | 'transferring' | 'bridged' | 'closed';

/** End reasons after which the caller hears the holding announcement before the hangup. */
const HOLDING_REASONS: ReadonlySet<CallEndReason> = new Set(['no_worker_available', 'pairing_timeout', 'runner_lost', 'error']);

/** Longest a holding or transfer announcement may take before the call moves on. */
const ANNOUNCEMENT_LIMIT_MS = 20_000;

export interface SipTransportOptions {
  callId: string;
  /** The caller (inbound) or callee (outbound) leg. Inbound legs are answered when the runner is ready. */
  leg: SipLeg;
  /** Inbound: the SDP answer for the 200 OK. */
  answerSdp?: string;
  createVoice(context: CallVoiceContext): Promise<CallVoice>;
  ticker: MediaTicker;
  logger: Logger;
  /** Adds an event to the call's record (RTP stats, inactivity, hold, transfer legs). */
  recordEvent(type: string, data: Record<string, unknown>): void;
  /** Spoken when the call ends without an agent (no runner, runner lost). */
  holdingAnnouncement: string;
  transfers: TransferContext;
  /** Everything is released (trunk slot accounting). */
  onClosed(): void;
  /** `performance.now()` when the INVITE arrived (inbound) or was sent (outbound), for the `sip.setup` event. */
  setupStartedAtMs?: number;
}

/**
 * The SIP edge of one call (`CallTransport`): the caller's SIP leg and RTP media on one side, the
 * call's voice (speech pipeline) on the other. An inbound leg rings until the runner is paired and
 * is answered then, so the greeting follows the 200 OK at once; a call that ends without an agent
 * is answered (if it was not) for a holding announcement, then hung up with BYE. Transfers: cold
 * by REFER (RFC 3515), warm (or cold where REFER is refused) by calling the target on a second
 * leg with ringback for the caller, an announcement, and a media bridge; on failure the agent
 * resumes. The announcement of a warm transfer is spoken to the target (the caller hears it too).
 * DTMF arrives by RFC 4733 or SIP INFO and leaves by RFC 4733 or INFO.
 */
export class SipTransport implements CallTransport {
  readonly kind = 'sip' as const;
  readonly defersAgentRecord = true;
  private voice!: CallVoice;
  private sink: TransportSink | null = null;
  private readonly early: Array<(sink: TransportSink) => void> = [];
  private route: Route = 'agent';
  private answered: boolean;
  private ended = false;
  private peer: SipLeg | null = null;
  private stopTicking: (() => void) | null = null;
  private stopRingback: (() => void) | null = null;
  private transferAbort: AbortController | null = null;
  private announcing = false;
  private answeredAtMs: number | null = null;
  private firstAudioSeen = false;
  private closed: Promise<void> | null = null;
  private readonly logger: Logger;

  private constructor(private readonly options: SipTransportOptions) {
    this.logger = options.logger.child({ call_id: options.callId, transport: 'sip' });
    this.answered = !(options.leg.call instanceof IncomingCall);
    if (this.answered) this.answeredAtMs = performance.now();
  }

  /** Builds the transport and its voice; outbound (already answered) legs start their media at once. */
  static async create(options: SipTransportOptions): Promise<SipTransport> {
    const transport = new SipTransport(options);
    transport.voice = await options.createVoice({ callId: options.callId, ticker: options.ticker, sendAudio: (samples) => transport.agentAudio(samples) });
    transport.wireLeg();
    if (transport.answered) transport.startMedia();
    return transport;
  }

  get extensionEvents(): readonly string[] {
    return ['dtmf', ...this.voice.extensionEvents.filter((e) => e !== 'dtmf')];
  }

  /** Caller audio and DTMF handlers for the leg's `RtpMedia` (set before the media was created). */
  static mediaEvents(target: () => SipTransport | null): RtpMediaEvents {
    return {
      callerAudio: (samples) => target()?.onCallerAudio(samples),
      dtmf: (digit, durationMs) => target()?.onDtmf(digit, durationMs),
      inactive: (silentMs) => target()?.options.recordEvent('rtp.inactive', { silent_ms: Math.round(silentMs) }),
      resumed: (silentMs) => target()?.options.recordEvent('rtp.resumed', { silent_ms: Math.round(silentMs) }),
    };
  }

  bind(sink: TransportSink): void {
    this.sink = sink;
    this.voice.bind(sink);
    for (const deliver of this.early.splice(0)) deliver(sink);
  }

  callStarted(): void {
    if (this.ended) return;
    if (!this.answered) this.answer();
    this.voice.start();
  }

  agentDelta(utteranceId: number, text: string): void {
    this.voice.agentDelta(utteranceId, text);
  }

  agentEnd(utteranceId: number, text: string): void {
    this.voice.agentEnd(utteranceId, text);
  }

  agentSay(utteranceId: number, text: string, options?: { interruptible: boolean }): void {
    this.voice.agentSay(utteranceId, text, options);
  }

  filler(text: string): void {
    this.voice.filler(text);
  }

  interruptOutput(utteranceId: number, generatedText: string): { heardText: string } {
    return this.voice.interruptOutput(utteranceId, generatedText);
  }

  userInterrupted(utteranceId: number, heardText: string): void {
    this.voice.userInterrupted(utteranceId, heardText);
  }

  state(state: CallState): void {
    this.voice.state(state);
  }

  setHints(phrases: readonly string[]): void {
    this.voice.setHints(phrases);
  }

  setRecording(active: boolean): void {
    this.voice.setRecording(active);
  }

  drained(): Promise<void> {
    return this.voice.drained();
  }

  turnMetrics(utteranceId: number): Promise<Pick<TurnMetrics, 'stt_ms' | 'tts_ttfb_ms' | 'ttfa_ms'> | null> {
    return this.voice.turnMetrics(utteranceId);
  }

  /** Stops the speech pipeline and finishes the recording; the SIP leg stays up for `end()`. */
  release(): Promise<void> {
    return this.voice.release();
  }

  sendDtmf(digits: string): boolean {
    if (!this.answered || this.ended) return false;
    const media = this.options.leg.media;
    if (media.canSendDtmf) return media.sendDtmf(digits).ok;
    // No telephone-event negotiated: SIP INFO with application/dtmf-relay, one request per digit.
    const call = this.options.leg.call;
    void (async () => {
      for (const digit of digits) await call.sendDtmfInfo(digit).catch(() => undefined);
    })();
    return true;
  }

  async transfer(request: TransferRequest): Promise<TransferResult> {
    if (request.transferType !== 'number') return { outcome: 'failed', reason: 'unsupported_target' };
    if (!this.answered || this.ended || this.route !== 'agent') return { outcome: 'failed', reason: 'call_not_transferable' };
    this.options.recordEvent('transfer.started', { mode: request.mode });
    if (request.mode === 'cold') {
      this.route = 'transferring';
      const referred = await referTransfer(this.options.leg.call, this.options.transfers.referUri(request.target), this.options.transfers.referTimeoutMs);
      if (referred !== 'refused') {
        this.options.recordEvent('transfer.refer', { outcome: referred.outcome, reason: referred.reason });
        if (referred.outcome !== 'answered') this.resumeAgent();
        return referred;
      }
      this.options.recordEvent('transfer.refer', { outcome: 'refused', reason: 'REFER not accepted; bridging instead' });
      return this.bridgeTransfer(request.target, '');
    }
    return this.bridgeTransfer(request.target, request.announcement);
  }

  end(reason: CallEndReason, _error: { code: string; message: string } | null, closeCode: number): void {
    if (this.ended) return;
    this.ended = true;
    this.transferAbort?.abort();
    if (this.route === 'bridged' && reason === 'transferred') {
      // The agent's part is over; caller and target stay connected until one of them hangs up.
      void this.voice.release();
      return;
    }
    void this.finish(reason, closeCode === CLOSE_CODES.goingAway);
  }

  // ---- media routing ------------------------------------------------------------------------

  private onCallerAudio(samples: Int16Array): void {
    if (this.route === 'agent') this.voice.pushCallerAudio(samples);
    else if (this.route === 'bridged') this.peer?.media.sendAudio(samples);
  }

  private onDtmf(digit: string, durationMs: number): void {
    if (this.route === 'bridged') {
      this.peer?.media.sendDtmf(digit);
      return;
    }
    this.options.recordEvent('dtmf.received', { digit_count: 1, duration_ms: durationMs, via: 'rfc4733' });
    this.report((sink) => sink.dtmf(digit));
  }

  /** Agent audio from the voice goes to the caller while the agent has the call. */
  private agentAudio(samples: Int16Array): void {
    if (this.route !== 'agent' || this.announcing) return;
    this.options.leg.media.sendAudio(samples);
    if (!this.firstAudioSeen) {
      this.firstAudioSeen = true;
      this.recordSetup();
    }
  }

  /** How long the caller waited: INVITE -> 200 OK, and INVITE -> the agent's first audio packet. */
  private recordSetup(): void {
    const started = this.options.setupStartedAtMs;
    if (started === undefined) return;
    const round = (ms: number) => Math.round(ms * 100) / 100;
    this.options.recordEvent('sip.setup', {
      invite_to_answer_ms: this.answeredAtMs === null ? null : round(this.answeredAtMs - started),
      invite_to_first_audio_ms: round(performance.now() - started),
    });
  }

  private startMedia(): void {
    if (this.stopTicking) return;
    this.stopTicking = this.options.ticker.add(this.options.leg.media);
  }

  private answer(): void {
    const call = this.options.leg.call;
    if (!(call instanceof IncomingCall) || call.isTerminated) return;
    try {
      call.answer(this.options.answerSdp ?? '');
    } catch (err) {
      this.logger.warn({ err }, 'answering the call failed');
      return;
    }
    this.answered = true;
    this.answeredAtMs = performance.now();
    this.startMedia();
  }

  private wireLeg(): void {
    const call = this.options.leg.call;
    call.on('terminated', (end) => this.onLegTerminated(end));
    call.on('dtmf', (dtmf: InfoDtmf) => {
      if (this.route === 'bridged') return;
      this.options.recordEvent('dtmf.received', { digit_count: 1, duration_ms: dtmf.durationMs ?? null, via: 'info' });
      this.report((sink) => sink.dtmf(dtmf.digit));
    });
  }

  private onLegTerminated(end: CallEnd): void {
    if (this.route === 'bridged' && this.ended) {
      // The caller left a bridged transfer: release the target too.
      void this.closeBridge('caller');
      return;
    }
    if (this.ended) return;
    if (end.cause === 'remote-bye') this.report((sink) => sink.hangup());
    else if (end.cause === 'cancelled') this.report((sink) => sink.lost('user_hangup', 'the caller cancelled before the call was answered'));
    else if (end.cause !== 'local-bye') this.report((sink) => sink.lost('transport_lost', `the SIP dialog ended (${end.cause})`));
  }

  private report(deliver: (sink: TransportSink) => void): void {
    if (this.sink) deliver(this.sink);
    else this.early.push(deliver);
  }

  private resumeAgent(): void {
    if (this.route === 'transferring') this.route = 'agent';
  }

  // ---- transfers ----------------------------------------------------------------------------

  /** Calls the target on a second leg (caller hears ringback), announces, then bridges the two. */
  private async bridgeTransfer(target: string, announcement: string): Promise<TransferResult> {
    this.route = 'transferring';
    const abort = new AbortController();
    this.transferAbort = abort;
    const ringback = new RingbackTone();
    const callerMedia = this.options.leg.media;
    this.stopRingback = this.options.ticker.add({ tick: () => callerMedia.sendAudio(ringback.next()) });
    const dialled = await this.options.transfers.dialTarget(
      target,
      {
        callerAudio: (samples) => {
          if (this.route === 'bridged') callerMedia.sendAudio(samples);
        },
        dtmf: (digit) => {
          if (this.route === 'bridged') callerMedia.sendDtmf(digit);
        },
        inactive: () => undefined,
        resumed: () => undefined,
      },
      abort.signal,
    );
    this.stopRingback?.();
    this.stopRingback = null;
    if (!dialled.ok) {
      this.options.recordEvent('transfer.leg', { outcome: dialled.failure, detail: dialled.detail });
      this.resumeAgent();
      return { outcome: outcomeOfDialFailure(dialled.failure), reason: dialled.detail };
    }
    const peer = dialled.leg;
    this.peer = peer;
    const stopPeer = this.options.ticker.add(peer.media);
    peer.call.on('terminated', () => {
      stopPeer();
      if (this.route === 'bridged') void this.closeBridge('target');
    });
    if (this.ended) {
      // The caller left while the target was being dialled.
      stopPeer();
      await peer.call.bye().catch(() => undefined);
      await peer.media.close();
      return { outcome: 'failed', reason: 'caller_hung_up' };
    }
    if (announcement.trim() !== '') await this.announce(announcement, [peer.media, callerMedia]);
    if (peer.call.isTerminated || this.ended) {
      stopPeer();
      if (!peer.call.isTerminated) await peer.call.bye().catch(() => undefined);
      await peer.media.close();
      this.peer = null;
      this.resumeAgent();
      return { outcome: 'failed', reason: this.ended ? 'caller_hung_up' : 'target_hung_up' };
    }
    this.route = 'bridged';
    this.options.recordEvent('transfer.bridged', { codec_caller: callerMedia.codecName, codec_target: peer.media.codecName });
    return { outcome: 'answered', reason: null };
  }

  private async closeBridge(leftFirst: 'caller' | 'target'): Promise<void> {
    if (this.route !== 'bridged') return;
    this.route = 'closed';
    const other = leftFirst === 'caller' ? this.peer?.call : this.options.leg.call;
    if (other && !other.isTerminated && other.dialog?.state === 'confirmed') await other.bye().catch(() => undefined);
    const peerStats = this.peer?.media.stats();
    await this.peer?.media.close();
    this.options.recordEvent('transfer.ended', { hung_up_first: leftFirst, target_rtp: peerStats ?? null });
    await this.finish('transferred', false);
  }

  // ---- ending -------------------------------------------------------------------------------

  private finish(reason: CallEndReason, shuttingDown: boolean): Promise<void> {
    this.closed ??= (async () => {
      this.route = this.route === 'bridged' ? 'bridged' : 'closed';
      this.stopRingback?.();
      const call = this.options.leg.call;
      try {
        const announce = HOLDING_REASONS.has(reason) && !shuttingDown && !call.isTerminated;
        if (announce && !this.answered) this.answer();
        if (announce && this.answered) await this.announce(this.options.holdingAnnouncement, [this.options.leg.media]);
        if (!call.isTerminated) {
          if (call instanceof IncomingCall && !this.answered) {
            call.reject(shuttingDown ? 503 : 480);
          } else if (call.dialog?.state === 'confirmed' || call.dialog?.state === 'early') {
            await call.bye().catch(() => undefined);
          }
        }
      } catch (err) {
        this.logger.warn({ err }, 'hanging up the SIP leg failed');
      }
      this.stopTicking?.();
      await this.voice.release().catch(() => undefined);
      const stats = this.options.leg.media.stats();
      metrics.rtpLegFinished(stats);
      await this.options.leg.media.close();
      if (this.peer && !this.peer.call.isTerminated) await this.peer.call.bye().catch(() => undefined);
      await this.peer?.media.close();
      this.options.recordEvent('rtp.stats', { ...stats });
      this.options.onClosed();
    })();
    return this.closed;
  }

  /**
   * Plays `text` in the call's voice to `targets`, one frame per media tick; bounded by
   * {@link ANNOUNCEMENT_LIMIT_MS}. A synthesis failure is logged and skipped: the call moves on.
   */
  private async announce(text: string, targets: RtpMedia[]): Promise<void> {
    const limit = AbortSignal.timeout(ANNOUNCEMENT_LIMIT_MS);
    let pcm: Int16Array;
    try {
      pcm = await this.voice.synthesize(text, limit);
    } catch (err) {
      this.logger.warn({ err }, 'announcement synthesis failed');
      return;
    }
    this.announcing = true;
    try {
      await new Promise<void>((resolve) => {
        let offset = 0;
        const done = () => {
          stop();
          limit.removeEventListener('abort', done);
          resolve();
        };
        const stop = this.options.ticker.add({
          tick: () => {
            if (offset >= pcm.length || targets.every((t) => t.isClosed)) return done();
            const frame = pcm.subarray(offset, offset + FRAME_SAMPLES);
            offset += FRAME_SAMPLES;
            const padded = frame.length === FRAME_SAMPLES ? frame : padFrame(frame);
            for (const target of targets) target.sendAudio(padded);
          },
        });
        limit.addEventListener('abort', done, { once: true });
      });
    } finally {
      this.announcing = false;
    }
  }
}

const FRAME_SAMPLES = 160;

function padFrame(frame: Int16Array): Int16Array {
  const out = new Int16Array(FRAME_SAMPLES);
  out.set(frame);
  return out;
}
