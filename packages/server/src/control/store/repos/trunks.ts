import type { Kysely } from 'kysely';
import type { Codec, SipTransport, Trunk } from '@unpod/protocol';
import { newId, nowIso } from '../../ids.js';
import type { Database, TrunksTable } from '../schema.js';
import { paginate, parseJson, type PageParams } from './paging.js';

/** Trunk fields as stored. `password` stays server-side: responses only say whether one is set. */
export interface TrunkValues {
  name: string;
  host: string;
  port: number;
  transport: SipTransport;
  username: string | null;
  password: string | null;
  source_ips: string[];
  codecs: Codec[];
  register: boolean;
  country_code: string | null;
  national_prefix: string | null;
  outbound_caller_id: string | null;
  max_concurrent_calls: number | null;
  dids: string[];
}

/** A trunk with its secret, for the telephony layer only; never serialised to clients. */
export interface TrunkWithSecret extends Trunk {
  password: string | null;
}

function toRow(v: TrunkValues): Omit<TrunksTable, 'id' | 'space_id' | 'created_at' | 'updated_at'> {
  return {
    name: v.name,
    host: v.host,
    port: v.port,
    transport: v.transport,
    username: v.username,
    password: v.password,
    source_ips: JSON.stringify(v.source_ips),
    codecs: JSON.stringify(v.codecs),
    register: v.register ? 1 : 0,
    country_code: v.country_code,
    national_prefix: v.national_prefix,
    outbound_caller_id: v.outbound_caller_id,
    max_concurrent_calls: v.max_concurrent_calls,
    dids: JSON.stringify(v.dids),
  };
}

function toTrunk(row: TrunksTable): TrunkWithSecret {
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    transport: row.transport as SipTransport,
    username: row.username,
    has_password: row.password !== null,
    password: row.password,
    source_ips: parseJson<string[]>(row.source_ips, []),
    codecs: parseJson<Codec[]>(row.codecs, []),
    register: row.register === 1,
    country_code: row.country_code,
    national_prefix: row.national_prefix,
    outbound_caller_id: row.outbound_caller_id,
    max_concurrent_calls: row.max_concurrent_calls,
    dids: parseJson<string[]>(row.dids, []),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Strip the secret before a trunk leaves the server. */
export function publicTrunk(trunk: TrunkWithSecret): Trunk {
  const { password: _password, ...rest } = trunk;
  return rest;
}

/** The stored values of a trunk, for read-modify-write updates. */
export function trunkValues(trunk: TrunkWithSecret): TrunkValues {
  const { id: _i, has_password: _h, created_at: _c, updated_at: _u, ...values } = trunk;
  return values;
}

/** SIP trunks of a space. */
export class TrunksRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(spaceId: string, values: TrunkValues): Promise<TrunkWithSecret> {
    const now = nowIso();
    const row: TrunksTable = { id: newId('trunk'), space_id: spaceId, created_at: now, updated_at: now, ...toRow(values) };
    await this.db.insertInto('trunks').values(row).execute();
    return toTrunk(row);
  }

  async get(spaceId: string, id: string): Promise<TrunkWithSecret | undefined> {
    const row = await this.db.selectFrom('trunks').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return row && toTrunk(row);
  }

  list(spaceId: string, page: PageParams) {
    return paginate(this.db.selectFrom('trunks').selectAll().where('space_id', '=', spaceId), 'id', page, toTrunk);
  }

  /** Every trunk of every space, for SIP source matching. */
  async all(): Promise<Array<TrunkWithSecret & { space_id: string }>> {
    const rows = await this.db.selectFrom('trunks').selectAll().execute();
    return rows.map((r) => ({ ...toTrunk(r), space_id: r.space_id }));
  }

  async update(spaceId: string, id: string, values: TrunkValues): Promise<TrunkWithSecret | undefined> {
    await this.db
      .updateTable('trunks')
      .set({ ...toRow(values), updated_at: nowIso() })
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .execute();
    return this.get(spaceId, id);
  }

  async delete(spaceId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('trunks').where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
