import { PhoneNumber, Trunk, TrunkSyncResult, page } from '@unpod/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, expectErrorShape, freshNumber, openHarness, type ApiResponse, type Harness } from './rest-harness.mjs';

describe.each(DATABASES)('REST trunks and numbers (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  const created = <T>(res: ApiResponse, schema: { parse(v: unknown): T }): T => {
    expect(res.status, res.text).toBe(201);
    return schema.parse(res.body);
  };
  const newPipe = async (agent: string) => (await h.request('POST', '/v1/pipes', { json: { name: agent, agent_id: agent } })).body.id as string;
  const newNumber = async (body: Record<string, unknown> = {}) =>
    created(await h.request('POST', '/v1/numbers', { json: { number: freshNumber(), ...body } }), PhoneNumber);
  /** The trunk password must never appear in any response. */
  const SECRET = 'hunter2-s3cret-value';
  const expectNoSecret = (res: ApiResponse) => {
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain('"password"');
  };

  describe('trunks', () => {
    it('creates a trunk with defaults; the password is write-only (has_password)', async () => {
      const res = await h.request('POST', '/v1/trunks', { json: { name: 'carrier', host: 'sip.example.com', username: 'acct', password: SECRET } });
      const trunk = created(res, Trunk.strict());
      expectNoSecret(res);
      expect(trunk).toMatchObject({
        name: 'carrier',
        host: 'sip.example.com',
        port: 5060,
        transport: 'udp',
        username: 'acct',
        has_password: true,
        source_ips: [],
        codecs: ['PCMU', 'PCMA'],
        register: false,
        country_code: null,
        national_prefix: null,
        outbound_caller_id: null,
        max_concurrent_calls: null,
        dids: [],
      });
      expect(trunk.id).toMatch(/^TRK_/);

      const got = await h.request('GET', `/v1/trunks/${trunk.id}`);
      expectNoSecret(got);
      expect(got.body).toEqual(trunk);
      const list = await h.request('GET', '/v1/trunks?limit=200');
      expectNoSecret(list);
      expect(page(Trunk.strict()).parse(list.body).data.map((t) => t.id)).toContain(trunk.id);

      // Updating other fields keeps the password; null clears it; a new one sets it again.
      const renamed = await h.request('PATCH', `/v1/trunks/${trunk.id}`, { json: { name: 'renamed', port: 5080 } });
      expectNoSecret(renamed);
      expect(renamed.body).toMatchObject({ name: 'renamed', port: 5080, has_password: true, username: 'acct' });
      expect((await h.store.trunks.get(h.spaceId, trunk.id))!.password).toBe(SECRET);
      const cleared = await h.request('PATCH', `/v1/trunks/${trunk.id}`, { json: { password: null } });
      expect(cleared.body.has_password).toBe(false);
      const reset = await h.request('PATCH', `/v1/trunks/${trunk.id}`, { json: { password: `${SECRET}-2` } });
      expectNoSecret(reset);
      expect(reset.body.has_password).toBe(true);
    });

    it('stores every field it is given', async () => {
      const body = {
        name: 'full',
        host: '192.0.2.10',
        port: 5061,
        transport: 'tls',
        username: null,
        source_ips: ['192.0.2.0/24', '2001:db8::1'],
        codecs: ['PCMA'],
        register: true,
        country_code: '44',
        national_prefix: '0',
        outbound_caller_id: '+442071234567',
        max_concurrent_calls: 10,
        dids: ['+442071230001'],
      };
      const trunk = created(await h.request('POST', '/v1/trunks', { json: body }), Trunk);
      expect(trunk).toMatchObject({ ...body, has_password: false });
    });

    it('rejects malformed trunk fields with the field named', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ host: 'h' }, 'name'],
        [{ name: 'x' }, 'host'],
        [{ name: 'x', host: 'bad host!' }, 'host'],
        [{ name: 'x', host: 'h', port: 70000 }, 'port'],
        [{ name: 'x', host: 'h', transport: 'sctp' }, 'transport'],
        [{ name: 'x', host: 'h', codecs: [] }, 'codecs'],
        [{ name: 'x', host: 'h', codecs: ['OPUS'] }, 'codecs.0'],
        [{ name: 'x', host: 'h', source_ips: ['300.1.1.1'] }, 'source_ips.0'],
        [{ name: 'x', host: 'h', dids: ['+1', '12345'] }, 'dids.0'],
        [{ name: 'x', host: 'h', country_code: '0' }, 'country_code'],
        [{ name: 'x', host: 'h', outbound_caller_id: '555-1234' }, 'outbound_caller_id'],
        [{ name: 'x', host: 'h', password: '' }, 'password'],
      ];
      for (const [body, field] of cases) {
        const res = await h.request('POST', '/v1/trunks', { json: body });
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field });
      }
    });

    it('sync imports the DIDs as numbers: new ones created, existing ones re-pointed, repeat is stable', async () => {
      const [a, b] = [freshNumber(), freshNumber()];
      const existing = await newNumber({ number: b, label: 'kept' });
      const trunk = created(await h.request('POST', '/v1/trunks', { json: { name: 'did', host: 'h.example', dids: [a, b] } }), Trunk);

      const res = await h.request('POST', `/v1/trunks/${trunk.id}/sync`);
      expect(res.status).toBe(200);
      const result = TrunkSyncResult.parse(res.body);
      expect(result).toEqual({ trunk_id: trunk.id, synced: 2, new: 1, numbers: [a, b] });

      const onTrunk = page(PhoneNumber).parse((await h.request('GET', `/v1/numbers?trunk_id=${trunk.id}`)).body).data;
      expect(onTrunk.map((n) => n.number).sort()).toEqual([a, b].sort());
      expect(onTrunk.find((n) => n.id === existing.id)).toMatchObject({ trunk_id: trunk.id, label: 'kept' });

      const again = TrunkSyncResult.parse((await h.request('POST', `/v1/trunks/${trunk.id}/sync`)).body);
      expect(again).toMatchObject({ synced: 2, new: 0 });
    });

    it('deletes a trunk: 204, then 404; its numbers stay registered without a trunk', async () => {
      const trunk = created(await h.request('POST', '/v1/trunks', { json: { name: 'gone', host: 'h.example' } }), Trunk);
      const number = await newNumber({ trunk_id: trunk.id });
      expect((await h.request('DELETE', `/v1/trunks/${trunk.id}`)).status).toBe(204);
      for (const [method, path] of [
        ['GET', `/v1/trunks/${trunk.id}`],
        ['PATCH', `/v1/trunks/${trunk.id}`],
        ['DELETE', `/v1/trunks/${trunk.id}`],
        ['POST', `/v1/trunks/${trunk.id}/sync`],
      ] as const) {
        const res = await h.request(method, path, method === 'PATCH' ? { json: { name: 'x' } } : {});
        expect(res.status, `${method} ${path}`).toBe(404);
      }
      expect((await h.request('GET', `/v1/numbers/${number.id}`)).body).toMatchObject({ trunk_id: null });
    });
  });

  describe('numbers', () => {
    it('registers an E.164 number as available, optionally on a trunk and attached', async () => {
      const plain = await newNumber({ label: ' front desk ' });
      expect(plain).toMatchObject({ status: 'available', pipe_id: null, trunk_id: null, label: 'front desk' });
      expect(plain.id).toMatch(/^NUM_/);

      const trunkId = (await h.request('POST', '/v1/trunks', { json: { name: 't', host: 'h.example' } })).body.id as string;
      const pipeId = await newPipe('register-attached');
      const attached = await newNumber({ trunk_id: trunkId, pipe_id: pipeId });
      expect(attached).toMatchObject({ status: 'assigned', pipe_id: pipeId, trunk_id: trunkId });
      expect((await h.request('GET', `/v1/pipes/${pipeId}`)).body.numbers).toEqual([attached.number]);
    });

    it('validates E.164 and refuses a number registered twice with 409 number_exists', async () => {
      for (const number of ['4155550100', '+0155550100', '+1', '+1234567890123456', '+1 415 555 0100', '']) {
        const res = await h.request('POST', '/v1/numbers', { json: { number } });
        expect(res.status, number).toBe(422);
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field: 'number' });
      }
      const number = freshNumber();
      await newNumber({ number });
      const dup = await h.request('POST', '/v1/numbers', { json: { number } });
      expect(dup.status).toBe(409);
      expect(expectErrorShape(dup)).toMatchObject({ code: 'number_exists', field: 'number' });
    });

    it('refuses an unknown trunk or pipe with 422 naming it', async () => {
      const badTrunk = await h.request('POST', '/v1/numbers', { json: { number: freshNumber(), trunk_id: 'TRK_missing' } });
      expect(badTrunk.status).toBe(422);
      expect(expectErrorShape(badTrunk)).toMatchObject({ code: 'trunk_not_found', field: 'trunk_id' });
      const badPipe = await h.request('POST', '/v1/numbers', { json: { number: freshNumber(), pipe_id: 'PIPE_missing' } });
      expect(badPipe.status).toBe(422);
      expect(expectErrorShape(badPipe)).toMatchObject({ code: 'pipe_not_found', field: 'pipe_id' });
    });

    it('attaches, re-attaches to the same pipe, refuses another pipe with 409, detaches', async () => {
      const [p1, p2] = [await newPipe('attach-1'), await newPipe('attach-2')];
      const number = await newNumber();

      const attach = await h.request('POST', `/v1/numbers/${number.id}/attach`, { json: { pipe_id: p1 } });
      expect(attach.status).toBe(200);
      expect(attach.body).toMatchObject({ status: 'assigned', pipe_id: p1 });

      const again = await h.request('POST', `/v1/numbers/${number.id}/attach`, { json: { pipe_id: p1 } });
      expect(again.status).toBe(200);
      expect(again.body.pipe_id).toBe(p1);

      const conflict = await h.request('POST', `/v1/numbers/${number.id}/attach`, { json: { pipe_id: p2 } });
      expect(conflict.status).toBe(409);
      expect(expectErrorShape(conflict)).toMatchObject({ code: 'number_already_attached', field: 'pipe_id' });
      expect((await h.request('GET', `/v1/numbers/${number.id}`)).body.pipe_id).toBe(p1);

      const detach = await h.request('POST', `/v1/numbers/${number.id}/detach`);
      expect(detach.status).toBe(200);
      expect(detach.body).toMatchObject({ status: 'available', pipe_id: null });
      expect((await h.request('POST', `/v1/numbers/${number.id}/detach`)).status).toBe(200);
      expect((await h.request('POST', `/v1/numbers/${number.id}/attach`, { json: { pipe_id: p2 } })).body.pipe_id).toBe(p2);

      const unknownPipe = await h.request('POST', `/v1/numbers/${number.id}/attach`, { json: { pipe_id: 'PIPE_missing' } });
      expect(unknownPipe.status).toBe(422);
      expect(expectErrorShape(unknownPipe).code).toBe('pipe_not_found');
    });

    it('lets only one of two concurrent attaches to different pipes win', async () => {
      const [p1, p2] = [await newPipe('race-1'), await newPipe('race-2')];
      const number = await newNumber();
      const results = await Promise.all([p1, p2].map((pipe_id) => h.request('POST', `/v1/numbers/${number.id}/attach`, { json: { pipe_id } })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const winner = results.find((r) => r.status === 200)!.body.pipe_id as string;
      expect((await h.request('GET', `/v1/numbers/${number.id}`)).body.pipe_id).toBe(winner);
    });

    it('filters by status, pipe_id, trunk_id and prefix', async () => {
      const pipe = await newPipe('filters');
      const trunkId = (await h.request('POST', '/v1/trunks', { json: { name: 'f', host: 'h.example' } })).body.id as string;
      const us = await newNumber({ number: `+1202${String(Date.now()).slice(-7)}`, pipe_id: pipe, trunk_id: trunkId });
      const uk = await newNumber();
      const list = async (query: string) => page(PhoneNumber).parse((await h.request('GET', `/v1/numbers?limit=200&${query}`)).body).data.map((n) => n.id);

      expect(await list(`pipe_id=${pipe}`)).toEqual([us.id]);
      expect(await list(`trunk_id=${trunkId}`)).toEqual([us.id]);
      expect(await list('prefix=%2B1202')).toEqual([us.id]);
      expect(await list('prefix=%2B44207')).toContain(uk.id);
      expect(await list('prefix=%2B44207')).not.toContain(us.id);
      expect(await list('status=assigned')).toContain(us.id);
      expect(await list('status=assigned')).not.toContain(uk.id);
      expect(await list('status=available')).toContain(uk.id);
      expect(await list('status=available')).not.toContain(us.id);
      for (const query of ['status=busy', 'prefix=44', 'prefix=%2B4%25']) {
        const res = await h.request('GET', `/v1/numbers?${query}`);
        expect(res.status, query).toBe(422);
        expect(expectErrorShape(res).code).toBe('validation_failed');
      }
    });

    it("PATCH changes a number's trunk and label only", async () => {
      const trunkId = (await h.request('POST', '/v1/trunks', { json: { name: 'p', host: 'h.example' } })).body.id as string;
      const number = await newNumber({ label: 'old' });
      const res = await h.request('PATCH', `/v1/numbers/${number.id}`, { json: { trunk_id: trunkId, label: 'new' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: number.id, number: number.number, trunk_id: trunkId, label: 'new' });
      const cleared = await h.request('PATCH', `/v1/numbers/${number.id}`, { json: { trunk_id: null } });
      expect(cleared.body).toMatchObject({ trunk_id: null, label: 'new' });
      const moved = await h.request('PATCH', `/v1/numbers/${number.id}`, { json: { number: '+15550000000' } });
      expect(moved.status).toBe(422);
      expect(expectErrorShape(moved)).toMatchObject({ code: 'validation_failed', field: 'number' });
      const badTrunk = await h.request('PATCH', `/v1/numbers/${number.id}`, { json: { trunk_id: 'TRK_missing' } });
      expect(expectErrorShape(badTrunk)).toMatchObject({ code: 'trunk_not_found', field: 'trunk_id' });
    });

    it('releases a number: 204, then 404 everywhere; the number can be registered again', async () => {
      const number = await newNumber();
      expect((await h.request('DELETE', `/v1/numbers/${number.id}`)).status).toBe(204);
      for (const [method, path, json] of [
        ['GET', `/v1/numbers/${number.id}`, undefined],
        ['DELETE', `/v1/numbers/${number.id}`, undefined],
        ['PATCH', `/v1/numbers/${number.id}`, { label: 'x' }],
        ['POST', `/v1/numbers/${number.id}/attach`, { pipe_id: 'PIPE_x' }],
        ['POST', `/v1/numbers/${number.id}/detach`, undefined],
      ] as const) {
        const res = await h.request(method, path, json ? { json } : {});
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(expectErrorShape(res).code).toBe('not_found');
      }
      expect((await h.request('POST', '/v1/numbers', { json: { number: number.number } })).status).toBe(201);
    });
  });
});
