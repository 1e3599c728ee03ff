import type { Kysely } from 'kysely';
import { SpeechFailover, SpeechUsage, type Call, type CallEndReason, type CallStatus, type CallTransport, type TranscriptTurn, type TurnMetrics } from '@unpod/protocol';
import { newId, nowIso } from '../../ids.js';
import type { CallsTable, Database } from '../schema.js';
import { paginate, parseJson, type PageParams } from './paging.js';

export interface NewCall {
  pipe_id: string | null;
  agent_id: string;
  direction: 'inbound' | 'outbound';
  transport: CallTransport;
  from_number: string | null;
  to_number: string | null;
  instructions: string | null;
  data: Record<string, unknown>;
  node_id: string | null;
}

export interface CallFilter {
  status?: CallStatus | undefined;
  pipe_id?: string | undefined;
  agent_id?: string | undefined;
  direction?: 'inbound' | 'outbound' | undefined;
  transport?: CallTransport | undefined;
}

/** A stored call row with its space, for the orchestrator (which works across spaces). */
export type CallRecord = Call & { space_id: string; node_id: string | null; recording_path: string | null };

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed']);

export function toCall(row: CallsTable, recordingUrl: (row: CallsTable) => string | null = defaultRecordingUrl): CallRecord {
  return {
    id: row.id,
    space_id: row.space_id,
    pipe_id: row.pipe_id,
    agent_id: row.agent_id,
    direction: row.direction as Call['direction'],
    transport: row.transport as CallTransport,
    status: row.status as CallStatus,
    from_number: row.from_number,
    to_number: row.to_number,
    instructions: row.instructions,
    data: parseJson<Record<string, unknown>>(row.data, {}),
    worker_id: row.worker_id,
    node_id: row.node_id,
    end_reason: row.end_reason as CallEndReason | null,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    created_at: row.created_at,
    answered_at: row.answered_at,
    ended_at: row.ended_at,
    duration_s: row.duration_s === null ? null : Number(row.duration_s),
    recording_url: recordingUrl(row),
    recording_path: row.recording_path,
  };
}

function defaultRecordingUrl(row: CallsTable): string | null {
  return row.recording_path ? `/v1/calls/${row.id}/recording` : null;
}

/** Strip server-internal fields before a call leaves the server. */
export function publicCall(record: CallRecord): Call {
  const { space_id: _s, node_id: _n, recording_path: _r, ...call } = record;
  return call;
}

/** Calls, their transcript turns, per-turn metrics and event log. */
export class CallsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(spaceId: string, v: NewCall): Promise<CallRecord> {
    const now = nowIso();
    const row: CallsTable = {
      id: newId('call'),
      space_id: spaceId,
      pipe_id: v.pipe_id,
      agent_id: v.agent_id,
      direction: v.direction,
      transport: v.transport,
      status: 'pending',
      from_number: v.from_number,
      to_number: v.to_number,
      instructions: v.instructions,
      data: JSON.stringify(v.data),
      worker_id: null,
      node_id: v.node_id,
      end_reason: null,
      error_code: null,
      error_message: null,
      recording_path: null,
      created_at: now,
      answered_at: null,
      ended_at: null,
      duration_s: null,
      updated_at: now,
    };
    await this.db.insertInto('calls').values(row).execute();
    return toCall(row);
  }

  /** A call of a space, optionally with transcript and metrics. */
  async get(spaceId: string | null, id: string, detail = false): Promise<CallRecord | undefined> {
    let q = this.db.selectFrom('calls').selectAll().where('id', '=', id);
    if (spaceId !== null) q = q.where('space_id', '=', spaceId);
    const row = await q.executeTakeFirst();
    if (!row) return undefined;
    const call = toCall(row);
    if (detail) {
      call.transcript = await this.transcript(id);
      call.turn_metrics = await this.turnMetrics(id);
      Object.assign(call, await this.speech(id));
    }
    return call;
  }

  list(spaceId: string, page: PageParams, filter: CallFilter = {}) {
    let q = this.db.selectFrom('calls').selectAll().where('space_id', '=', spaceId);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    if (filter.pipe_id !== undefined) q = q.where('pipe_id', '=', filter.pipe_id);
    if (filter.agent_id !== undefined) q = q.where('agent_id', '=', filter.agent_id);
    if (filter.direction !== undefined) q = q.where('direction', '=', filter.direction);
    if (filter.transport !== undefined) q = q.where('transport', '=', filter.transport);
    return paginate(q, 'id', page, (row) => toCall(row));
  }

  /** Calls of this node that are not finished (for crash recovery at boot). */
  async unfinishedOnNode(nodeId: string): Promise<CallRecord[]> {
    const rows = await this.db
      .selectFrom('calls')
      .selectAll()
      .where('node_id', '=', nodeId)
      .where('status', 'not in', ['completed', 'failed'])
      .execute();
    return rows.map((r) => toCall(r));
  }

  /** Every call not finished, whatever its node (crash recovery of a store only one node uses). */
  async unfinished(): Promise<CallRecord[]> {
    const rows = await this.db.selectFrom('calls').selectAll().where('status', 'not in', ['completed', 'failed']).execute();
    return rows.map((r) => toCall(r));
  }

  /** Move a live call to ringing/active; never resurrects a finished call. */
  async markStatus(id: string, status: 'ringing' | 'active', patch: { worker_id?: string | null } = {}): Promise<boolean> {
    const now = nowIso();
    const result = await this.db
      .updateTable('calls')
      .set({ status, updated_at: now, ...(status === 'active' ? { answered_at: now } : {}), ...patch })
      .where('id', '=', id)
      .where('status', 'not in', [...TERMINAL])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setWorker(id: string, workerId: string | null): Promise<void> {
    await this.db.updateTable('calls').set({ worker_id: workerId, updated_at: nowIso() }).where('id', '=', id).execute();
  }

  /**
   * Finish a call once: the first caller wins, later attempts are no-ops and return false.
   * `failed` when `error` is given, else `completed`.
   */
  async finish(id: string, reason: CallEndReason, error?: { code: string; message: string }): Promise<boolean> {
    const row = await this.db.selectFrom('calls').select(['answered_at', 'created_at']).where('id', '=', id).executeTakeFirst();
    if (!row) return false;
    const endedAt = new Date();
    const startedAt = row.answered_at ?? null;
    const result = await this.db
      .updateTable('calls')
      .set({
        status: error ? 'failed' : 'completed',
        end_reason: reason,
        error_code: error?.code ?? null,
        error_message: error?.message ?? null,
        ended_at: endedAt.toISOString(),
        duration_s: startedAt ? Math.max(0, (endedAt.getTime() - Date.parse(startedAt)) / 1000) : 0,
        updated_at: endedAt.toISOString(),
      })
      .where('id', '=', id)
      .where('status', 'not in', [...TERMINAL])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setRecordingPath(id: string, recordingPath: string): Promise<void> {
    await this.db.updateTable('calls').set({ recording_path: recordingPath, updated_at: nowIso() }).where('id', '=', id).execute();
  }

  async appendTurn(callId: string, turn: Omit<TranscriptTurn, 'at'> & { at?: string }): Promise<void> {
    await this.db
      .insertInto('call_turns')
      .values({
        call_id: callId,
        seq: turn.seq,
        role: turn.role,
        text: turn.text,
        at: turn.at ?? nowIso(),
        interrupted: turn.interrupted ? 1 : 0,
        heard_text: turn.heard_text,
      })
      .execute();
  }

  async transcript(callId: string): Promise<TranscriptTurn[]> {
    const rows = await this.db.selectFrom('call_turns').selectAll().where('call_id', '=', callId).orderBy('seq').execute();
    return rows.map((r) => ({ seq: r.seq, role: r.role as TranscriptTurn['role'], text: r.text, at: r.at, interrupted: r.interrupted === 1, heard_text: r.heard_text }));
  }

  async putTurnMetrics(callId: string, m: TurnMetrics): Promise<void> {
    const values = {
      stt_ms: m.stt_ms,
      agent_ttft_ms: m.agent_ttft_ms,
      tts_ttfb_ms: m.tts_ttfb_ms,
      ttfa_ms: m.ttfa_ms,
      agent_total_ms: m.agent_total_ms,
      interrupted: m.interrupted ? 1 : 0,
    };
    await this.db
      .insertInto('call_turn_metrics')
      .values({ call_id: callId, turn_id: m.turn_id, ...values })
      .onConflict((oc) => oc.columns(['call_id', 'turn_id']).doUpdateSet(values))
      .execute();
  }

  async turnMetrics(callId: string): Promise<TurnMetrics[]> {
    const rows = await this.db.selectFrom('call_turn_metrics').selectAll().where('call_id', '=', callId).orderBy('turn_id').execute();
    const num = (v: number | null) => (v === null ? null : Number(v));
    return rows.map((r) => ({
      turn_id: r.turn_id,
      stt_ms: num(r.stt_ms),
      agent_ttft_ms: num(r.agent_ttft_ms),
      tts_ttfb_ms: num(r.tts_ttfb_ms),
      ttfa_ms: num(r.ttfa_ms),
      agent_total_ms: num(r.agent_total_ms),
      interrupted: r.interrupted === 1,
    }));
  }

  /**
   * The call's speech failovers and usage (events `speech.failover` and `speech.usage`); empty
   * lists are left out. Rows that no longer match the model are skipped.
   */
  async speech(callId: string): Promise<Pick<Call, 'speech_failovers' | 'speech_usage'>> {
    const rows = await this.db
      .selectFrom('call_events')
      .select(['type', 'data'])
      .where('call_id', '=', callId)
      .where('type', 'in', ['speech.failover', 'speech.usage'])
      .orderBy('id')
      .execute();
    const failovers: SpeechFailover[] = [];
    const usage: SpeechUsage[] = [];
    for (const r of rows) {
      const data = parseJson<unknown>(r.data, null);
      if (r.type === 'speech.failover') {
        const parsed = SpeechFailover.safeParse(data);
        if (parsed.success) failovers.push(parsed.data);
      } else {
        const parsed = SpeechUsage.safeParse(data);
        if (parsed.success) usage.push(parsed.data);
      }
    }
    return { ...(failovers.length > 0 ? { speech_failovers: failovers } : {}), ...(usage.length > 0 ? { speech_usage: usage } : {}) };
  }

  /** Append to the call's event log (worker changes, errors, transfers). */
  async addEvent(callId: string, type: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.db.insertInto('call_events').values({ id: newId('call'), call_id: callId, at: nowIso(), type, data: JSON.stringify(data) }).execute();
  }

  async events(callId: string): Promise<Array<{ at: string; type: string; data: Record<string, unknown> }>> {
    const rows = await this.db.selectFrom('call_events').selectAll().where('call_id', '=', callId).orderBy('id').execute();
    return rows.map((r) => ({ at: r.at, type: r.type, data: parseJson<Record<string, unknown>>(r.data, {}) }));
  }
}
