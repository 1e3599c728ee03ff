import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPgSchema, type PgSchema } from '@unpod/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, nowIso } from '../../ids.js';
import { Store } from '../store.js';

/** Speech failovers and usage stored as call events, read back per call and summed per space (both engines). */
describe.each(['sqlite', 'postgres'] as const)('speech failovers and usage (%s)', (kind) => {
  let store: Store;
  let dataDir: string;
  let pg: PgSchema | undefined;
  let spaceId: string;
  let otherSpaceId: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'unpod-usage-'));
    if (kind === 'postgres') pg = await createPgSchema('usage');
    store = await Store.open({ databaseUrl: pg?.url ?? null, dataDir, migrate: true });
    spaceId = (await store.spaces.ensure('usage')).space.id;
    otherSpaceId = (await store.spaces.ensure('usage-other')).space.id;
  });
  afterAll(async () => {
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
    await pg?.drop();
  });

  const newCall = async (space: string) =>
    (
      await store.calls.create(space, {
        pipe_id: null,
        agent_id: 'agent',
        direction: 'inbound',
        transport: 'websocket',
        from_number: null,
        to_number: null,
        instructions: null,
        data: {},
        node_id: null,
      })
    ).id;

  const usage = (kind: 'stt' | 'tts', provider: string, audio: number, characters = 0, requests = 1) => ({ kind, provider, audio_seconds: audio, characters, requests });
  const writeEvents = (callId: string, events: Array<{ type: string; data: Record<string, unknown> }>) =>
    Promise.all(events.map((e) => store.callLog.write({ kind: 'event', callId, id: newId('call'), at: nowIso(), type: e.type, data: e.data })));

  it('a call reads back its failovers in order and its usage; rows that do not match the model are skipped', async () => {
    const callId = await newCall(spaceId);
    const failover = { kind: 'stt', from: 'deepgram', to: 'pocketsphinx', reason: 'stalled', phase: 'stream', message: 'no result', at: nowIso() };
    await writeEvents(callId, [
      { type: 'speech.failover', data: failover },
      { type: 'speech.failover', data: { ...failover, kind: 'tts', from: 'cartesia', to: 'flite', reason: 'timeout' } },
      { type: 'speech.failover', data: { kind: 'nonsense' } },
      { type: 'speech.usage', data: usage('stt', 'pocketsphinx', 3.25) },
      { type: 'silence', data: { duration_ms: 8000 } },
    ]);
    await store.callLog.drain();
    const call = await store.calls.get(spaceId, callId, true);
    expect(call?.speech_failovers?.map((f) => [f.kind, f.from, f.reason])).toEqual([
      ['stt', 'deepgram', 'stalled'],
      ['tts', 'cartesia', 'timeout'],
    ]);
    expect(call?.speech_usage).toEqual([usage('stt', 'pocketsphinx', 3.25)]);
    // Lists stay lean.
    const listed = await store.calls.list(spaceId, { limit: 50 });
    expect(listed.data.find((c) => c.id === callId)?.speech_usage).toBeUndefined();
  });

  it('sums usage per capability and provider over the space calls created in the range', async () => {
    const from = nowIso();
    const [a, b, other] = [await newCall(spaceId), await newCall(spaceId), await newCall(otherSpaceId)];
    await writeEvents(a, [
      { type: 'speech.usage', data: usage('stt', 'pocketsphinx', 2.5) },
      { type: 'speech.usage', data: usage('tts', 'flite', 4, 120, 3) },
    ]);
    await writeEvents(b, [
      { type: 'speech.usage', data: usage('stt', 'pocketsphinx', 1.25) },
      { type: 'speech.usage', data: usage('stt', 'faulty', 0.5) },
      { type: 'speech.usage', data: usage('tts', 'flite', 1, 30, 1) },
    ]);
    await writeEvents(other, [{ type: 'speech.usage', data: usage('stt', 'pocketsphinx', 100) }]);
    await store.callLog.drain();
    const to = new Date(Date.now() + 1000).toISOString();
    expect(await store.usage.speechUsage(spaceId, from, to)).toEqual([
      { kind: 'stt', provider: 'faulty', audio_seconds: 0.5, characters: 0, requests: 1, calls: 1 },
      { kind: 'stt', provider: 'pocketsphinx', audio_seconds: 3.75, characters: 0, requests: 2, calls: 2 },
      { kind: 'tts', provider: 'flite', audio_seconds: 5, characters: 150, requests: 4, calls: 2 },
    ]);
    expect(await store.usage.speechUsage(spaceId, to, new Date(Date.now() + 3600_000).toISOString())).toEqual([]);
  });

  it('stored failover settings are read with defaults filled in; settings that no longer validate fall back to the defaults', async () => {
    const row = (id: string, failover: string | null) => ({
      id,
      space_id: spaceId,
      name: id,
      description: '',
      language: 'en',
      languages: '["en"]',
      gender: null,
      quality: 'embedded',
      offline: 1,
      stt_chain: '[{"provider":"pocketsphinx","model":null,"voice":null,"language":null,"options":{}}]',
      tts_chain: '[{"provider":"flite","model":null,"voice":"slt","language":null,"options":{}}]',
      latency_ms: 400,
      cost_per_min_usd: 0,
      greeting: null,
      failover,
      created_at: nowIso(),
    });
    await store.db.kysely.insertInto('voice_profiles').values([row('VP_fast', '{"stall_timeout_ms":800}'), row('VP_broken', '{"stall_timeout_ms":5}')]).execute();
    expect((await store.voiceProfiles.get(spaceId, 'VP_fast'))?.failover).toMatchObject({ stall_timeout_ms: 800, final_timeout_ms: 5000 });
    expect((await store.voiceProfiles.get(spaceId, 'VP_broken'))?.failover.stall_timeout_ms).toBe(3000);
  });

  it('a voice profile without stored failover settings gets the defaults', async () => {
    const profile = await store.voiceProfiles.get(spaceId, 'VP_embedded_en');
    expect(profile?.failover).toEqual({
      stall_timeout_ms: 3000,
      final_timeout_ms: 5000,
      tts_timeout_ms: 5000,
      breaker_failures: 3,
      breaker_window_s: 60,
      breaker_cooldown_s: 30,
      stay_on_fallback_s: 300,
    });
  });
});
