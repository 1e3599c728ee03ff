import type { WebSocket } from 'ws';
import { CLOSE_CODES, type HelloFrame, type JobAssignFrame } from '@unpod/protocol';
import type { Logger } from '../logger.js';
import { secureRandomBytes } from '../random.js';
import type { BridgeAcceptor, Pairing } from './bridge-acceptor.js';
import { BridgeSession, type CallStartedFields, type HelloAckFields } from './bridge-session.js';
import type { Reservation, RunnerRegistry } from './registry.js';
import type { OrchestratorTimings } from './timings.js';

/** What one call needs from dispatch. */
export interface DispatchRequest {
  spaceId: string;
  callId: string;
  agentId: string;
  /** Constant across attempts (spec 3.4). */
  jobId: string;
  metadata: Record<string, unknown>;
  /**
   * The runner's `hello` arrived: the frames to answer with (the call decides negotiation). May
   * do work first (the call is marked active before `call.started` goes out).
   */
  handshake(hello: HelloFrame, workerId: string): Promise<{ ack: HelloAckFields; started: CallStartedFields }>;
  /** Ends the dispatch early (call hung up, server closing). */
  signal: AbortSignal;
  /** A runner acked (or dialed) the job; the call is now waiting for its bridge. */
  onAccepted?(workerId: string): void;
}

export type DispatchFailure = 'no_worker_available' | 'pairing_timeout' | 'runner_lost' | 'aborted';

export type DispatchResult =
  | { ok: true; workerId: string; reservation: Reservation; bridge: BridgeSession; pairing: Pairing; attempts: number }
  | { ok: false; reason: DispatchFailure; message: string; attempts: number };

/** The dispatch seam: a scale-out implementation may route through another node. */
export interface JobDispatcher {
  dispatch(request: DispatchRequest): Promise<DispatchResult>;
}

type AttemptFailure = 'rejected' | 'ack_timeout' | 'lost_before_ack' | 'pairing_timeout' | 'runner_lost' | 'handshake_failed' | 'aborted';

type AttemptResult =
  | { ok: true; bridge: BridgeSession }
  | { ok: false; failure: AttemptFailure; accepted: boolean; detail: string };

export interface DispatcherDeps {
  registry: RunnerRegistry;
  bridges: BridgeAcceptor;
  /** `bridge_url` for a call (the runner appends `?token=`). */
  bridgeUrl(callId: string): string;
  timings: OrchestratorTimings;
  logger: Logger;
}

const token = () => secureRandomBytes(32).toString('base64url');

/** A promise settled with `value` when `signal` aborts; `dispose` removes the listener (signals outlive attempts). */
function whenAborted<T>(signal: AbortSignal, value: T, subscribe = listen): { promise: Promise<T>; dispose: () => void } {
  let dispose = () => undefined as void;
  const promise = new Promise<T>((resolve) => {
    if (signal.aborted) resolve(value);
    else dispose = subscribe(signal, () => resolve(value));
  });
  return { promise, dispose: () => dispose() };
}

function listen(signal: AbortSignal, onAbort: () => void): () => void {
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

const sharedWaiters = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * `listen` for a signal many attempts wait on at once (a runner link's `closed`: every call being
 * dispatched to that runner): one listener fans out to a set. EventTarget compares each new
 * listener with all present ones, so a burst of dispatches would pay for every other one.
 */
function listenShared(signal: AbortSignal, onAbort: () => void): () => void {
  let waiters = sharedWaiters.get(signal);
  if (!waiters) {
    const set = new Set<() => void>();
    waiters = set;
    sharedWaiters.set(signal, set);
    signal.addEventListener('abort', () => {
      for (const waiter of set) waiter();
      set.clear();
    }, { once: true });
  }
  waiters.add(onAbort);
  const set = waiters;
  return () => void set.delete(onAbort);
}

/**
 * Two-phase assignment (spec 3.4): reserve a slot on the best runner, send `job.assign` with a
 * fresh `assign_id` and call token, wait for `job.ack`; then wait for the runner to dial the
 * bridge and say `hello`. A reject, an ack timeout, the runner dropping before the bridge is up,
 * an expired pairing window or a failed handshake releases the slot and tries a different
 * runner, up to `assignAttempts` attempts in all.
 */
export class Dispatcher implements JobDispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async dispatch(req: DispatchRequest): Promise<DispatchResult> {
    const { timings } = this.deps;
    const tried = new Set<string>();
    let lastAccepted: AttemptResult | null = null;
    let attempts = 0;
    while (attempts < timings.assignAttempts) {
      if (req.signal.aborted) return { ok: false, reason: 'aborted', message: 'dispatch aborted', attempts };
      let reservation: Reservation | null;
      try {
        reservation = await this.deps.registry.reserve(req.spaceId, req.agentId, tried);
      } catch (err) {
        this.deps.logger.error({ err, call_id: req.callId }, 'runner registry unavailable; dispatch cannot reserve a runner');
        reservation = null;
      }
      if (!reservation) break;
      attempts += 1;
      tried.add(reservation.workerId);
      const pairingToken = token();
      const pairing = this.deps.bridges.expect(req.callId, pairingToken, timings.pairingWindowMs);
      const result = await this.attempt(req, reservation, pairing, pairingToken, attempts);
      if (result.ok) return { ok: true, workerId: reservation.workerId, reservation, bridge: result.bridge, pairing, attempts };
      pairing.cancel();
      reservation.release();
      this.deps.logger.info({ call_id: req.callId, worker_id: reservation.workerId, attempt: attempts, failure: result.failure }, 'dispatch attempt failed');
      if (result.failure === 'aborted') return { ok: false, reason: 'aborted', message: 'dispatch aborted', attempts };
      if (result.accepted) lastAccepted = result;
    }
    if (lastAccepted && !lastAccepted.ok) {
      const reason: DispatchFailure = lastAccepted.failure === 'runner_lost' ? 'runner_lost' : 'pairing_timeout';
      return { ok: false, reason, message: `runner accepted the call but ${lastAccepted.detail}`, attempts };
    }
    const message =
      attempts === 0
        ? `no runner with a free slot is registered for agent_id "${req.agentId}"`
        : `no runner accepted the call after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
    return { ok: false, reason: 'no_worker_available', message, attempts };
  }

  private async attempt(req: DispatchRequest, reservation: Reservation, pairing: Pairing, callToken: string, attempt: number): Promise<AttemptResult> {
    const { timings, logger } = this.deps;
    const link = reservation.link;
    const frame: JobAssignFrame = {
      type: 'job.assign',
      job_id: req.jobId,
      call_id: req.callId,
      agent_id: req.agentId,
      bridge_url: this.deps.bridgeUrl(req.callId),
      call_token: callToken,
      assign_id: `asg_${secureRandomBytes(8).toString('hex')}`,
      deadline_ms: timings.assignAckTimeoutMs,
      metadata: req.metadata,
    };
    const aborted = whenAborted(req.signal, 'aborted' as const);
    const linkLost = whenAborted(link.closed, 'lost' as const, listenShared);
    try {
      logger.debug({ call_id: req.callId, worker_id: reservation.workerId, attempt, assign_id: frame.assign_id }, 'job.assign sent');
      const ack = link.assign(frame, timings.assignAckTimeoutMs);
      // A runner may dial before its ack is read: a paired socket counts as acceptance.
      const first = await Promise.race([ack, pairing.outcome, aborted.promise]);
      if (first === 'aborted') {
        link.cancel(req.jobId, 'call ended');
        return { ok: false, failure: 'aborted', accepted: false, detail: 'aborted' };
      }
      let connected: { kind: 'connected'; ws: WebSocket } | null = null;
      if (first.kind === 'connected') connected = first;
      else if (first.kind === 'rejected') {
        return { ok: false, failure: 'rejected', accepted: false, detail: `runner rejected the job (${first.reason ?? 'no reason'})` };
      } else if (first.kind === 'timeout') {
        link.cancel(req.jobId, 'ack timeout');
        return { ok: false, failure: 'ack_timeout', accepted: false, detail: 'no job.ack in time' };
      } else if (first.kind === 'closed') {
        return { ok: false, failure: 'lost_before_ack', accepted: false, detail: 'runner disconnected before acking' };
      } else if (first.kind !== 'accepted') {
        return { ok: false, failure: 'pairing_timeout', accepted: false, detail: 'pairing window passed before the ack' };
      }
      if (!connected) {
        req.onAccepted?.(reservation.workerId);
        const second = await Promise.race([pairing.outcome, linkLost.promise, aborted.promise]);
        if (second === 'aborted') {
          link.cancel(req.jobId, 'call ended');
          return { ok: false, failure: 'aborted', accepted: true, detail: 'aborted' };
        }
        if (second === 'lost') return { ok: false, failure: 'runner_lost', accepted: true, detail: 'the runner disconnected before dialing the bridge' };
        if (second.kind !== 'connected') {
          link.cancel(req.jobId, 'pairing window expired');
          return { ok: false, failure: 'pairing_timeout', accepted: true, detail: 'it did not dial the bridge within the pairing window' };
        }
        connected = second;
      } else {
        req.onAccepted?.(reservation.workerId);
      }
      return await this.handshake(req, reservation.workerId, connected.ws, req.signal);
    } finally {
      aborted.dispose();
      linkLost.dispose();
    }
  }

  private async handshake(req: DispatchRequest, workerId: string, ws: WebSocket, signal: AbortSignal): Promise<AttemptResult> {
    const { timings, logger } = this.deps;
    const bridge = new BridgeSession(ws, {
      callId: req.callId,
      logger: logger.child({ call_id: req.callId, worker_id: workerId }),
      queueLimit: timings.bridgeQueueFrames,
      pingIntervalMs: timings.socketPingIntervalMs,
    });
    const hello = await bridge.waitForHello(timings.helloTimeoutMs, signal);
    if (typeof hello === 'string') {
      bridge.close(hello === 'aborted' ? CLOSE_CODES.normal : CLOSE_CODES.handshakeFailed, hello === 'aborted' ? 'call ended' : 'handshake failed');
      if (hello === 'aborted') return { ok: false, failure: 'aborted', accepted: true, detail: 'aborted' };
      return hello === 'closed'
        ? { ok: false, failure: 'runner_lost', accepted: true, detail: 'the bridge closed before hello' }
        : { ok: false, failure: 'handshake_failed', accepted: true, detail: 'no hello arrived on the bridge in time' };
    }
    const { ack, started } = await req.handshake(hello, workerId);
    if (!bridge.start(ack, started)) {
      return { ok: false, failure: 'runner_lost', accepted: true, detail: 'the bridge closed during the handshake' };
    }
    return { ok: true, bridge };
  }
}
