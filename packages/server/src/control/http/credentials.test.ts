import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, expectErrorShape, openHarness, type Harness } from './rest-harness.mjs';

const DG_KEY = 'dg-secret-0123456789abcd';

describe.each(DATABASES)('REST /v1/credentials (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind);
  });
  afterAll(() => h.close());

  it('stores a credential write-only: the answer shows provider, field names and a last-4 hint, never the secret', async () => {
    const res = await h.request('POST', '/v1/credentials', { json: { provider: 'deepgram', secret: { api_key: DG_KEY } } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ provider: 'deepgram', space_id: h.spaceId, fields: ['api_key'], hint: '…abcd' });
    expect(res.body.id).toMatch(/^CRD_/);
    expect(res.text).not.toContain(DG_KEY);

    const list = await h.request('GET', '/v1/credentials');
    expect(list.status).toBe(200);
    expect(list.body.data.map((c: { provider: string }) => c.provider)).toContain('deepgram');
    expect(list.text).not.toContain(DG_KEY);
    const one = await h.request('GET', `/v1/credentials/${res.body.id as string}`);
    expect(one.body).toEqual(res.body);
    expect(one.text).not.toContain(DG_KEY);
  });

  it('keeps only ciphertext in the database, bound to its row, and decrypts for the speech layer', async () => {
    const created = (await h.request('POST', '/v1/credentials', { json: { provider: 'azure', secret: { api_key: 'az-secret-key-7777', region: 'westeurope' } } })).body;
    const row = await h.store.db.kysely.selectFrom('credentials').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.secret).toMatch(/^v1\./);
    expect(row.secret).not.toContain('az-secret');
    expect(Buffer.from(row.secret.slice(3), 'base64').toString('latin1')).not.toContain('az-secret');
    expect(await h.store.credentials.secretFor(h.spaceId, 'azure')).toEqual({ id: created.id, provider: 'azure', fields: { api_key: 'az-secret-key-7777', region: 'westeurope' } });
    // The same ciphertext copied to another space's row does not open there.
    const other = await h.newTenant();
    await h.request('POST', '/v1/credentials', { key: other.key, json: { provider: 'azure', secret: { api_key: 'other-key-0000', region: 'eastus' } } });
    await h.store.db.kysely.updateTable('credentials').set({ secret: row.secret }).where('space_id', '=', other.spaceId).where('provider', '=', 'azure').execute();
    await expect(h.store.credentials.secretFor(other.spaceId, 'azure')).rejects.toThrow(/cannot be decrypted/);
  });

  it('a second POST for the same provider replaces the first (key rotation)', async () => {
    const first = (await h.request('POST', '/v1/credentials', { json: { provider: 'openai', secret: { api_key: 'sk-first-1111' } } })).body;
    const second = (await h.request('POST', '/v1/credentials', { json: { provider: 'openai', secret: { api_key: 'sk-second-2222' } } })).body;
    expect(second.id).not.toBe(first.id);
    expect(second.hint).toBe('…2222');
    expect((await h.request('GET', `/v1/credentials/${first.id as string}`)).status).toBe(404);
    expect((await h.store.credentials.secretFor(h.spaceId, 'openai'))?.fields['api_key']).toBe('sk-second-2222');
  });

  it('DELETE removes it; the speech layer no longer finds it', async () => {
    const created = (await h.request('POST', '/v1/credentials', { json: { provider: 'google', secret: { api_key: 'AIza-delete-me-3333' } } })).body;
    const res = await h.request('DELETE', `/v1/credentials/${created.id as string}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.id, provider: 'google' });
    expect(await h.store.credentials.secretFor(h.spaceId, 'google')).toBeUndefined();
    expect(expectErrorShape(await h.request('DELETE', `/v1/credentials/${created.id as string}`)).code).toBe('not_found');
  });

  it('is space-scoped: another space gets 404 for the id and does not see it in its list', async () => {
    const mine = (await h.request('POST', '/v1/credentials', { json: { provider: 'elevenlabs', secret: { api_key: 'el-mine-4444' } } })).body;
    const other = await h.newTenant();
    for (const method of ['GET', 'DELETE']) {
      const res = await h.request(method, `/v1/credentials/${mine.id as string}`, { key: other.key });
      expect(res.status).toBe(404);
      expect(expectErrorShape(res).code).toBe('not_found');
    }
    const list = await h.request('GET', '/v1/credentials', { key: other.key });
    expect(list.body.data).toEqual([]);
    expect(await h.store.credentials.secretFor(other.spaceId, 'elevenlabs')).toBeUndefined();
    expect((await h.request('GET', `/v1/credentials/${mine.id as string}`)).status).toBe(200);
  });

  it('needs an API key', async () => {
    expect((await h.request('GET', '/v1/credentials', { key: null })).status).toBe(401);
    expect((await h.request('POST', '/v1/credentials', { key: null, json: { provider: 'deepgram', secret: { api_key: 'x' } } })).status).toBe(401);
  });

  it.each([
    ['no body fields', {}, 'provider'],
    ['a bad provider name', { provider: 'Deep Gram', secret: { api_key: 'k' } }, 'provider'],
    ['no secret', { provider: 'deepgram' }, 'secret'],
    ['a secret without api_key', { provider: 'deepgram', secret: { region: 'x' } }, 'secret'],
    ['an empty field', { provider: 'deepgram', secret: { api_key: '' } }, 'secret.api_key'],
    ['a non-string field', { provider: 'deepgram', secret: { api_key: 42 } }, 'secret.api_key'],
    ['a bad field name', { provider: 'deepgram', secret: { api_key: 'k', 'Bad-Name': 'v' } }, 'secret.Bad-Name'],
    ['an unknown top-level field', { provider: 'deepgram', secret: { api_key: 'k' }, name: 'x' }, 'name'],
    ['an over-long key', { provider: 'deepgram', secret: { api_key: 'k'.repeat(8193) } }, 'secret.api_key'],
  ])('refuses %s with 422 validation_failed naming the field', async (_what, json, field) => {
    const res = await h.request('POST', '/v1/credentials', { json });
    expect(res.status).toBe(422);
    const error = expectErrorShape(res);
    expect(error.code).toBe('validation_failed');
    expect(error.field).toBe(field);
  });

  it('refuses a malformed id with 404 and appears in openapi.json', async () => {
    expect((await h.request('GET', '/v1/credentials/not-an-id')).status).toBe(404);
    const spec = await h.request('GET', '/openapi.json', { key: null });
    expect(Object.keys(spec.body.paths as object)).toEqual(expect.arrayContaining(['/v1/credentials', '/v1/credentials/{id}']));
  });
});
