/**
 * Voice-profile failover end to end: a real `unpod serve` loading the testkit's faulty speech
 * providers (`startTestServer({ speechPlugins })`), a voice profile whose chains are
 * `[faulty-<mode>, pocketsphinx]` and `[faulty-<mode>, flite]`, an echo runner in this process,
 * and a caller on the WebSocket audio transport speaking flite-synthesised audio. For each way a
 * provider can fail (dies mid-stream, stalls, returns garbage) the call survives, the caller's
 * words all arrive (the audio before the switch was replayed), the greeting is heard whole, the
 * failovers are on the call record and the runner got a `warn` error frame for each.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FliteTts, PocketsphinxStt, Store } from '@unpod/server';
import { AudioCallClient } from '@unpod/testkit/audio-client';
import { FAULT_MODES, type FaultMode } from '@unpod/testkit/faulty-speech';
import { faultySpeechPluginPath, startTestServer, type TestServer } from '@unpod/testkit/server';
import { AgentRunner, functionAdapter, type CallContext, type SessionErrorInfo } from 'unpod';
import { api, waitForCallEnd, waitForWorkers } from './helpers.js';

const RATE = 16_000;
const GREETING = 'Hi! Say something and I will repeat it.';
const QUESTION = 'what time does the store open tomorrow';
const tts = new FliteTts();
const stt = new PocketsphinxStt({ pool: { minSize: 1, maxSize: 1 } });

interface CallBody {
  id: string;
  status: string;
  client_url?: string;
  end_reason?: string | null;
  transcript?: Array<{ role: string; text: string; interrupted: boolean; heard_text: string | null }>;
  speech_failovers?: Array<{ kind: string; from: string; to: string; reason: string; phase: string; at: string }>;
  speech_usage?: Array<{ kind: string; provider: string; audio_seconds: number; characters: number; requests: number }>;
}

const EXPECTED_REASON: Record<FaultMode, { stt: string; tts: string }> = {
  die: { stt: 'provider_error', tts: 'provider_error' },
  stall: { stt: 'stalled', tts: 'timeout' },
  garbage: { stt: 'malformed_result', tts: 'malformed_result' },
};

let server: TestServer;
let runner: AgentRunner;
const warnings: Array<SessionErrorInfo & { callId: string }> = [];
const cleanups: Array<() => Promise<void>> = [];
let question: Int16Array;
let reference: string[];

async function speech(text: string): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const chunk of tts.synthesize(text, { voice: 'slt', sampleRateHz: RATE })) parts.push(chunk.samples);
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What pocketsphinx alone hears in `samples` (the reference a failover must match). */
async function transcribe(samples: Int16Array): Promise<string> {
  const stream = await stt.createStream({ sampleRateHz: RATE, language: 'en-US' });
  const texts: string[] = [];
  const reading = (async () => {
    for await (const e of stream) if (e.type === 'final') texts.push(e.text);
  })();
  for (let at = 0; at < samples.length; at += 320) stream.push(samples.subarray(at, at + 320));
  await stream.end();
  await reading;
  return texts.join(' ');
}

const words = (text: string) => text.toLowerCase().split(/[^a-z']+/).filter(Boolean);

/** A voice profile of this space with faulty primaries (inserted as the catalog has no create endpoint). */
async function addProfile(s: TestServer, mode: FaultMode): Promise<string> {
  const id = `VP_failover_${mode}`;
  const store = await Store.open({ databaseUrl: null, dataDir: s.dataDir });
  try {
    const step = (provider: string, voice: string | null, options: Record<string, unknown> = {}) => ({ provider, model: null, voice, language: 'en-US', options });
    await store.db.kysely
      .insertInto('voice_profiles')
      .values({
        id,
        space_id: s.spaceId,
        name: `Failover ${mode}`,
        description: `faulty-${mode} primaries with embedded fallbacks`,
        language: 'en-US',
        languages: JSON.stringify(['en', 'en-US']),
        gender: 'female',
        quality: 'embedded',
        offline: 1,
        stt_chain: JSON.stringify([step(`faulty-${mode}`, null, { after_ms: 300 }), step('pocketsphinx', null)]),
        tts_chain: JSON.stringify([step(`faulty-${mode}`, null), step('flite', 'slt')]),
        latency_ms: 400,
        cost_per_min_usd: 0,
        greeting: null,
        failover: JSON.stringify({ stall_timeout_ms: 600, tts_timeout_ms: 1500 }),
        created_at: new Date().toISOString(),
      })
      .execute();
  } finally {
    await store.close();
  }
  return id;
}

beforeAll(async () => {
  server = await startTestServer({ speechPlugins: [faultySpeechPluginPath()] });
  runner = new AgentRunner({
    agentId: 'echo',
    apiKey: server.apiKey,
    baseUrl: server.baseUrl,
    env: {},
    logLevel: 'silent',
    drainTimeoutMs: 0,
    entrypoint: async (ctx: CallContext) => {
      ctx.session.on('error', (info) => void warnings.push({ ...info, callId: ctx.callId }));
      ctx.session.dialogMachine = functionAdapter((text) => `You said: ${text}`);
      ctx.session.say(GREETING);
      await ctx.session.run();
    },
  });
  await runner.start();
  await waitForWorkers(server, 'echo');
  question = await speech(QUESTION);
  reference = words(await transcribe(question));
}, 60_000);

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

afterAll(async () => {
  await runner?.shutdown();
  await server?.close();
  await stt.close();
});

describe('voice-profile failover on a live call', () => {
  test.each(FAULT_MODES.map((m) => [m]))('the primary STT and TTS %s: the call survives on the fallbacks with nothing lost', { timeout: 90_000 }, async (mode) => {
    const profile = await addProfile(server, mode);
    const pipe = await api<{ id: string }>(server, 'POST', '/v1/pipes', { name: `failover-${mode}`, agent_id: 'echo', voice_profile: profile });
    expect(pipe.status, JSON.stringify(pipe.body)).toBe(201);
    const created = await api<CallBody>(server, 'POST', '/v1/calls', { transport: 'websocket', pipe_id: pipe.body.id });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const client = await AudioCallClient.connect(created.body.client_url!, RATE);
    cleanups.push(async () => client.close());
    await client.next('call.connected', 0);
    client.startLine();

    // TTS: the greeting fails on the faulty provider and flite says it; it plays to its end.
    const greeting = await client.next('agent.audio.ended', 0);
    expect(greeting).toMatchObject({ interrupted: false, heard_text: GREETING });

    // STT: the caller's question fails on the faulty provider; pocketsphinx hears all of it.
    const mark = client.frames.length;
    await client.say(question);
    const turn = await client.next('user.text', mark);
    const heard = words(String(turn.text));
    console.info(`[failover e2e ${mode}] reference: "${reference.join(' ')}" | call heard: "${heard.join(' ')}"`);
    const missing = reference.filter((w) => !heard.includes(w));
    expect(missing.length, `missing ${missing.join(', ')}`).toBeLessThanOrEqual(1);
    expect(heard).toContain(reference[0]);
    await client.waitFor((f) => f.event === 'agent.audio.ended' && client.frames.indexOf(f) > mark);
    client.send({ event: 'hangup' });
    await client.next('call.ended', 0);

    await waitForCallEnd(server, created.body.id);
    const call = (await api<CallBody>(server, 'GET', `/v1/calls/${created.body.id}`)).body;
    expect(call.end_reason).toBe('user_hangup');
    expect(call.transcript!.filter((t) => t.role === 'agent').map((t) => t.text)).toEqual([GREETING, `You said: ${String(turn.text)}`]);
    const failovers = call.speech_failovers ?? [];
    expect(failovers).toContainEqual(expect.objectContaining({ kind: 'tts', from: `faulty-${mode}`, to: 'flite', reason: EXPECTED_REASON[mode].tts }));
    expect(failovers).toContainEqual(expect.objectContaining({ kind: 'stt', from: `faulty-${mode}`, to: 'pocketsphinx', reason: EXPECTED_REASON[mode].stt }));
    const usage = call.speech_usage ?? [];
    expect(usage.find((u) => u.kind === 'stt' && u.provider === 'pocketsphinx')?.audio_seconds).toBeGreaterThan(1);
    expect(usage.find((u) => u.kind === 'tts' && u.provider === 'flite')?.characters).toBeGreaterThanOrEqual(GREETING.length);

    // The runner was warned, once per failover, and the call went on.
    const warned = warnings.filter((w) => w.callId === created.body.id);
    expect(warned.map((w) => [w.severity, w.code, w.source]).sort()).toEqual(failovers.map((f) => ['warn', 'speech_failover', f.kind]).sort());
  });

  test('GET /metrics counts the failovers per kind and provider', { timeout: 30_000 }, async () => {
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    for (const mode of FAULT_MODES) {
      for (const kind of ['stt', 'tts']) {
        const line = text.split('\n').find((l) => l.startsWith(`unpod_provider_failovers_total{kind="${kind}",from="faulty-${mode}"}`));
        expect(Number(line?.split(' ').at(-1)), `${kind} faulty-${mode}`).toBeGreaterThanOrEqual(1);
      }
    }
  });

  test('GET /v1/usage sums speech usage per provider over the calls of the range', { timeout: 30_000 }, async () => {
    const res = await api<{ from: string; to: string; data: Array<{ kind: string; provider: string; audio_seconds: number; characters: number; calls: number }> }>(
      server,
      'GET',
      '/v1/usage',
    );
    expect(res.status).toBe(200);
    const pocketsphinx = res.body.data.find((r) => r.kind === 'stt' && r.provider === 'pocketsphinx');
    expect(pocketsphinx?.calls).toBe(FAULT_MODES.length);
    expect(pocketsphinx?.audio_seconds).toBeGreaterThan(FAULT_MODES.length);
    expect(res.body.data.find((r) => r.kind === 'tts' && r.provider === 'flite')?.characters).toBeGreaterThanOrEqual(FAULT_MODES.length * GREETING.length);
    const reversed = await api<{ error: { code: string } }>(server, 'GET', '/v1/usage?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(reversed.status).toBe(422);
    expect(reversed.body.error.code).toBe('validation_failed');
    const notADate = await api<{ error: { code: string } }>(server, 'GET', '/v1/usage?from=yesterday');
    expect(notADate.status).toBe(422);
    const empty = await api<{ data: unknown[] }>(server, 'GET', '/v1/usage?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z');
    expect(empty.body.data).toEqual([]);
  });
});
