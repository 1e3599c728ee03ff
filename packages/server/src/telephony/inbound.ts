import { RtpSession, serializeSdp, type IncomingCall } from '@unpod/sip';
import type { Logger } from '../logger.js';
import type { CallRecord } from '../control/store/repos/calls.js';
import { RtpMedia } from '../transports/sip/rtp-media.js';
import { SipTransport } from '../transports/sip/sip-transport.js';
import { codecsInOfferOrder, handleReoffers } from '../transports/sip/leg.js';
import type { InboundRoute, InboundRouter } from './inbound-router.js';
import type { TelephonyContext } from './context.js';

/**
 * What happens to one initial INVITE: routing (403/401/404/503 refusals), an RTP port and an SDP
 * answer (488 when no codec fits), the call row, 180 Ringing, then the call is handed to the
 * orchestrator with its SIP transport, which answers once a runner is paired. CANCEL at any point
 * before the answer ends the attempt cleanly. Nothing here may throw into the SIP stack.
 */
export class InboundCalls {
  private readonly logger: Logger;

  constructor(
    private readonly ctx: TelephonyContext,
    private readonly router: InboundRouter,
  ) {
    this.logger = ctx.logger.child({ component: 'sip-inbound' });
  }

  handle(call: IncomingCall): void {
    const arrivedAtMs = performance.now();
    this.route(call, arrivedAtMs).catch((err: unknown) => {
      this.logger.error({ err }, 'inbound call setup failed');
      if (call.state === 'received' || call.state === 'early') {
        try {
          call.reject(500);
        } catch {
          // The call moved on (CANCEL raced us); nothing left to answer.
        }
      }
    });
  }

  private async route(call: IncomingCall, arrivedAtMs: number): Promise<void> {
    const decision = await this.router.decide(call.request, arrivedAtMs);
    if (call.isTerminated) return;
    switch (decision.kind) {
      case 'refuse':
        this.logger.info({ status: decision.status, reason: decision.reason }, 'inbound call refused');
        call.reject(decision.status);
        return;
      case 'challenge':
        call.reject(401, { headers: this.ctx.digest.challengeValues(decision.stale).map((v) => ['WWW-Authenticate', v] as const) });
        return;
      case 'route':
        await this.accept(call, decision.route, arrivedAtMs);
        return;
    }
  }

  private async accept(call: IncomingCall, route: InboundRoute, arrivedAtMs: number): Promise<void> {
    const { trunk, pipe } = route;
    const release = this.ctx.trunkSlots.acquire(trunk.id);
    let released = false;
    const releaseOnce = () => {
      if (!released) {
        released = true;
        release();
      }
    };
    let rtp: RtpSession;
    try {
      rtp = await RtpSession.open({ bindAddress: this.ctx.bindAddress, portRange: this.ctx.rtpPorts, payloadType: 0 });
    } catch (err) {
      releaseOnce();
      this.logger.error({ err }, 'no RTP port for an inbound call');
      if (!call.isTerminated) call.reject(503);
      return;
    }
    const negotiated = call.negotiate({ address: this.ctx.mediaAddress, port: rtp.localPort, codecs: codecsInOfferOrder(call.offer, trunk.codecs) });
    if (!negotiated.ok || call.isTerminated) {
      releaseOnce();
      await rtp.close();
      if (!call.isTerminated && !negotiated.ok) call.reject(negotiated.status);
      return;
    }
    let record: CallRecord;
    try {
      record = await this.ctx.store.calls.create(route.number.space_id, {
        pipe_id: pipe.id,
        agent_id: pipe.agent_id,
        direction: 'inbound',
        transport: 'sip',
        from_number: route.caller,
        to_number: route.dialled,
        instructions: pipe.instructions,
        data: {},
        node_id: this.ctx.nodeId,
      });
    } catch (err) {
      releaseOnce();
      await rtp.close();
      throw err;
    }
    const log = this.logger.child({ call_id: record.id, trunk_id: trunk.id });
    if (call.isTerminated) {
      releaseOnce();
      await rtp.close();
      await this.ctx.store.calls.finish(record.id, 'user_hangup');
      return;
    }
    call.ringing();
    let transport: SipTransport | null = null;
    const media = new RtpMedia(rtp, negotiated.negotiated, SipTransport.mediaEvents(() => transport), this.ctx.mediaOptions);
    const leg = { call, media };
    handleReoffers(leg, {
      mediaAddress: this.ctx.mediaAddress,
      codecs: trunk.codecs,
      onHold: (held) => this.ctx.recordEvent(record.id, 'sip.hold', { held }),
    });
    try {
      transport = await SipTransport.create({
        callId: record.id,
        leg,
        answerSdp: serializeSdp(negotiated.answer),
        createVoice: (voiceCtx) => this.ctx.createVoice(record, pipe, voiceCtx),
        ticker: this.ctx.ticker,
        logger: this.ctx.logger,
        recordEvent: (type, data) => this.ctx.recordEvent(record.id, type, data),
        holdingAnnouncement: this.ctx.holdingAnnouncement,
        transfers: this.ctx.transfersFor(trunk),
        onClosed: releaseOnce,
        setupStartedAtMs: arrivedAtMs,
      });
    } catch (err) {
      releaseOnce();
      await media.close();
      log.error({ err }, 'the call voice could not start');
      if (!call.isTerminated) call.reject(503);
      await this.ctx.store.calls.finish(record.id, 'error', { code: 'voice_unavailable', message: 'the speech engines of this call could not start' });
      return;
    }
    this.ctx.recordEvent(record.id, 'sip.inbound', { trunk_id: trunk.id, codec: media.codecName, telephone_event: media.canSendDtmf, transport: call.request.headers.get('Via')?.split(/\s+/)[0] ?? null });
    log.info({ codec: media.codecName }, 'inbound call ringing');
    if (call.isTerminated) {
      // The caller cancelled while the voice was starting.
      transport.end('user_hangup', null, 1000);
      await this.ctx.store.calls.finish(record.id, 'user_hangup');
      return;
    }
    try {
      await this.ctx.launcher.run(record, transport, pipe);
    } catch (err) {
      log.error({ err }, 'the orchestrator could not take the call');
      transport.end('error', { code: 'internal', message: 'the call could not be started' }, 1011);
      await this.ctx.store.calls.finish(record.id, 'error', { code: 'internal', message: 'the call could not be started' });
    }
  }
}
