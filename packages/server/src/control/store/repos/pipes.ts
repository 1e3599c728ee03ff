import type { Kysely } from 'kysely';
import { DEFAULT_TRANSFER_REFUSAL, Endpointing, type Pipe } from '@unpod/protocol';
import { newId, nowIso } from '../../ids.js';
import type { Database, PipesTable } from '../schema.js';
import { paginate, parseJson, type PageParams } from './paging.js';

/** Validated pipe fields as the store writes them (voice profile already resolved to an id). */
export interface PipeValues {
  name: string;
  voice_profile: string;
  agent_id: string;
  greeting: string | null;
  first_speaker: 'agent' | 'user';
  instructions: string | null;
  recording: boolean;
  max_call_duration_s: number;
  idle_timeout_s: number;
  silence_timeout_s: number;
  endpointing: Endpointing;
  transfer_allowed_numbers: string[] | null;
  transfer_allowed_prefixes: string[] | null;
  transfer_refusal_phrase: string;
  stt_hints: string[] | null;
}

function toRow(values: PipeValues): Omit<PipesTable, 'id' | 'space_id' | 'created_at' | 'updated_at'> {
  return {
    name: values.name,
    voice_profile_id: values.voice_profile,
    agent_id: values.agent_id,
    greeting: values.greeting,
    first_speaker: values.first_speaker,
    instructions: values.instructions,
    recording: values.recording ? 1 : 0,
    max_call_duration_s: values.max_call_duration_s,
    idle_timeout_s: values.idle_timeout_s,
    silence_timeout_s: values.silence_timeout_s,
    endpointing: JSON.stringify(values.endpointing),
    transfer_allowed_numbers: values.transfer_allowed_numbers === null ? null : JSON.stringify(values.transfer_allowed_numbers),
    transfer_allowed_prefixes: values.transfer_allowed_prefixes === null ? null : JSON.stringify(values.transfer_allowed_prefixes),
    transfer_refusal_phrase: values.transfer_refusal_phrase,
    stt_hints: values.stt_hints === null ? null : JSON.stringify(values.stt_hints),
  };
}

function toPipe(row: PipesTable, numbers: string[]): Pipe {
  return {
    id: row.id,
    name: row.name,
    voice_profile: row.voice_profile_id,
    agent_id: row.agent_id,
    greeting: row.greeting,
    first_speaker: row.first_speaker as Pipe['first_speaker'],
    instructions: row.instructions,
    recording: row.recording === 1,
    max_call_duration_s: row.max_call_duration_s,
    idle_timeout_s: row.idle_timeout_s,
    silence_timeout_s: row.silence_timeout_s,
    endpointing: Endpointing.parse(parseJson(row.endpointing, {})),
    transfer_allowed_numbers: parseJson<string[] | null>(row.transfer_allowed_numbers, null),
    transfer_allowed_prefixes: parseJson<string[] | null>(row.transfer_allowed_prefixes, null),
    transfer_refusal_phrase: row.transfer_refusal_phrase || DEFAULT_TRANSFER_REFUSAL,
    stt_hints: parseJson<string[] | null>(row.stt_hints, null),
    numbers,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Pipes: voice profile + agent_id + call behaviour. Numbers attach to them. */
export class PipesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  private async numbersOf(pipeIds: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (pipeIds.length === 0) return map;
    const rows = await this.db.selectFrom('numbers').select(['pipe_id', 'number']).where('pipe_id', 'in', pipeIds).orderBy('number').execute();
    for (const r of rows) if (r.pipe_id) map.set(r.pipe_id, [...(map.get(r.pipe_id) ?? []), r.number]);
    return map;
  }

  async create(spaceId: string, values: PipeValues): Promise<Pipe> {
    const now = nowIso();
    const row: PipesTable = { id: newId('pipe'), space_id: spaceId, created_at: now, updated_at: now, ...toRow(values) };
    await this.db.insertInto('pipes').values(row).execute();
    return toPipe(row, []);
  }

  async get(spaceId: string, id: string): Promise<Pipe | undefined> {
    const row = await this.db.selectFrom('pipes').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return toPipe(row, (await this.numbersOf([row.id])).get(row.id) ?? []);
  }

  /** The pipe a call for `agentId` uses when none is named: the oldest pipe of that agent. */
  async findByAgent(spaceId: string, agentId: string): Promise<Pipe | undefined> {
    const row = await this.db
      .selectFrom('pipes')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('agent_id', '=', agentId)
      .orderBy('id', 'asc')
      .executeTakeFirst();
    if (!row) return undefined;
    return toPipe(row, (await this.numbersOf([row.id])).get(row.id) ?? []);
  }

  async list(spaceId: string, page: PageParams, filter: { agent_id?: string | undefined } = {}) {
    let q = this.db.selectFrom('pipes').selectAll().where('space_id', '=', spaceId);
    if (filter.agent_id !== undefined) q = q.where('agent_id', '=', filter.agent_id);
    const result = await paginate(q, 'id', page, (row) => row);
    const numbers = await this.numbersOf(result.data.map((r) => r.id));
    return { data: result.data.map((r) => toPipe(r, numbers.get(r.id) ?? [])), next_cursor: result.next_cursor };
  }

  async update(spaceId: string, id: string, values: PipeValues): Promise<Pipe | undefined> {
    await this.db
      .updateTable('pipes')
      .set({ ...toRow(values), updated_at: nowIso() })
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .execute();
    return this.get(spaceId, id);
  }

  /** Delete a pipe; its numbers become available again (FK `on delete set null`). */
  async delete(spaceId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('pipes').where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
