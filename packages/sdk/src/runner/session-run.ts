import type { UserInterruptedFrame, UserTextFrame, WorkerToRunnerFrame } from '@unpod/protocol';
import { INTERRUPTION_NUDGE } from './adapters/types.js';
import type { InboundItem } from './bridge-connection.js';
import type { SessionCore } from './call-session.js';
import type { SessionEndReason } from './session-events.js';
import type { TurnRecord } from './turn-tracker.js';

/**
 * The per-call loop (spec 6.2, with the reference's known gaps fixed):
 * - passive events (`metric`, `state`, `turn.metrics`, partials, `dtmf`, `silence`,
 *   `transfer.result`) are handled at once, even mid-stream;
 * - a final `user.text` or an `error` arriving mid-stream is queued and handled, in order, after
 *   the turn; a non-final `user.text` is a partial, never a turn;
 * - every turn sends exactly one `agent.text.end`, also when no adapter is attached;
 * - barge-in aborts the adapter's `AbortSignal` (no delta is sent after it);
 * - only `fatal` error frames end the session;
 * - an adapter failure ends the turn (reported to the `error` hook), not the call.
 */

type Pending = Promise<InboundItem | undefined>;

/** Loop state shared between the idle loop and a streaming turn. */
interface LoopState {
  /** Events that arrived mid-turn and wait for the turn to end. */
  deferred: WorkerToRunnerFrame[];
  /** A receive that was started but not consumed; never dropped, carried into the next wait. */
  carried: Pending | null;
}

function nextItem(core: SessionCore, state: LoopState): Pending {
  if (!state.carried) state.carried = core.conn.next();
  return state.carried;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Handle an event that never changes the dialog; returns false for events it does not own. */
async function handlePassive(core: SessionCore, frame: WorkerToRunnerFrame): Promise<boolean> {
  const { hooks, metrics } = core;
  switch (frame.event) {
    case 'metric': {
      const event = {
        ttfaMs: frame.ttfa_ms ?? null,
        asrP95Ms: frame.asr_p95_ms ?? null,
        ttsP95Ms: frame.tts_p95_ms ?? null,
        turns: frame.turns,
        costUsdSoFar: frame.cost_usd_so_far ?? null,
      };
      metrics.metric(event);
      await hooks.emit('metric', event);
      return true;
    }
    case 'state':
      await hooks.emit('state', { state: frame.state, turnId: frame.turn_id ?? null });
      return true;
    case 'turn.metrics': {
      const m = {
        turnId: frame.turn_id,
        ttfaMs: frame.ttfa_ms ?? null,
        asrMs: frame.asr_ms ?? null,
        llmTtftMs: frame.llm_ttft_ms ?? null,
        ttsTtfbMs: frame.tts_ttfb_ms ?? null,
        llmCallCount: frame.llm_call_count,
        llmTotalMs: frame.llm_total_ms ?? null,
        fromNode: frame.from_node ?? null,
        toNode: frame.to_node ?? null,
      };
      metrics.turnMetrics(m);
      await core.turns.serverMetrics(m);
      return true;
    }
    case 'user.partial':
      await hooks.emit('user_partial', frame.text, { serverTurnId: frame.turn_id ?? null });
      return true;
    case 'user.text':
      if (frame.is_final) return false;
      await hooks.emit('user_partial', frame.text, { serverTurnId: frame.turn_id ?? null });
      return true;
    case 'dtmf':
      await hooks.emit('dtmf', { digits: frame.digits, durationMs: frame.duration_ms ?? null });
      return true;
    case 'silence':
      await hooks.emit('silence', { durationMs: frame.duration_ms });
      return true;
    case 'transfer.result':
      await hooks.emit('transfer_result', { target: frame.target, outcome: frame.outcome, reason: frame.reason ?? null });
      return true;
    case 'hello.ack':
    case 'call.started':
      core.logger.debug({ event: frame.event }, 'handshake frame after handshake ignored');
      return true;
    default:
      return false;
  }
}

/** Barge-in: fire `interruption`, trim the adapter's history to what was heard, nudge it. */
async function handleInterruption(core: SessionCore, frame: UserInterruptedFrame, midStream: boolean): Promise<void> {
  const heardPrefix = frame.heard_prefix ?? null;
  core.metrics.interrupted();
  core.logger.info({ turn: core.turnId, mid_stream: midStream, heard_chars: heardPrefix?.length ?? null }, 'caller interrupted');
  await core.hooks.emit('interruption', { turnId: core.turnId, heardPrefix, midStream });
  const adapter = core.adapter;
  if (!adapter) return;
  try {
    // Mid-stream the cut itself is the signal, so the adapter hears about it even without a prefix.
    if (adapter.markInterrupted && (midStream || heardPrefix !== null)) adapter.markInterrupted(heardPrefix);
    adapter.assist(INTERRUPTION_NUDGE);
  } catch (err) {
    core.logger.error({ err }, 'adapter failed to take the interruption');
  }
}

type StreamOutcome = { interrupted: UserInterruptedFrame | null; closed: boolean };

/** Stream the adapter's reply for one turn, racing chunks against bridge events. */
async function streamReply(core: SessionCore, state: LoopState, frame: UserTextFrame, record: TurnRecord, startedAt: number): Promise<StreamOutcome> {
  const adapter = core.adapter!;
  const turnAbort = new AbortController();
  core.activeTurnAbort = turnAbort;
  // The turn's signal also follows the call's. Linked by hand: `AbortSignal.any` costs several
  // times more, and this runs on every turn between the user's text and the first delta.
  const callSignal = core.callAbort.signal;
  const followCall = (): void => turnAbort.abort(callSignal.reason);
  if (callSignal.aborted) followCall();
  else callSignal.addEventListener('abort', followCall, { once: true });
  const signal = turnAbort.signal;
  const aborted = new Promise<{ kind: 'aborted' }>((resolve) => {
    if (signal.aborted) resolve({ kind: 'aborted' });
    else signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true });
  });
  const outcome: StreamOutcome = { interrupted: null, closed: false };
  let iterator: AsyncIterator<string> | null = null;
  let finished = false;
  try {
    const iterable = adapter.stream(frame.text, { language: frame.extra?.language ?? null, signal, context: core.turnContext(record.turnId) });
    if (typeof (iterable as Partial<AsyncIterable<string>> | null)?.[Symbol.asyncIterator] !== 'function') {
      throw new TypeError('dialogMachine.stream() must return an AsyncIterable<string> (e.g. be an async generator)');
    }
    const it = iterable[Symbol.asyncIterator]();
    iterator = it;
    const pull = () =>
      it.next().then(
        (result) => ({ kind: 'chunk' as const, result }),
        (err: unknown) => ({ kind: 'fail' as const, err }),
      );
    let chunk = pull();
    for (;;) {
      const winner = await Promise.race([chunk, aborted, nextItem(core, state).then((item) => ({ kind: 'event' as const, item }))]);
      if (winner.kind === 'aborted') break;
      if (winner.kind === 'fail') {
        if (!signal.aborted) await reportAdapterFailure(core, winner.err);
        break;
      }
      if (winner.kind === 'chunk') {
        if (winner.result.done) {
          finished = true;
          break;
        }
        const text = winner.result.value;
        if (typeof text === 'string' && text.length > 0) {
          if (record.ttftMs === null) record.ttftMs = performance.now() - startedAt;
          record.agentText += text;
          core.conn.trySend({ event: 'agent.text.delta', text });
        }
        chunk = pull();
        continue;
      }
      state.carried = null;
      const item = winner.item;
      if (!item) {
        outcome.closed = true;
        break;
      }
      if (!item.ok) continue;
      const event = item.frame;
      if (event.event === 'user.interrupted') {
        outcome.interrupted = event;
        break;
      }
      if (await handlePassive(core, event)) continue;
      // Final user.text, error and anything else: after the turn, in arrival order.
      state.deferred.push(event);
      if (event.event === 'error' && event.severity === 'fatal') break;
    }
  } catch (err) {
    if (!signal.aborted) await reportAdapterFailure(core, err);
  } finally {
    callSignal.removeEventListener('abort', followCall);
    core.activeTurnAbort = null;
    if (!finished) {
      turnAbort.abort(new Error('turn ended'));
      try {
        // Not awaited: a generator blocked on a provider read finishes once the abort reaches it.
        void iterator?.return?.()?.catch(() => undefined);
      } catch {
        // A broken iterator must not take the call down.
      }
    }
  }
  return outcome;
}

async function reportAdapterFailure(core: SessionCore, err: unknown): Promise<void> {
  core.logger.error({ err, turn: core.turnId }, 'dialog adapter failed; ending the turn');
  await core.hooks.emit('error', { code: 'adapter_failed', message: describe(err), severity: 'error', source: 'adapter' });
}

/** One dialog turn; returns true when the bridge closed during it. */
async function runTurn(core: SessionCore, state: LoopState, frame: UserTextFrame): Promise<boolean> {
  const startedAt = performance.now();
  core.turnId += 1;
  core.metrics.turnStarted();
  const adapterState = core.adapter?.state;
  const record: TurnRecord = {
    turnId: core.turnId,
    serverTurnId: frame.turn_id ?? null,
    userText: frame.text,
    agentText: '',
    interrupted: false,
    ttftMs: null,
    totalMs: 0,
    llmCallCount: 0,
    llmTotalMs: 0,
    worker: null,
    fromNode: typeof adapterState?.node_id === 'string' ? adapterState.node_id : null,
    toNode: null,
  };
  await core.turns.begin(record);
  core.logger.debug({ turn: record.turnId, text_chars: frame.text.length }, 'user turn');
  await core.hooks.emit('user_turn', frame.text, { turnId: record.turnId, serverTurnId: record.serverTurnId, language: frame.extra?.language ?? null });

  let outcome: StreamOutcome = { interrupted: null, closed: false };
  if (core.adapter) {
    outcome = await streamReply(core, state, frame, record, startedAt);
  } else {
    core.logger.warn({ turn: record.turnId }, 'no dialogMachine attached; ending the turn without a reply');
  }
  // Exactly one per turn: it releases the server's turn gate.
  core.conn.trySend({ event: 'agent.text.end' });
  record.totalMs = performance.now() - startedAt;
  record.interrupted = outcome.interrupted !== null;
  const endState = core.adapter?.state;
  record.toNode = typeof endState?.node_id === 'string' ? endState.node_id : null;
  core.metrics.turnFinished({
    turnId: record.turnId,
    ttftMs: record.ttftMs,
    totalMs: record.totalMs,
    interrupted: record.interrupted,
    llmCallCount: record.llmCallCount,
    llmTotalMs: record.llmTotalMs,
  });
  if (outcome.interrupted) await handleInterruption(core, outcome.interrupted, true);
  if (record.agentText) await core.hooks.emit('agent_turn', record.agentText, { turnId: record.turnId, interrupted: record.interrupted });
  await core.turns.finish(record);
  return outcome.closed;
}

/** Run the call until the bridge closes, a fatal error arrives, or the adapter completes. */
export async function runSessionLoop(core: SessionCore): Promise<SessionEndReason> {
  const state: LoopState = { deferred: [], carried: null };
  let reason: SessionEndReason = 'hangup';
  await core.hooks.emit('call_start');
  try {
    loop: for (;;) {
      let frame = state.deferred.shift();
      if (!frame) {
        const item = await nextItem(core, state);
        state.carried = null;
        if (!item) break;
        if (!item.ok) continue;
        frame = item.frame;
      }
      if (await handlePassive(core, frame)) continue;
      switch (frame.event) {
        case 'user.text': {
          const closed = await runTurn(core, state, frame);
          if (closed) break loop;
          if (core.adapter?.isComplete) {
            core.logger.info({ turn: core.turnId }, 'adapter complete; ending the call');
            if (!core.endSent && core.conn.trySend({ event: 'agent.end_call', reason: 'completed' })) core.endSent = true;
            reason = 'completed';
            break loop;
          }
          break;
        }
        case 'user.interrupted':
          await handleInterruption(core, frame, false);
          break;
        case 'error':
          core.logger[frame.severity === 'warn' ? 'warn' : 'error'](
            { code: frame.code, severity: frame.severity, source: frame.source },
            'server reported an error',
          );
          await core.hooks.emit('error', { code: frame.code, message: frame.message, severity: frame.severity, source: frame.source });
          if (frame.severity === 'fatal') {
            reason = 'error';
            break loop;
          }
          break;
        default:
          core.logger.debug({ event: frame.event }, 'bridge event ignored');
      }
    }
  } finally {
    await core.turns.flush();
    if (reason !== 'error' && core.callAbort.signal.aborted) reason = 'cancelled';
    core.logger.info({ reason, turns: core.turnId }, 'session ended');
    await core.hooks.emit('call_end', reason);
  }
  return reason;
}
