import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Call, SessionToken, WorkerView, page } from '@unpod/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DATABASES, expectErrorShape, freshNumber, openHarness, workerView, type Harness } from './rest-harness.mjs';

describe.each(DATABASES)('REST calls, sessions, workers (%s)', (kind) => {
  let h: Harness;
  let pipeId: string;
  let pipeNumber: string;
  let barePipeId: string;
  let scratch: string;

  beforeAll(async () => {
    h = await openHarness(kind);
    scratch = await mkdtemp(path.join(tmpdir(), 'unpod-calls-'));
    pipeId = (await h.request('POST', '/v1/pipes', { json: { name: 'main', agent_id: 'call-agent', instructions: 'Pipe instructions.' } })).body.id;
    pipeNumber = freshNumber();
    expect((await h.request('POST', '/v1/numbers', { json: { number: pipeNumber, pipe_id: pipeId } })).status).toBe(201);
    barePipeId = (await h.request('POST', '/v1/pipes', { json: { name: 'bare', agent_id: 'bare-agent' } })).body.id;
  });
  afterAll(async () => {
    await h?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });
  beforeEach(() => {
    h.live.launched.length = 0;
    h.live.hungUp.length = 0;
  });

  const createCall = async (body: Record<string, unknown>) => {
    const res = await h.request('POST', '/v1/calls', { json: body });
    expect(res.status, res.text).toBe(201);
    return Call.parse(res.body);
  };

  describe('create', () => {
    it('creates a pending text call on a pipe, launches it once and returns the client_url', async () => {
      const call = await createCall({ pipe_id: pipeId, data: { order: 42 } });
      expect(call).toMatchObject({
        status: 'pending',
        pipe_id: pipeId,
        agent_id: 'call-agent',
        transport: 'text',
        direction: 'inbound',
        from_number: null,
        to_number: null,
        instructions: 'Pipe instructions.',
        data: { order: 42 },
        worker_id: null,
        end_reason: null,
        error: null,
        recording_url: null,
      });
      expect(call.id).toMatch(/^SCL_/);
      expect(call.client_url).toBe(`ws://test.invalid/v1/calls/${call.id}/client?token=ct_test`);
      expect(h.live.launched.map((c) => c.id)).toEqual([call.id]);
      expect(h.live.launched[0]).toMatchObject({ space_id: h.spaceId, node_id: 'test-node' });
    });

    it('defaults the transport to sip when to_number is given, else text', async () => {
      const sip = await createCall({ pipe_id: pipeId, to_number: '+14155550123' });
      expect(sip).toMatchObject({ transport: 'sip', direction: 'outbound', to_number: '+14155550123' });
      expect(sip.client_url).toBeUndefined();
      expect((await createCall({ agent_id: 'call-agent' })).transport).toBe('text');
      expect((await createCall({ agent_id: 'call-agent', transport: 'websocket' })).transport).toBe('websocket');
      const textWithNumber = await createCall({ pipe_id: pipeId, to_number: '+14155550123', transport: 'text' });
      expect(textWithNumber).toMatchObject({ transport: 'text', direction: 'inbound' });
    });

    it("resolves the agent's oldest pipe from agent_id, and runs pipe-less for an agent without one", async () => {
      const byAgent = await createCall({ agent_id: 'call-agent', instructions: 'Override.' });
      expect(byAgent).toMatchObject({ pipe_id: pipeId, agent_id: 'call-agent', instructions: 'Override.' });
      const noPipe = await createCall({ agent_id: 'lonely-agent' });
      expect(noPipe).toMatchObject({ pipe_id: null, agent_id: 'lonely-agent', instructions: null });
    });

    it('from_number: explicit wins, else the pipe\'s first number, else 422 on from_number for sip', async () => {
      const explicit = await createCall({ pipe_id: pipeId, to_number: '+14155550123', from_number: '+14155550999' });
      expect(explicit.from_number).toBe('+14155550999');
      const fromPipe = await createCall({ pipe_id: pipeId, to_number: '+14155550123' });
      expect(fromPipe.from_number).toBe(pipeNumber);

      const launchedBefore = h.live.launched.length;
      for (const body of [
        { pipe_id: barePipeId, to_number: '+14155550123' },
        { agent_id: 'lonely-agent', to_number: '+14155550123' },
      ]) {
        const res = await h.request('POST', '/v1/calls', { json: body });
        expect(res.status).toBe(422);
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field: 'from_number' });
      }
      expect(h.live.launched.length).toBe(launchedBefore);
    });

    it('refuses inconsistent or incomplete bodies with the field named and launches nothing', async () => {
      const cases: Array<[Record<string, unknown>, number, string, string]> = [
        [{}, 422, 'validation_failed', 'pipe_id'],
        [{ transport: 'text' }, 422, 'validation_failed', 'pipe_id'],
        [{ pipe_id: pipeId, transport: 'sip' }, 422, 'validation_failed', 'to_number'],
        [{ pipe_id: pipeId, to_number: '555' }, 422, 'validation_failed', 'to_number'],
        [{ pipe_id: pipeId, from_number: 'x' }, 422, 'validation_failed', 'from_number'],
        [{ pipe_id: pipeId, transport: 'pigeon' }, 422, 'validation_failed', 'transport'],
        [{ pipe_id: pipeId, data: [1, 2] }, 422, 'validation_failed', 'data'],
        [{ agent_id: 'bad agent' }, 422, 'validation_failed', 'agent_id'],
        [{ pipe_id: 'PIPE_missing' }, 422, 'pipe_not_found', 'pipe_id'],
        [{ pipe_id: pipeId, agent_id: 'someone-else' }, 422, 'validation_failed', 'agent_id'],
      ];
      for (const [body, status, code, field] of cases) {
        const res = await h.request('POST', '/v1/calls', { json: body });
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect(expectErrorShape(res), JSON.stringify(body)).toMatchObject({ code, field });
      }
      expect(h.live.launched).toEqual([]);
    });
  });

  describe('read', () => {
    it('gets a call with transcript and turn metrics arrays; lists omit them', async () => {
      const call = await createCall({ pipe_id: pipeId });
      const empty = await h.request('GET', `/v1/calls/${call.id}`);
      expect(empty.status).toBe(200);
      expect(empty.body).toMatchObject({ id: call.id, transcript: [], turn_metrics: [] });
      expect(empty.body.client_url).toBeUndefined();

      await h.store.calls.appendTurn(call.id, { seq: 1, role: 'user', text: 'hello', interrupted: false, heard_text: null });
      await h.store.calls.appendTurn(call.id, { seq: 2, role: 'agent', text: 'hi there, how can', interrupted: true, heard_text: 'hi there' });
      await h.store.calls.putTurnMetrics(call.id, { turn_id: 1, stt_ms: 120, agent_ttft_ms: 300, tts_ttfb_ms: null, ttfa_ms: 500, agent_total_ms: 900, interrupted: true });
      const detail = Call.parse((await h.request('GET', `/v1/calls/${call.id}`)).body);
      expect(detail.transcript!.map((t) => [t.seq, t.role, t.text, t.interrupted, t.heard_text])).toEqual([
        [1, 'user', 'hello', false, null],
        [2, 'agent', 'hi there, how can', true, 'hi there'],
      ]);
      expect(detail.turn_metrics).toEqual([{ turn_id: 1, stt_ms: 120, agent_ttft_ms: 300, tts_ttfb_ms: null, ttfa_ms: 500, agent_total_ms: 900, interrupted: true }]);

      const list = page(Call).parse((await h.request('GET', '/v1/calls?limit=200')).body).data;
      const listed = list.find((c) => c.id === call.id)!;
      expect(listed.transcript).toBeUndefined();
      expect(listed.turn_metrics).toBeUndefined();
      expect(JSON.stringify(list)).not.toMatch(/space_id|node_id|recording_path/);
    });

    it('lists calls newest first with status, pipe, agent, direction and transport filters', async () => {
      const a = await createCall({ pipe_id: barePipeId });
      const b = await createCall({ pipe_id: barePipeId, to_number: '+14155550100', from_number: '+14155550101' });
      await h.request('POST', `/v1/calls/${a.id}/hangup`);
      const ids = async (query: string) => page(Call).parse((await h.request('GET', `/v1/calls?limit=200&${query}`)).body).data.map((c) => c.id);

      expect(await ids(`pipe_id=${barePipeId}`)).toEqual([b.id, a.id]);
      expect(await ids('agent_id=bare-agent')).toEqual([b.id, a.id]);
      expect(await ids(`pipe_id=${barePipeId}&transport=sip`)).toEqual([b.id]);
      expect(await ids(`pipe_id=${barePipeId}&direction=inbound`)).toEqual([a.id]);
      expect(await ids(`pipe_id=${barePipeId}&status=completed`)).toEqual([a.id]);
      expect(await ids(`pipe_id=${barePipeId}&status=pending`)).toEqual([b.id]);
      for (const query of ['status=hungup', 'direction=sideways', 'transport=fax', 'limit=-1']) {
        const res = await h.request('GET', `/v1/calls?${query}`);
        expect(res.status, query).toBe(422);
        expect(expectErrorShape(res).code).toBe('validation_failed');
      }
    });

    it('answers unknown call ids with 404 on every call route', async () => {
      for (const [method, path] of [
        ['GET', '/v1/calls/SCL_missing'],
        ['POST', '/v1/calls/SCL_missing/hangup'],
        ['GET', '/v1/calls/SCL_missing/recording'],
      ] as const) {
        const res = await h.request(method, path);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(expectErrorShape(res).code).toBe('not_found');
      }
    });
  });

  describe('hangup', () => {
    it('ends a live call through LiveCalls, then 409 call_not_active', async () => {
      const call = await createCall({ pipe_id: pipeId });
      const res = await h.request('POST', `/v1/calls/${call.id}/hangup`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: call.id, status: 'completed', end_reason: 'api_hangup', transcript: [] });
      expect(h.live.hungUp).toEqual([call.id]);

      const again = await h.request('POST', `/v1/calls/${call.id}/hangup`);
      expect(again.status).toBe(409);
      expect(expectErrorShape(again).code).toBe('call_not_active');
      expect(h.live.hungUp).toEqual([call.id]);
    });

    it('refuses to hang up a failed call with 409 call_not_active', async () => {
      const call = await createCall({ pipe_id: pipeId });
      await h.store.calls.finish(call.id, 'no_worker_available', { code: 'no_worker_available', message: 'none' });
      const got = await h.request('GET', `/v1/calls/${call.id}`);
      expect(got.body).toMatchObject({ status: 'failed', error: { code: 'no_worker_available', message: 'none' } });
      const res = await h.request('POST', `/v1/calls/${call.id}/hangup`);
      expect(res.status).toBe(409);
      expect(expectErrorShape(res).code).toBe('call_not_active');
    });
  });

  describe('recording', () => {
    it('is 404 for a call that was not recorded, or whose file is gone', async () => {
      const call = await createCall({ pipe_id: pipeId });
      const res = await h.request('GET', `/v1/calls/${call.id}/recording`);
      expect(res.status).toBe(404);
      expect(expectErrorShape(res).code).toBe('not_found');

      await h.store.calls.setRecordingPath(call.id, path.join(scratch, 'missing.wav'));
      const gone = await h.request('GET', `/v1/calls/${call.id}/recording`);
      expect(gone.status).toBe(404);
      expect(gone.text).not.toContain(scratch);
    });

    it('streams the WAV with its length and a download name; the call shows recording_url', async () => {
      const call = await createCall({ pipe_id: pipeId });
      const file = path.join(scratch, `${call.id}.wav`);
      const bytes = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40, 7)]);
      await writeFile(file, bytes);
      await h.store.calls.setRecordingPath(call.id, file);

      expect((await h.request('GET', `/v1/calls/${call.id}`)).body.recording_url).toBe(`/v1/calls/${call.id}/recording`);
      const res = await h.request('GET', `/v1/calls/${call.id}/recording`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/wav');
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${call.id}.wav"`);
      expect(Buffer.from(res.text, 'latin1').subarray(0, 4).toString()).toBe('RIFF');
    });
  });

  describe('sessions/token', () => {
    it('mints a single-use st_ token for a pipe with the default 300 s lifetime', async () => {
      const before = Date.now();
      const res = await h.request('POST', '/v1/sessions/token', { json: { pipe_id: pipeId, metadata: { user: 'u1' } } });
      expect(res.status).toBe(201);
      const token = SessionToken.parse(res.body);
      expect(token.token).toMatch(/^st_/);
      expect(token.pipe_id).toBe(pipeId);
      const ttlMs = Date.parse(token.expires_at) - before;
      expect(ttlMs).toBeGreaterThan(295_000);
      expect(ttlMs).toBeLessThanOrEqual(301_000);

      const grant = await h.store.sessionTokens.consume(token.token);
      expect(grant).toEqual({ spaceId: h.spaceId, pipeId, metadata: { user: 'u1' } });
      expect(await h.store.sessionTokens.consume(token.token)).toBeUndefined();
    });

    it('honours ttl_s within 10..3600 and refuses unknown pipes', async () => {
      const before = Date.now();
      const short = await h.request('POST', '/v1/sessions/token', { json: { pipe_id: pipeId, ttl_s: 10 } });
      expect(Date.parse(short.body.expires_at) - before).toBeLessThanOrEqual(11_000);
      for (const ttl_s of [9, 3601, 1.5]) {
        const res = await h.request('POST', '/v1/sessions/token', { json: { pipe_id: pipeId, ttl_s } });
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field: 'ttl_s' });
      }
      const missing = await h.request('POST', '/v1/sessions/token', { json: { pipe_id: 'PIPE_missing' } });
      expect(missing.status).toBe(422);
      expect(expectErrorShape(missing)).toMatchObject({ code: 'pipe_not_found', field: 'pipe_id' });
    });
  });

  describe('workers', () => {
    it("lists the space's live runners from the WorkerDirectory, sorted, filtered by agent_id", async () => {
      h.workers.bySpace.set(h.spaceId, [workerView('w-b', 'agent-x'), workerView('w-a', 'agent-y'), workerView('w-c', 'agent-x')]);
      const all = await h.request('GET', '/v1/workers');
      expect(all.status).toBe(200);
      expect(page(WorkerView).parse(all.body).data.map((w) => w.worker_id)).toEqual(['w-a', 'w-b', 'w-c']);
      expect(h.workers.queries.at(-1)).toEqual({ spaceId: h.spaceId, agent_id: undefined });

      const filtered = await h.request('GET', '/v1/workers?agent_id=agent-x');
      expect(filtered.body.data.map((w: WorkerView) => w.worker_id)).toEqual(['w-b', 'w-c']);
      expect(h.workers.queries.at(-1)).toEqual({ spaceId: h.spaceId, agent_id: 'agent-x' });
    });
  });
});
