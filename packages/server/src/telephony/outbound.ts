import type { Pipe } from '@unpod/protocol';
import type { CallRecord } from '../control/store/repos/calls.js';
import type { Logger } from '../logger.js';
import { handleReoffers } from '../transports/sip/leg.js';
import { SipTransport } from '../transports/sip/sip-transport.js';
import type { TelephonyContext } from './context.js';
import type { Dialer } from './dialer.js';
import type { TrunkRegistrations } from './registrations.js';
import type { TelephonyTrunk } from './trunk-matcher.js';

/**
 * Outbound calls (`POST /v1/calls` with `to_number`): the trunk of the number the call is placed
 * from (else the pipe's numbers', else the space's only trunk), REGISTER first when the trunk asks
 * for it, INVITE with digest answers, `ringing` on 180/183, and on answer the call goes to the
 * orchestrator over its SIP transport. A call that never connects is finished here with
 * `busy` | `no_answer` | `rejected` | `error`.
 */
export class OutboundCalls {
  private readonly dialing = new Map<string, AbortController>();
  private readonly logger: Logger;

  constructor(
    private readonly ctx: TelephonyContext,
    private readonly dialer: Dialer,
    private readonly registrations: TrunkRegistrations,
    private readonly answerTimeoutMs: number,
  ) {
    this.logger = ctx.logger.child({ component: 'sip-outbound' });
  }

  /** Starts dialling in the background; the call row tracks what happens. */
  start(record: CallRecord, pipe: Pipe | undefined): void {
    const abort = new AbortController();
    this.dialing.set(record.id, abort);
    this.place(record, pipe, abort.signal)
      .catch(async (err: unknown) => {
        this.logger.error({ err, call_id: record.id }, 'outbound call failed unexpectedly');
        await this.ctx.store.calls.finish(record.id, 'error', { code: 'internal', message: 'placing the call failed' }).catch(() => undefined);
      })
      .finally(() => this.dialing.delete(record.id));
  }

  /**
   * Hangs up a call still being dialled (API hangup): the end is stored at once and the INVITE is
   * cancelled in the background (RFC 3261 section 9.1 may have to wait for a provisional first).
   * False when the call is not being dialled (the orchestrator owns it, or it ended).
   */
  async cancel(callId: string): Promise<boolean> {
    const abort = this.dialing.get(callId);
    if (!abort) return false;
    abort.abort();
    await this.ctx.store.calls.finish(callId, 'api_hangup');
    return true;
  }

  /** Shutdown: calls still being dialled end as `server_shutdown` and their INVITEs are cancelled. */
  async cancelAll(): Promise<void> {
    const dialling = [...this.dialing.entries()];
    await Promise.all(
      dialling.map(async ([callId, abort]) => {
        await this.ctx.store.calls
          .finish(callId, 'server_shutdown', { code: 'server_shutdown', message: 'the server shut down while the call was ringing' })
          .catch((err: unknown) => this.logger.error({ err, call_id: callId }, 'finishing a call failed'));
        abort.abort();
      }),
    );
  }

  private async place(record: CallRecord, pipe: Pipe | undefined, signal: AbortSignal): Promise<void> {
    const calls = this.ctx.store.calls;
    const log = this.logger.child({ call_id: record.id });
    if (!record.to_number) {
      await calls.finish(record.id, 'error', { code: 'validation_failed', message: 'a SIP call needs to_number' });
      return;
    }
    const trunk = await this.trunkFor(record, pipe);
    if (!trunk) {
      await calls.finish(record.id, 'error', { code: 'no_trunk', message: 'no SIP trunk to call out through: attach a number on a trunk to the pipe' });
      return;
    }
    if (!this.ctx.trunkSlots.hasRoom(trunk)) {
      await calls.finish(record.id, 'error', { code: 'trunk_capacity', message: 'the trunk is at its max_concurrent_calls' });
      return;
    }
    const release = this.ctx.trunkSlots.acquire(trunk.id);
    let handedOver = false;
    try {
      if (!(await this.registrations.ensure(trunk))) {
        await calls.finish(record.id, 'error', { code: 'trunk_registration_failed', message: 'the trunk registrar did not accept our REGISTER' });
        return;
      }
      let transport: SipTransport | null = null;
      let ringing = false;
      const dialledAtMs = performance.now();
      const outcome = await this.dialer.dial({
        trunk,
        to: record.to_number,
        from: record.from_number,
        answerTimeoutMs: this.answerTimeoutMs,
        mediaEvents: SipTransport.mediaEvents(() => transport),
        onProgress: (status) => {
          if ((status === 180 || status === 183) && !ringing) {
            ringing = true;
            void calls.markStatus(record.id, 'ringing').catch(() => undefined);
          }
        },
        signal,
      });
      this.dialing.delete(record.id);
      if (!outcome.ok) {
        if (signal.aborted) {
          await calls.finish(record.id, 'api_hangup');
          return;
        }
        log.info({ failure: outcome.failure, status: outcome.status }, 'outbound call did not connect');
        await calls.finish(record.id, outcome.failure, { code: outcome.failure, message: outcome.detail });
        this.ctx.recordEvent(record.id, 'sip.outbound', { trunk_id: trunk.id, outcome: outcome.failure, status: outcome.status });
        return;
      }
      const leg = { call: outcome.call, media: outcome.media };
      handleReoffers(leg, { mediaAddress: this.ctx.mediaAddress, codecs: trunk.codecs, onHold: (held) => this.ctx.recordEvent(record.id, 'sip.hold', { held }) });
      try {
        transport = await SipTransport.create({
          callId: record.id,
          leg,
          createVoice: (voiceCtx) => this.ctx.createVoice(record, pipe, voiceCtx),
          ticker: this.ctx.ticker,
          logger: this.ctx.logger,
          recordEvent: (type, data) => this.ctx.recordEvent(record.id, type, data),
          holdingAnnouncement: this.ctx.holdingAnnouncement,
          transfers: this.ctx.transfersFor(trunk),
          onClosed: release,
          setupStartedAtMs: dialledAtMs,
        });
      } catch (err) {
        log.error({ err }, 'the call voice could not start');
        await leg.call.bye().catch(() => undefined);
        await leg.media.close();
        await calls.finish(record.id, 'error', { code: 'voice_unavailable', message: 'the speech engines of this call could not start' });
        return;
      }
      handedOver = true;
      this.ctx.recordEvent(record.id, 'sip.outbound', { trunk_id: trunk.id, outcome: 'answered', codec: leg.media.codecName, telephone_event: leg.media.canSendDtmf });
      if (signal.aborted || leg.call.isTerminated) {
        transport.end(signal.aborted ? 'api_hangup' : 'user_hangup', null, 1000);
        await calls.finish(record.id, signal.aborted ? 'api_hangup' : 'user_hangup');
        return;
      }
      try {
        await this.ctx.launcher.run(record, transport, pipe);
      } catch (err) {
        log.error({ err }, 'the orchestrator could not take the call');
        transport.end('error', { code: 'internal', message: 'the call could not be started' }, 1011);
        await calls.finish(record.id, 'error', { code: 'internal', message: 'the call could not be started' });
      }
    } finally {
      if (!handedOver) release();
    }
  }

  /** The trunk of the caller-id number, else of the pipe's numbers, else the space's only trunk. */
  private async trunkFor(record: CallRecord, pipe: Pipe | undefined): Promise<TelephonyTrunk | undefined> {
    const { store } = this.ctx;
    const candidates = [record.from_number, ...(pipe?.numbers ?? [])].filter((n): n is string => typeof n === 'string');
    for (const e164 of candidates) {
      const number = await store.numbers.findByE164(e164);
      if (!number || number.space_id !== record.space_id || number.trunk_id === null) continue;
      const trunk = await store.trunks.get(record.space_id, number.trunk_id);
      if (trunk) return { ...trunk, space_id: record.space_id };
    }
    const page = await store.trunks.list(record.space_id, { limit: 2 });
    const only = page.data.length === 1 ? page.data[0] : undefined;
    return only ? { ...only, space_id: record.space_id } : undefined;
  }
}
