import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseWav } from '@unpod/media';
import { Analytics, LiveEvent, LoginSession, Me } from '@unpod/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedSpeechRegistry, type SpeechRegistry } from '../../speech/index.js';
import { registrySampler } from '../../speech/voice-sample.js';
import { InMemoryLiveEventHub } from '../live-events.js';
import { LoginLinks } from '../login-links.js';
import { DATABASES, expectErrorShape, openHarness, type Harness } from './rest-harness.mjs';

/** Minimal `text/event-stream` reader for these tests: LF-separated messages of `event:` and one `data:` line. */
class SseParser {
  private buffer = '';
  push(chunk: string): Array<{ event: string; data: string }> {
    this.buffer += chunk;
    const out: Array<{ event: string; data: string }> = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const lines = block.split('\n').filter((l) => !l.startsWith(':'));
      const data = lines.find((l) => l.startsWith('data: '));
      if (data) out.push({ event: lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message', data: data.slice(6) });
    }
    return out;
  }
}

/** Read SSE messages from a streaming response until `count` arrived or the stream ended. */
async function readEvents(res: Response, count: number): Promise<{ events: LiveEvent[]; ended: boolean; reader: ReadableStreamDefaultReader<string> }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  const events: LiveEvent[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) return { events, ended: true, reader };
    for (const m of parser.push(value)) {
      const event = LiveEvent.parse(JSON.parse(m.data));
      expect(m.event).toBe(event.type);
      events.push(event);
    }
  }
  return { events, ended: false, reader };
}

describe.each(DATABASES)('dashboard REST routes (%s)', (kind) => {
  let h: Harness;
  let hub: InMemoryLiveEventHub;
  let links: LoginLinks;
  let nowMs = Date.parse('2026-03-01T12:00:00Z');
  let speech: SpeechRegistry;
  let dashDir: string;

  beforeAll(async () => {
    hub = new InMemoryLiveEventHub();
    links = new LoginLinks(60_000, () => nowMs);
    speech = createEmbeddedSpeechRegistry({});
    dashDir = await mkdtemp(path.join(tmpdir(), 'unpod-dash-'));
    await mkdir(path.join(dashDir, 'assets'));
    await writeFile(path.join(dashDir, 'index.html'), '<!doctype html><title>Unpod</title><div id="root"></div>');
    await writeFile(path.join(dashDir, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(path.join(dashDir, 'favicon.svg'), '<svg/>');
    h = await openHarness(kind, { events: hub, loginLinks: links, voiceSamples: registrySampler(speech), dashboardDir: dashDir });
  });
  afterAll(async () => {
    await h?.close();
    await speech?.close();
    if (dashDir) await rm(dashDir, { recursive: true, force: true });
  });

  describe('login links', () => {
    it('exchanges a link once for a working API key of its space', async () => {
      const { token } = links.issue(h.spaceId);
      const res = await h.request('POST', '/v1/auth/login-link', { json: { token }, key: null });
      expect(res.status, res.text).toBe(201);
      const login = LoginSession.parse(res.body);
      expect(login.space_id).toBe(h.spaceId);
      const me = await h.request('GET', '/v1/me', { key: login.api_key });
      expect(me.status).toBe(200);
      expect(Me.parse(me.body)).toMatchObject({ space_id: h.spaceId, key_id: login.key_id });

      const again = await h.request('POST', '/v1/auth/login-link', { json: { token }, key: null });
      expect(again.status).toBe(401);
      expect(expectErrorShape(again).code).toBe('unauthorized');
    });

    it('refuses an expired link, and spends it', async () => {
      const { token } = links.issue(h.spaceId);
      nowMs += 60_001;
      expect((await h.request('POST', '/v1/auth/login-link', { json: { token }, key: null })).status).toBe(401);
      nowMs -= 60_001;
      expect((await h.request('POST', '/v1/auth/login-link', { json: { token }, key: null })).status).toBe(401);
    });

    it('refuses made-up tokens and a missing token', async () => {
      for (const token of ['ll_' + 'A'.repeat(43), 'sk_abc', 'x']) {
        const res = await h.request('POST', '/v1/auth/login-link', { json: { token }, key: null });
        expect(res.status, token).toBe(401);
      }
      const missing = await h.request('POST', '/v1/auth/login-link', { json: {}, key: null });
      expect(missing.status).toBe(422);
      expect(expectErrorShape(missing)).toMatchObject({ field: 'token' });
    });

    it('requires a key for /v1/me', async () => {
      expect((await h.request('GET', '/v1/me', { key: null })).status).toBe(401);
    });
  });

  describe('GET /v1/analytics', () => {
    let spaceKey: string;
    beforeAll(async () => {
      const tenant = await h.newTenant();
      spaceKey = tenant.key;
      const make = async (createdAt: string, end: 'completed' | 'failed' | null, ttfa: number[]) => {
        const call = await h.store.calls.create(tenant.spaceId, {
          pipe_id: null,
          agent_id: 'a',
          direction: 'inbound',
          transport: 'text',
          from_number: null,
          to_number: null,
          instructions: null,
          data: {},
          node_id: null,
        });
        await h.store.db.kysely.updateTable('calls').set({ created_at: createdAt }).where('id', '=', call.id).execute();
        if (end === 'completed') await h.store.calls.finish(call.id, 'user_hangup');
        if (end === 'failed') await h.store.calls.finish(call.id, 'no_worker_available', { code: 'no_worker_available', message: 'none' });
        let turn = 0;
        for (const v of ttfa) {
          await h.store.calls.putTurnMetrics(call.id, { turn_id: ++turn, stt_ms: null, agent_ttft_ms: 5, tts_ttfb_ms: null, ttfa_ms: v, agent_total_ms: 9, interrupted: false });
        }
      };
      await make('2026-02-10T09:00:00.000Z', 'completed', [100, 200, 300]);
      await make('2026-02-10T23:59:59.000Z', 'failed', []);
      await make('2026-02-12T00:00:00.000Z', 'completed', [400]);
      await make('2026-02-12T10:00:00.000Z', null, []);
      await make('2026-02-13T00:00:00.000Z', 'completed', [9999]);
    });

    it('counts calls per UTC day with every day present, outcomes and latency percentiles', async () => {
      const res = await h.request('GET', '/v1/analytics?from=2026-02-10&to=2026-02-12', { key: spaceKey });
      expect(res.status, res.text).toBe(200);
      const a = Analytics.parse(res.body);
      expect(a.days.map((d) => [d.date, d.calls, d.completed, d.failed])).toEqual([
        ['2026-02-10', 2, 1, 1],
        ['2026-02-11', 0, 0, 0],
        ['2026-02-12', 2, 1, 0],
      ]);
      expect(a.totals).toMatchObject({ calls: 4, completed: 2, failed: 1, active: 1 });
      expect(a.totals.latency).toEqual({ p50_ms: 200, p95_ms: 400, samples: 4 });
      expect(a.days[0]!.latency).toEqual({ p50_ms: 200, p95_ms: 300, samples: 3 });
      expect(a.days[1]!.latency).toEqual({ p50_ms: null, p95_ms: null, samples: 0 });
      expect(a.outcomes).toEqual({ user_hangup: 2, no_worker_available: 1 });
    });

    it('sees only its own space', async () => {
      const res = await h.request('GET', '/v1/analytics?from=2026-02-10&to=2026-02-13');
      expect(res.status).toBe(200);
      expect(Analytics.parse(res.body).totals.calls).toBe(0);
    });

    it('defaults to the last 30 days', async () => {
      const a = Analytics.parse((await h.request('GET', '/v1/analytics', { key: spaceKey })).body);
      expect(a.days).toHaveLength(30);
      expect(a.to).toBe(new Date().toISOString().slice(0, 10));
    });

    it('refuses bad ranges with 422 naming the field', async () => {
      const cases: Array<[string, string]> = [
        ['from=2026-02-31&to=2026-03-01', 'from'],
        ['from=yesterday&to=2026-03-01', 'from'],
        ['from=2026-03-02&to=2026-03-01', 'to'],
        ['from=2024-01-01&to=2026-03-01', 'to'],
        ['from=2026-03-01&to=2026-03-01&tz=utc', 'tz'],
      ];
      for (const [query, field] of cases) {
        const res = await h.request('GET', `/v1/analytics?${query}`, { key: spaceKey });
        expect(res.status, query).toBe(422);
        expect(expectErrorShape(res), query).toMatchObject({ code: 'validation_failed', field });
      }
      expect((await h.request('GET', '/v1/analytics?from=2026-03-01&to=2026-03-01', { key: null })).status).toBe(401);
    });
  });

  describe('SSE streams', () => {
    const newCall = async () => (await h.request('POST', '/v1/calls', { json: { agent_id: 'sse-agent' } })).body.id as string;

    it("replays a finished call's stored transcript and events, then closes", async () => {
      const id = await newCall();
      await h.store.calls.appendTurn(id, { seq: 1, role: 'user', text: 'hello there', interrupted: false, heard_text: null });
      await h.store.calls.appendTurn(id, { seq: 2, role: 'agent', text: 'You said: hello there', interrupted: true, heard_text: 'You said' });
      await h.store.calls.addEvent(id, 'runner.assigned', { worker_id: 'w1' });
      await h.store.calls.putTurnMetrics(id, { turn_id: 1, stt_ms: null, agent_ttft_ms: 3, tts_ttfb_ms: null, ttfa_ms: 3, agent_total_ms: 4, interrupted: true });
      await h.store.calls.finish(id, 'user_hangup');
      const res = await h.raw(`/v1/calls/${id}/events`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const { events, ended } = await readEvents(res, 100);
      expect(ended).toBe(true);
      const types = events.map((e) => e.type);
      expect(types.filter((t) => t === 'transcript.final')).toHaveLength(2);
      expect(events.find((e) => e.type === 'transcript.final' && e.role === 'agent')).toMatchObject({ text: 'You said', interrupted: true });
      expect(events.find((e) => e.type === 'call.event')).toMatchObject({ name: 'runner.assigned', data: { worker_id: 'w1' } });
      expect(events.find((e) => e.type === 'call.metrics')).toMatchObject({ metrics: { turn_id: 1, ttfa_ms: 3 } });
      expect(types.at(-1)).toBe('call.ended');
    });

    it('replays a live call then streams what it publishes, without loss or repeats, until call.ended', async () => {
      const id = await newCall();
      const at = new Date().toISOString();
      const before: LiveEvent[] = [
        { type: 'call.started', call_id: id, at, agent_id: 'sse-agent', transport: 'text' },
        { type: 'call.state', call_id: id, at, state: 'listening' },
      ];
      h.live.live.set(id, before);
      const res = await h.raw(`/v1/calls/${id}/events`);
      const first = await readEvents(res, 2);
      expect(first.events).toEqual(before);
      const later: LiveEvent[] = [
        { type: 'transcript.partial', call_id: id, at, text: 'hel' },
        { type: 'agent.delta', call_id: id, at, text: 'Hi' },
        { type: 'call.state', call_id: 'SCL_other', at, state: 'thinking' },
        { type: 'call.ended', call_id: id, at, reason: 'api_hangup' },
      ];
      for (const e of later) hub.publish(h.spaceId, e);
      const parser = new SseParser();
      const rest: LiveEvent[] = [];
      for (;;) {
        const { value, done } = await first.reader.read();
        if (done) break;
        for (const m of parser.push(value)) rest.push(JSON.parse(m.data) as LiveEvent);
      }
      expect(rest.map((e) => e.type)).toEqual(['transcript.partial', 'agent.delta', 'call.ended']);
      expect(hub.subscriberCount).toBe(0);
      h.live.live.delete(id);
    });

    it('follows a call that is not live on this node until its end arrives, and sends the end once', async () => {
      const id = await newCall();
      const res = await h.raw(`/v1/calls/${id}/events`);
      expect(res.status).toBe(200);
      // Stored first, then published: what a node does when a call ends while someone subscribes.
      await h.store.calls.finish(id, 'api_hangup');
      const at = new Date().toISOString();
      hub.publish(h.spaceId, { type: 'call.ended', call_id: id, at, reason: 'api_hangup' });
      const { events, ended } = await readEvents(res, 100);
      expect(ended).toBe(true);
      expect(events.filter((e) => e.type === 'call.ended')).toHaveLength(1);
      expect(hub.subscriberCount).toBe(0);
    });

    it("answers another space's call, and unknown ids, with 404", async () => {
      const id = await newCall();
      const other = await h.newTenant();
      const res = await h.raw(`/v1/calls/${id}/events`, { key: other.key });
      expect(res.status).toBe(404);
      expect((await h.raw('/v1/calls/SCL_00000000000000000000000000/events')).status).toBe(404);
      expect((await h.raw(`/v1/calls/${id}/events`, { key: null })).status).toBe(401);
    });

    it('streams space-wide call and worker events to /v1/events, never transcripts or other spaces', async () => {
      const other = await h.newTenant();
      const res = await h.raw('/v1/events');
      expect(res.status).toBe(200);
      const at = new Date().toISOString();
      hub.publish(other.spaceId, { type: 'call.started', call_id: 'SCL_foreign', at, agent_id: 'x', transport: 'text' });
      hub.publish(h.spaceId, { type: 'transcript.final', call_id: 'SCL_a', at, role: 'user', text: 'secret', interrupted: false });
      hub.publish(h.spaceId, { type: 'call.started', call_id: 'SCL_a', at, agent_id: 'a', transport: 'text' });
      hub.publish(h.spaceId, { type: 'worker.changed', at, worker_id: 'w', agent_id: 'a', change: 'registered' });
      const { events, reader } = await readEvents(res, 2);
      expect(events.map((e) => [e.type, 'call_id' in e ? e.call_id : e.worker_id])).toEqual([
        ['call.started', 'SCL_a'],
        ['worker.changed', 'w'],
      ]);
      await reader.cancel();
      expect(hub.subscriberCount).toBe(0);
      expect((await h.raw('/v1/events', { key: null })).status).toBe(401);
    });
  });

  describe('POST /v1/voice-profiles/{id}/sample', () => {
    it("speaks the text with the profile's embedded TTS as a 16 kHz mono WAV", async () => {
      const res = await h.raw('/v1/voice-profiles/VP_embedded_en/sample', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Hello from the dashboard.' }) });
      expect(res.status, await res.clone().text().then((t) => t.slice(0, 200))).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/wav');
      const wav = parseWav(new Uint8Array(await res.arrayBuffer()));
      expect(wav).toMatchObject({ sampleRateHz: 16_000, channels: 1, encoding: 'pcm16' });
      const seconds = wav.samples.length / 16_000;
      expect(seconds).toBeGreaterThan(0.5);
      expect(wav.samples.some((s) => Math.abs(s) > 1000)).toBe(true);
    });

    it('answers unknown profiles with 404 and too-long text with 422', async () => {
      const unknown = await h.request('POST', '/v1/voice-profiles/VP_nope/sample', { json: {} });
      expect(unknown.status).toBe(404);
      const long = await h.request('POST', '/v1/voice-profiles/VP_embedded_en/sample', { json: { text: 'x'.repeat(301) } });
      expect(long.status).toBe(422);
      expect(expectErrorShape(long).field).toBe('text');
    });
  });

  describe('dashboard files at /', () => {
    it('serves the HTML shell for / and client routes, revalidated; hashed assets immutable', async () => {
      for (const p of ['/', '/calls/SCL_123', '/playground?pipe=x']) {
        const res = await h.raw(p, { key: null });
        expect(res.status, p).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.headers.get('cache-control')).toBe('no-cache');
        expect(await res.text()).toContain('<div id="root">');
      }
      const asset = await h.raw('/assets/index-abc123.js', { key: null });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const icon = await h.raw('/favicon.svg', { key: null });
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
      expect(icon.headers.get('cache-control')).toBe('no-cache');
    });

    it('leaves API paths alone and serves nothing outside its folder', async () => {
      const api = await h.raw('/v1/nothing-here');
      expect(api.status).toBe(404);
      expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });
      expect((await h.raw('/openapi.json', { key: null })).headers.get('content-type')).toMatch(/application\/json/);
      for (const p of ['/assets/missing-1.js', '/assets/..%2f..%2f..%2f..%2fpackage.json', '/%00', '/x/%2e%2e%2f%2e%2e%2fpackage.json']) {
        const res = await h.raw(p, { key: null });
        expect(res.status, p).toBe(404);
      }
      // Dot segments are resolved by URL parsing: these name client routes, answered by the shell.
      for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
        const res = await h.raw(p, { key: null });
        expect(await res.text(), p).toContain('<div id="root">');
      }
    });
  });
});
