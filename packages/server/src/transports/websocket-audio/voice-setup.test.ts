import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipeCreate, type Pipe } from '@unpod/protocol';
import { FakeDeepgram } from '@unpod/testkit/vendors/index';
import type { CallRecord } from '../../control/store/repos/calls.js';
import { Store } from '../../control/store/store.js';
import { DeepgramStt, PocketsphinxStt, createNodeSpeechRegistry, type SpeechRegistry } from '../../speech/index.js';
import { resolveVoice } from './voice-setup.js';

/**
 * The voice-profile path resolves cloud keys per call space: `VP_deepgram_thalia` lists
 * Deepgram first and pocketsphinx as its fallback, so a space with a Deepgram key gets Deepgram
 * (with its own key on the wire) and a space without one gets the embedded engine.
 */
describe('resolveVoice with per-space credentials', () => {
  let dir: string;
  let store: Store;
  let fake: FakeDeepgram;
  const spaces: Record<'withKey' | 'without', { id: string; pipe: Pipe; call: CallRecord }> = {} as never;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'unpod-voice-setup-'));
    store = await Store.open({ databaseUrl: null, dataDir: dir, migrate: true });
    fake = await FakeDeepgram.start({ apiKey: 'space-dg-key' });
    for (const name of ['withKey', 'without'] as const) {
      const { space } = await store.spaces.ensure(`voice-setup-${name}`);
      const pipe = await store.pipes.create(space.id, PipeCreate.parse({ name: 'p', agent_id: 'agent', voice_profile: 'VP_deepgram_thalia' }));
      const call = await store.calls.create(space.id, {
        pipe_id: pipe.id,
        agent_id: 'agent',
        direction: 'inbound',
        transport: 'websocket',
        from_number: null,
        to_number: null,
        instructions: null,
        data: {},
        node_id: null,
      });
      spaces[name] = { id: space.id, pipe, call };
    }
    await store.credentials.put(spaces.withKey.id, { provider: 'deepgram', secret: { api_key: 'space-dg-key' } });
  });
  afterAll(async () => {
    await fake.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const registry = (env: Record<string, Record<string, string>> = {}): SpeechRegistry =>
    createNodeSpeechRegistry({ envCredentials: env, spaceCredentials: store.credentials, cloud: { baseUrls: { deepgram: fake.url } } });

  it("uses the space's stored Deepgram key, and the embedded fallback for a space without one", async () => {
    const r = registry();
    const withKey = await resolveVoice(store, r, spaces.withKey.call, spaces.withKey.pipe);
    expect(withKey.adapters.stt[0]).toBeInstanceOf(DeepgramStt);
    const stream = await withKey.engines.stt.createStream({ sampleRateHz: 16_000, language: 'en-US' });
    stream.close();
    expect(fake.connections.at(-1)!.headers.authorization).toBe('Token space-dg-key');

    const without = await resolveVoice(store, r, spaces.without.call, spaces.without.pipe);
    expect(without.adapters.stt.map((a) => a.constructor)).toEqual([PocketsphinxStt]);
    await r.close();
  });

  it("falls back to the server's env key for spaces that stored none, with a separate adapter", async () => {
    const r = registry({ deepgram: { api_key: 'env-dg-key' } });
    const env = await resolveVoice(store, r, spaces.without.call, spaces.without.pipe);
    const own = await resolveVoice(store, r, spaces.withKey.call, spaces.withKey.pipe);
    expect(env.adapters.stt[0]).toBeInstanceOf(DeepgramStt);
    expect(own.adapters.stt[0]).not.toBe(env.adapters.stt[0]);
    expect((await resolveVoice(store, r, spaces.without.call, spaces.without.pipe)).adapters.stt[0]).toBe(env.adapters.stt[0]);
    await r.close();
  });
});
