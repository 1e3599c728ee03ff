import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { UsageReport } from '@unpod/protocol';
import type { Database } from '../schema.js';

/**
 * Speech usage analytics over the `speech.usage` events each voice call writes when its media
 * stops (one per capability and provider, JSON in `call_events.data`). Summed in SQL on both
 * engines; calls are selected by space and creation time.
 */
export class UsageRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  /** Usage per capability and provider of the space's calls created in `[from, to)` (ISO-8601 UTC). */
  async speechUsage(spaceId: string, from: string, to: string): Promise<UsageReport['data']> {
    const field = (name: string): RawBuilder<unknown> =>
      this.dialect === 'postgres' ? sql`(cast(e.data as jsonb) ->> ${sql.lit(name)})` : sql`json_extract(e.data, ${sql.lit(`$.${name}`)})`;
    const num = (name: string): RawBuilder<unknown> => (this.dialect === 'postgres' ? sql`cast(${field(name)} as double precision)` : field(name));
    const rows = await this.db
      .selectFrom('call_events as e')
      .innerJoin('calls as c', 'c.id', 'e.call_id')
      .where('c.space_id', '=', spaceId)
      .where('c.created_at', '>=', from)
      .where('c.created_at', '<', to)
      .where('e.type', '=', 'speech.usage')
      .select([
        sql<string>`${field('kind')}`.as('kind'),
        sql<string>`${field('provider')}`.as('provider'),
        sql<number>`coalesce(sum(${num('audio_seconds')}), 0)`.as('audio_seconds'),
        sql<number>`coalesce(sum(${num('characters')}), 0)`.as('characters'),
        sql<number>`coalesce(sum(${num('requests')}), 0)`.as('requests'),
        sql<number>`count(distinct e.call_id)`.as('calls'),
      ])
      .groupBy([sql`${field('kind')}`, sql`${field('provider')}`])
      .orderBy(sql`${field('kind')}`)
      .orderBy(sql`${field('provider')}`)
      .execute();
    return rows
      .filter((r) => (r.kind === 'stt' || r.kind === 'tts') && typeof r.provider === 'string')
      .map((r) => ({
        kind: r.kind as 'stt' | 'tts',
        provider: r.provider,
        audio_seconds: Math.round(Number(r.audio_seconds) * 1000) / 1000,
        characters: Number(r.characters),
        requests: Number(r.requests),
        calls: Number(r.calls),
      }));
  }
}
