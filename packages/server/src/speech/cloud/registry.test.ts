import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderStep } from '@unpod/protocol';
import { FakeDeepgram } from '@unpod/testkit/vendors/index';
import { isSpeechError } from '../contracts/errors.js';
import { SpaceThenEnvCredentials, type SpaceCredentialSource } from '../credentials.js';
import { createEmbeddedSpeechRegistry } from '../embedded.js';
import { PocketsphinxStt } from '../engines/pocketsphinx/pocketsphinx-stt.js';
import { createNodeSpeechRegistry } from '../node-registry.js';
import { CLOUD_STT_PROVIDERS, registerCloudProviders } from './index.js';
import { AzureStt } from './stt/azure.js';
import { DeepgramStt } from './stt/deepgram.js';
import { GoogleStt } from './stt/google.js';
import { OpenAiStt } from './stt/openai.js';
import { CartesiaTts } from './tts/cartesia.js';
import { ElevenLabsTts } from './tts/elevenlabs.js';

const step = (provider: string, extra: Partial<ProviderStep> = {}): ProviderStep => ({ provider, model: null, voice: null, language: null, options: {}, ...extra });

/** A space credential source backed by a map, counting look-ups. */
class MapSource implements SpaceCredentialSource {
  readonly lookups: string[] = [];
  constructor(private readonly bySpace: Record<string, Record<string, { id: string; fields: Record<string, string> }>>) {}
  secretFor(spaceId: string, provider: string) {
    this.lookups.push(`${spaceId}:${provider}`);
    return Promise.resolve(this.bySpace[spaceId]?.[provider]);
  }
}

let fake: FakeDeepgram;
beforeEach(async () => {
  fake = await FakeDeepgram.start({ apiKey: ['space-a-key', 'env-key'] });
});
afterEach(() => fake.close());

describe('registerCloudProviders and credential resolution', () => {
  const env = {
    deepgram: { api_key: 'env-dg' },
    openai: { api_key: 'env-oa' },
    google: { api_key: 'env-g' },
    azure: { api_key: 'env-az', region: 'westeurope' },
  };

  it('registers deepgram, openai, google and azure next to the embedded engines', () => {
    const registry = registerCloudProviders(createEmbeddedSpeechRegistry({ credentials: new SpaceThenEnvCredentials(env) }));
    expect(registry.providers('stt')).toEqual(['azure', 'deepgram', 'google', 'openai', 'pocketsphinx']);
    expect(CLOUD_STT_PROVIDERS).toEqual(['deepgram', 'openai', 'google', 'azure']);
    expect(registry.stt(step('deepgram'))).toBeInstanceOf(DeepgramStt);
    expect(registry.stt(step('openai', { model: 'whisper-1' }))).toBeInstanceOf(OpenAiStt);
    expect(registry.stt(step('google'))).toBeInstanceOf(GoogleStt);
    expect(registry.stt(step('azure'))).toBeInstanceOf(AzureStt);
  });

  it('Google streams over gRPC by default; the step option streaming: false keeps REST per utterance', () => {
    const registry = registerCloudProviders(createEmbeddedSpeechRegistry({ credentials: new SpaceThenEnvCredentials(env) }));
    expect((registry.stt(step('google')) as GoogleStt).capabilities).toMatchObject({ streaming: true, interimResults: true });
    expect((registry.stt(step('google', { options: { streaming: false } })) as GoogleStt).capabilities).toMatchObject({ streaming: false, interimResults: false });
  });

  it('OpenAI is per utterance by default; the step option realtime: true streams over the realtime WebSocket at 24 kHz', () => {
    const registry = registerCloudProviders(createEmbeddedSpeechRegistry({ credentials: new SpaceThenEnvCredentials(env) }));
    expect((registry.stt(step('openai')) as OpenAiStt).capabilities).toMatchObject({ streaming: false });
    expect((registry.stt(step('openai', { options: { realtime: true } })) as OpenAiStt).capabilities).toMatchObject({ streaming: true, interimResults: true, nativeSampleRatesHz: [24_000] });
  });

  it('without any credential a cloud provider cannot serve and asking for it fails with unavailable', async () => {
    const registry = registerCloudProviders(createEmbeddedSpeechRegistry({ credentials: new SpaceThenEnvCredentials({}) }));
    expect(await registry.canServe('stt', 'deepgram', { spaceId: 'SPC_a' })).toBe(false);
    expect(await registry.canServe('stt', 'pocketsphinx', { spaceId: 'SPC_a' })).toBe(true);
    expect(await registry.canServe('stt', 'nobody', { spaceId: null })).toBe(false);
    const err: unknown = await registry.sttFor(step('deepgram'), { spaceId: 'SPC_a' }).catch((e: unknown) => e);
    expect(isSpeechError(err, 'unavailable')).toBe(true);
    expect((err as Error).message).toContain('POST /v1/credentials');
  });

  it("a space's stored key wins over the env key; adapters are cached per credential, never per secret", async () => {
    const source = new MapSource({ SPC_a: { deepgram: { id: 'CRD_1', fields: { api_key: 'space-a-key' } } } });
    const registry = registerCloudProviders(createEmbeddedSpeechRegistry({ credentials: new SpaceThenEnvCredentials({ deepgram: { api_key: 'env-key' } }, source) }), {
      baseUrls: { deepgram: fake.url },
    });
    const a = await registry.sttFor(step('deepgram', { model: 'nova-3' }), { spaceId: 'SPC_a' });
    const b = await registry.sttFor(step('deepgram', { model: 'nova-3' }), { spaceId: 'SPC_b' });
    const a2 = await registry.sttFor(step('deepgram', { model: 'nova-3' }), { spaceId: 'SPC_a' });
    expect(a).toBe(a2);
    expect(b).not.toBe(a);
    expect(registry.stt(step('deepgram', { model: 'nova-3' }))).toBe(b);
    for (const adapter of [a, b]) (await adapter.createStream({ sampleRateHz: 16_000, language: 'en' })).close();
    expect(fake.connections.map((c) => c.headers.authorization)).toEqual(['Token space-a-key', 'Token env-key']);
    expect(source.lookups).toContain('SPC_a:deepgram');
  });

  it('embedded providers need no credential and never look one up', async () => {
    const source = new MapSource({});
    const registry = registerCloudProviders(createEmbeddedSpeechRegistry({ credentials: new SpaceThenEnvCredentials({}, source) }));
    const stt = await registry.sttFor(step('pocketsphinx', { model: 'en-us' }), { spaceId: 'SPC_a' });
    expect(stt).toBeInstanceOf(PocketsphinxStt);
    expect(registry.stt(step('pocketsphinx', { model: 'en-us' }))).toBe(stt);
    expect(source.lookups).toEqual([]);
    await registry.close();
  });

  it('reads the documented credential fields: Google access_token as a bearer, Azure region', async () => {
    const source = new MapSource({
      SPC_g: { google: { id: 'CRD_g', fields: { access_token: 'ya29.token' } }, azure: { id: 'CRD_az', fields: { api_key: 'k' } } },
    });
    const registry = registerCloudProviders(createEmbeddedSpeechRegistry({ credentials: new SpaceThenEnvCredentials({}, source) }));
    expect(await registry.sttFor(step('google'), { spaceId: 'SPC_g' })).toBeInstanceOf(GoogleStt);
    const err: unknown = await registry.sttFor(step('azure'), { spaceId: 'SPC_g' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/region/);
  });

  it('a stored credential that cannot be decrypted is reported, and makes the step unusable for the chain', async () => {
    const broken: SpaceCredentialSource = { secretFor: () => Promise.reject(new Error('secret cannot be decrypted with this master key')) };
    const registry = registerCloudProviders(createEmbeddedSpeechRegistry({ credentials: new SpaceThenEnvCredentials({ deepgram: { api_key: 'env' } }, broken) }));
    expect(await registry.canServe('stt', 'deepgram', { spaceId: 'SPC_a' })).toBe(false);
    const err: unknown = await registry.sttFor(step('deepgram'), { spaceId: 'SPC_a' }).catch((e: unknown) => e);
    expect(isSpeechError(err, 'unavailable')).toBe(true);
    expect((err as Error).message).toMatch(/credential cannot be read/);
  });
});

describe('the node registry: cloud text-to-speech through the same credentials', () => {
  it("serves a TTS step with the space's stored key, else the env key, and skips a provider nobody has a key for", async () => {
    const source = new MapSource({ SPC_a: { elevenlabs: { id: 'CRD_a', fields: { api_key: 'space-a-11' } } } });
    const registry = createNodeSpeechRegistry({ envCredentials: { cartesia: { api_key: 'env-cartesia' } }, spaceCredentials: source });
    expect(registry.providers('tts')).toEqual(expect.arrayContaining(['azure', 'cartesia', 'deepgram', 'elevenlabs', 'google', 'openai', 'flite']));
    expect(await registry.canServe('tts', 'elevenlabs', { spaceId: 'SPC_a' })).toBe(true);
    expect(await registry.canServe('tts', 'elevenlabs', { spaceId: 'SPC_b' })).toBe(false);
    expect(await registry.canServe('tts', 'cartesia', { spaceId: 'SPC_b' })).toBe(true);
    expect(await registry.canServe('tts', 'openai', { spaceId: 'SPC_b' })).toBe(false);
    expect(await registry.ttsFor(step('elevenlabs'), { spaceId: 'SPC_a' })).toBeInstanceOf(ElevenLabsTts);
    expect(await registry.ttsFor(step('cartesia'), { spaceId: 'SPC_b' })).toBeInstanceOf(CartesiaTts);
    await registry.close();
  });
});
