import type { JobAssignFrame } from '@unpod/protocol';
import type { Logger } from '../logger.js';
import { dialBridge } from './bridge-dial.js';
import { buildCallContext, type CallContext } from './call-context.js';
import { CallSession, SessionCore } from './call-session.js';
import type { RunnerConfig } from './config.js';
import { CallCancelledError } from './errors.js';
import type { CallFinalState } from './stats.js';

/** Where a job is in its life. */
export type CallJobState = 'dialing' | 'live' | 'closing' | 'done';

/** How a job ended, as the runner accounts for it. */
export type CallJobOutcome =
  | { kind: 'call'; finalState: CallFinalState; durationS: number }
  | { kind: 'dial_failed' }
  | { kind: 'cancelled_before_call' };

/** What a job needs from its runner. */
export interface CallJobHost {
  config: RunnerConfig;
  logger: Logger;
  /** Runner `call_start` hook. */
  callStarted(ctx: CallContext): Promise<void>;
  /** Runner `call_end` hook. */
  callEnded(ctx: CallContext, finalState: CallFinalState): Promise<void>;
  /** The job became a live call (counts in `active_jobs`). */
  becameLive(job: CallJob): void;
  /** The job's outcome is known (recorded before the `call_end` hook fires). */
  recordOutcome(outcome: CallJobOutcome): void;
  /** The job is over; the runner frees its slot. */
  finished(job: CallJob): void;
}

function waitMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    // Sockets keep the process alive while a call runs; these waits alone never should.
    timer.unref?.();
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * One accepted `job.assign`: dial the bridge, build the context, run the entrypoint exactly once,
 * close the bridge, report. Dial retries never re-run the entrypoint (they happen before it).
 */
export class CallJob {
  readonly jobId: string;
  state: CallJobState = 'dialing';
  context: CallContext | null = null;
  private core: SessionCore | null = null;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  /** Settles when the job is completely over. */
  readonly done: Promise<void>;

  constructor(
    private readonly assign: JobAssignFrame,
    private readonly host: CallJobHost,
  ) {
    this.jobId = assign.job_id;
    this.log = host.logger.child({ job_id: assign.job_id, call_id: assign.call_id });
    this.done = this.execute();
  }

  /** End the job: abort the dial, or end the live call (bridge closed, `run()` returns `cancelled`). */
  cancel(reason: string): void {
    if (!this.abort.signal.aborted) this.abort.abort(new CallCancelledError(reason));
    this.core?.cancel(reason);
  }

  private async execute(): Promise<void> {
    const { config } = this.host;
    const { timing } = config;
    let handshake;
    try {
      handshake = await dialBridge({
        bridgeUrl: this.assign.bridge_url,
        callToken: this.assign.call_token,
        signal: this.abort.signal,
        openTimeoutMs: timing.bridgeOpenTimeoutMs,
        handshakeTimeoutMs: timing.handshakeTimeoutMs,
        retryDelaysMs: timing.bridgeRetryDelaysMs,
        logger: this.log,
      });
    } catch (err) {
      this.state = 'done';
      if (this.abort.signal.aborted) {
        this.log.info({}, 'job cancelled before the call started');
        this.host.recordOutcome({ kind: 'cancelled_before_call' });
      } else {
        this.log.error({ err }, 'could not join the call');
        this.host.recordOutcome({ kind: 'dial_failed' });
      }
      this.host.finished(this);
      return;
    }
    const { conn, helloAck, callStarted } = handshake;
    const log = this.log.child({ session_id: callStarted.session_id });
    const core = new SessionCore({
      conn,
      helloAck,
      callStarted,
      agentId: callStarted.agent_id || config.agentId,
      logger: log,
      turnMetricsWaitMs: timing.turnMetricsWaitMs,
    });
    const ctx = buildCallContext({ helloAck, callStarted, runnerAgentId: config.agentId, session: new CallSession(core) });
    core.callData = ctx.data;
    this.core = core;
    this.context = ctx;
    if (this.abort.signal.aborted) core.cancel('job cancelled');
    this.state = 'live';
    const startedAt = performance.now();
    this.host.becameLive(this);
    log.info({ direction: ctx.direction, agent_id: ctx.agentId }, 'call started');

    await this.host.callStarted(ctx);
    const finalState = await this.runEntrypoint(ctx, core, log);
    this.state = 'closing';
    await this.closeBridge(core, finalState);
    const durationS = (performance.now() - startedAt) / 1000;
    log.info({ final_state: finalState, duration_s: Math.round(durationS * 10) / 10 }, 'call ended');
    this.host.recordOutcome({ kind: 'call', finalState, durationS });
    await this.host.callEnded(ctx, finalState);
    this.state = 'done';
    this.host.finished(this);
  }

  /**
   * Await the entrypoint once. If it is still running `closeGraceMs` after the bridge closed, the
   * call is accounted as failed and its slot freed (the promise keeps running detached).
   */
  private async runEntrypoint(ctx: CallContext, core: SessionCore, log: Logger): Promise<CallFinalState> {
    const { config } = this.host;
    const entry = (async () => config.entrypoint(ctx))().then(
      () => 'ended' as const,
      (err: unknown) => {
        log.error({ err }, 'entrypoint threw; the call is ended, not retried');
        return 'failed' as const;
      },
    );
    const stale = core.conn.closed.then(() => waitMs(config.timing.closeGraceMs)).then(() => 'stale' as const);
    const result = await Promise.race([entry, stale]);
    if (result === 'stale') {
      log.warn({ grace_ms: config.timing.closeGraceMs }, 'entrypoint still running after its call ended; releasing the slot');
      return 'failed';
    }
    if (this.abort.signal.aborted) return 'failed';
    return result;
  }

  /** Close our side; after `agent.end_call`, first give the server time to finish speaking and close. */
  private async closeBridge(core: SessionCore, finalState: CallFinalState): Promise<void> {
    const { conn } = core;
    if (conn.isOpen && core.endSent && finalState === 'ended') {
      await Promise.race([conn.closed, waitMs(this.host.config.timing.endCallGraceMs, this.abort.signal)]);
    }
    if (!core.callAbort.signal.aborted) core.callAbort.abort(new Error('call ended'));
    if (conn.isOpen) conn.close(finalState === 'failed' ? 1011 : 1000, finalState === 'failed' ? 'entrypoint failed' : 'call ended');
  }
}
