import { CompiledQuery, type Kysely } from 'kysely';
import type { TranscriptTurn, TurnMetrics } from '@unpod/protocol';
import type { Database } from '../schema.js';

/**
 * One row of a live call's log: a transcript turn, one turn's metrics (a later write for the same
 * turn replaces an earlier one) or an event. Times and event ids are fixed when the entry is made,
 * so a batch written later keeps them in order.
 */
export type CallLogEntry =
  | { kind: 'turn'; callId: string; turn: TranscriptTurn }
  | { kind: 'metrics'; callId: string; metrics: TurnMetrics }
  | { kind: 'event'; callId: string; id: string; at: string; type: string; data: Record<string, unknown> };

/** Rows per multi-row insert: far below either engine's bound-parameter limit. */
const ROWS_PER_STATEMENT = 64;

interface Table {
  name: 'call_turns' | 'call_turn_metrics' | 'call_events';
  columns: readonly string[];
  /** Appended to the insert (the metrics upsert). */
  suffix: string;
}

const TURNS: Table = { name: 'call_turns', columns: ['call_id', 'seq', 'role', 'text', 'at', 'interrupted', 'heard_text'], suffix: '' };
const METRIC_VALUES = ['stt_ms', 'agent_ttft_ms', 'tts_ttfb_ms', 'ttfa_ms', 'agent_total_ms', 'interrupted'];
const METRICS: Table = {
  name: 'call_turn_metrics',
  columns: ['call_id', 'turn_id', ...METRIC_VALUES],
  suffix: ` on conflict ("call_id", "turn_id") do update set ${METRIC_VALUES.map((c) => `"${c}" = excluded."${c}"`).join(', ')}`,
};
const EVENTS: Table = { name: 'call_events', columns: ['id', 'call_id', 'at', 'type', 'data'], suffix: '' };

/**
 * Writes batches of live calls' log rows (`CallLogWriter` collects them). These are the most
 * frequent writes the server makes, so their SQL is built once per shape and run as compiled
 * queries: building them with the query builder cost more than running them.
 */
export class CallLogRepo {
  private readonly sqlCache = new Map<string, string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  /** Write `entries`: one multi-row statement per table (per 64 rows), in one transaction when there are several. All or nothing. */
  async write(entries: readonly CallLogEntry[]): Promise<void> {
    const turns: unknown[][] = [];
    const metrics = new Map<string, unknown[]>();
    const events: unknown[][] = [];
    for (const e of entries) {
      if (e.kind === 'turn') {
        const t = e.turn;
        turns.push([e.callId, t.seq, t.role, t.text, t.at, t.interrupted ? 1 : 0, t.heard_text]);
      } else if (e.kind === 'metrics') {
        const m = e.metrics;
        // One statement cannot upsert a row twice (PostgreSQL refuses): the last write wins, as in order.
        const key = `${e.callId}\u0000${m.turn_id}`;
        metrics.delete(key);
        metrics.set(key, [e.callId, m.turn_id, m.stt_ms, m.agent_ttft_ms, m.tts_ttfb_ms, m.ttfa_ms, m.agent_total_ms, m.interrupted ? 1 : 0]);
      } else {
        events.push([e.id, e.callId, e.at, e.type, JSON.stringify(e.data)]);
      }
    }
    const queries = [...this.inserts(TURNS, turns), ...this.inserts(METRICS, [...metrics.values()]), ...this.inserts(EVENTS, events)];
    if (queries.length === 1) {
      await this.db.executeQuery(queries[0]!);
    } else if (queries.length > 1) {
      await this.db.transaction().execute(async (trx) => {
        for (const query of queries) await trx.executeQuery(query);
      });
    }
  }

  private inserts(table: Table, rows: unknown[][]): CompiledQuery[] {
    const out: CompiledQuery[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      out.push(CompiledQuery.raw(this.insertSql(table, chunk.length), chunk.flat()));
    }
    return out;
  }

  private insertSql(table: Table, rowCount: number): string {
    const key = `${table.name}:${rowCount}`;
    let text = this.sqlCache.get(key);
    if (text === undefined) {
      const width = table.columns.length;
      const rows: string[] = [];
      for (let r = 0; r < rowCount; r++) {
        const marks = table.columns.map((_, c) => (this.dialect === 'postgres' ? `$${r * width + c + 1}` : '?'));
        rows.push(`(${marks.join(', ')})`);
      }
      text = `insert into "${table.name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) values ${rows.join(', ')}${table.suffix}`;
      this.sqlCache.set(key, text);
    }
    return text;
  }
}
