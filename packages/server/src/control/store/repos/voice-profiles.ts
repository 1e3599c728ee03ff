import type { Kysely } from 'kysely';
import { FailoverSettings, type ProviderStep, type VoiceProfile } from '@unpod/protocol';
import type { Database, VoiceProfilesTable } from '../schema.js';
import { decodeCursor, encodeCursor, paginate, parseJson, type PageParams } from './paging.js';

export const toVoiceProfile = (row: VoiceProfilesTable): VoiceProfile => ({
  id: row.id,
  name: row.name,
  description: row.description,
  language: row.language,
  languages: parseJson<string[]>(row.languages, []),
  gender: row.gender as VoiceProfile['gender'],
  quality: row.quality as VoiceProfile['quality'],
  offline: row.offline === 1,
  stt_chain: parseJson<ProviderStep[]>(row.stt_chain, []),
  tts_chain: parseJson<ProviderStep[]>(row.tts_chain, []),
  latency_ms: row.latency_ms,
  cost_per_min_usd: Number(row.cost_per_min_usd),
  greeting: row.greeting,
  failover: failoverSettings(row.failover),
  created_at: row.created_at,
});

/** Stored failover settings with defaults filled in; a row that no longer validates gets the defaults. */
function failoverSettings(text: string | null): FailoverSettings {
  const parsed = FailoverSettings.safeParse(parseJson<unknown>(text, {}) ?? {});
  return parsed.success ? parsed.data : FailoverSettings.parse({});
}

/** True when `profile` serves `language` (`en` matches `en-US`; `en-US` matches `en` and `en-US`). */
export function servesLanguage(profile: VoiceProfile, language: string): boolean {
  const wanted = language.toLowerCase();
  const base = wanted.split('-')[0]!;
  return profile.languages.some((l) => {
    const have = l.toLowerCase();
    return have === wanted || have === base || have.split('-')[0] === wanted;
  });
}

/** Voice profiles: the global seeded catalog plus a space's own (none can be created via REST yet). */
export class VoiceProfilesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  private visible(spaceId: string) {
    return this.db
      .selectFrom('voice_profiles')
      .selectAll()
      .where((eb) => eb.or([eb('space_id', 'is', null), eb('space_id', '=', spaceId)]));
  }

  /**
   * List visible profiles. The language filter runs in the query on the JSON text (cheap
   * prefilter) and then exactly in code, so `en` never matches `ben`.
   */
  async list(spaceId: string, page: PageParams, filter: { language?: string | undefined; offline?: boolean | undefined } = {}) {
    let q = this.visible(spaceId);
    if (filter.offline !== undefined) q = q.where('offline', '=', filter.offline ? 1 : 0);
    if (filter.language === undefined) return paginate(q, 'id', page, toVoiceProfile);
    const base = filter.language.toLowerCase().split('-')[0]!;
    q = q.where('languages', 'like', `%"${base.replace(/[%_"\\]/g, '')}%`);
    const all = (await q.orderBy('id', 'desc').execute()).map(toVoiceProfile).filter((p) => servesLanguage(p, filter.language!));
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const remaining = after === undefined ? all : all.filter((p) => p.id < after);
    const data = remaining.slice(0, page.limit);
    const last = data[data.length - 1];
    return { data, next_cursor: remaining.length > page.limit && last ? encodeCursor(last.id) : null };
  }

  async get(spaceId: string, id: string): Promise<VoiceProfile | undefined> {
    const row = await this.visible(spaceId).where('id', '=', id).executeTakeFirst();
    return row && toVoiceProfile(row);
  }

  /** Resolve an id, else a case-insensitive name; ids win so renamed profiles stay reachable. */
  async resolve(spaceId: string, idOrName: string): Promise<VoiceProfile | undefined> {
    const byId = await this.get(spaceId, idOrName);
    if (byId) return byId;
    const rows = await this.visible(spaceId).orderBy('id', 'asc').execute();
    const wanted = idOrName.trim().toLowerCase();
    const row = rows.find((r) => r.name.toLowerCase() === wanted);
    return row && toVoiceProfile(row);
  }

  /** Insert or refresh the global catalog (seeds own their rows; space profiles are untouched). */
  async upsertGlobal(rows: VoiceProfilesTable[]): Promise<void> {
    for (const row of rows) {
      await this.db
        .insertInto('voice_profiles')
        .values(row)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            name: row.name,
            description: row.description,
            language: row.language,
            languages: row.languages,
            gender: row.gender,
            quality: row.quality,
            offline: row.offline,
            stt_chain: row.stt_chain,
            tts_chain: row.tts_chain,
            latency_ms: row.latency_ms,
            cost_per_min_usd: row.cost_per_min_usd,
            greeting: row.greeting,
            failover: row.failover,
          }),
        )
        .execute();
    }
  }
}
