import { ProviderStep } from '@unpod/protocol';
import { FakeAzureTts, FakeOpenAiTts } from '@unpod/testkit/vendors/tts/index';
import { describe, expect, it } from 'vitest';
import { isSpeechError } from '../../contracts/errors.js';
import { SpeechRegistry } from '../../registry.js';
import { AzureTts } from './azure.js';
import { CartesiaTts } from './cartesia.js';
import { DeepgramTts } from './deepgram.js';
import { ElevenLabsTts } from './elevenlabs.js';
import { GoogleTts } from './google.js';
import { envKeyResolver, registerCloudTts } from './index.js';
import { OpenAiTts } from './openai.js';

const step = (provider: string, extra: Partial<ProviderStep> = {}): ProviderStep => ProviderStep.parse({ provider, ...extra });

describe('registerCloudTts', () => {
  it('registers the six providers by name next to what is already there', () => {
    const registry = new SpeechRegistry().registerTts('flite', () => {
      throw new Error('not used');
    });
    registerCloudTts(registry, () => ({ apiKey: 'k', region: 'eastus' }));
    expect(registry.providers('tts')).toEqual(['azure', 'cartesia', 'deepgram', 'elevenlabs', 'flite', 'google', 'openai']);
    const classes = { openai: OpenAiTts, elevenlabs: ElevenLabsTts, cartesia: CartesiaTts, deepgram: DeepgramTts, google: GoogleTts, azure: AzureTts };
    for (const [name, cls] of Object.entries(classes)) expect(registry.tts(step(name))).toBeInstanceOf(cls);
  });

  it('fails with unavailable naming the environment variable when no key resolves', () => {
    const registry = registerCloudTts(new SpeechRegistry(), () => undefined);
    for (const [name, env] of [
      ['openai', 'OPENAI_API_KEY'],
      ['elevenlabs', 'ELEVENLABS_API_KEY'],
      ['cartesia', 'CARTESIA_API_KEY'],
      ['deepgram', 'DEEPGRAM_API_KEY'],
      ['google', 'GOOGLE_API_KEY'],
      ['azure', 'AZURE_SPEECH_KEY and AZURE_SPEECH_REGION'],
    ]) {
      let caught: unknown;
      try {
        registry.tts(step(name!));
      } catch (err) {
        caught = err;
      }
      expect(isSpeechError(caught, 'unavailable')).toBe(true);
      expect((caught as Error).message).toBe(`no key for ${name}: set ${env} or add a credential`);
    }
  });

  it('passes the step to the resolver and applies model, options and the resolved key', async () => {
    const fake = await FakeOpenAiTts.start();
    try {
      const seen: [string, ProviderStep][] = [];
      const registry = registerCloudTts(new SpeechRegistry(), (provider, s) => {
        seen.push([provider, s]);
        return { apiKey: fake.apiKey };
      });
      const s = step('openai', { model: 'tts-1-hd', voice: 'onyx', options: { base_url: fake.baseUrl, speed: 1.5, instructions: 'calm' } });
      const tts = registry.tts(s);
      for await (const _ of tts.synthesize('Hi.', { voice: s.voice, sampleRateHz: 8000 })) void _;
      // Once when the adapter is built (fail fast), once for the request.
      expect(seen).toEqual([
        ['openai', s],
        ['openai', s],
      ]);
      expect(fake.requests.items[0]!.body).toEqual({ model: 'tts-1-hd', input: 'Hi.', voice: 'onyx', response_format: 'pcm', instructions: 'calm', speed: 1.5 });
      expect(registry.tts(s)).toBe(tts);
    } finally {
      await fake.close();
    }
  });

  it('reads the key again for every request, so a rotated or revoked credential applies to cached adapters', async () => {
    const fake = await FakeOpenAiTts.start({ apiKey: 'second' });
    try {
      let current: string | undefined = 'first';
      const registry = registerCloudTts(new SpeechRegistry(), () => (current === undefined ? undefined : { apiKey: current }));
      const s = step('openai', { options: { base_url: fake.baseUrl } });
      const speak = async (): Promise<unknown> => {
        try {
          for await (const _ of registry.tts(s).synthesize('Hi.', { sampleRateHz: 24_000 })) void _;
          return null;
        } catch (err) {
          return err;
        }
      };
      expect(await speak()).toMatchObject({ code: 'unavailable', retryable: false });
      current = 'second';
      expect(await speak()).toBeNull();
      expect(fake.requests.items.at(-1)!.headers.authorization).toBe('Bearer second');
      current = undefined;
      expect(await speak()).toMatchObject({ code: 'unavailable', message: 'no key for openai: set OPENAI_API_KEY or add a credential' });
    } finally {
      await fake.close();
    }
  });

  it('gives Azure the region from the key, or from the step options first', async () => {
    const fake = await FakeAzureTts.start();
    try {
      const registry = registerCloudTts(new SpeechRegistry(), () => ({ apiKey: fake.apiKey }));
      let caught: unknown;
      try {
        registry.tts(step('azure'));
      } catch (err) {
        caught = err;
      }
      expect((caught as Error).message).toMatch(/azure needs a region/);
      const viaOptions = registerCloudTts(new SpeechRegistry(), () => ({ apiKey: fake.apiKey })).tts(step('azure', { options: { region: 'westeurope' } }));
      expect((viaOptions as unknown as { baseUrl: URL }).baseUrl.host).toBe('westeurope.tts.speech.microsoft.com');
      const viaKey = registerCloudTts(new SpeechRegistry(), () => ({ apiKey: 'k', region: 'eastus' })).tts(step('azure'));
      expect((viaKey as unknown as { baseUrl: URL }).baseUrl.host).toBe('eastus.tts.speech.microsoft.com');
    } finally {
      await fake.close();
    }
  });
});

describe('envKeyResolver', () => {
  it('reads each provider key from its variable, Azure with its region, and treats blanks as missing', () => {
    const resolve = envKeyResolver({
      OPENAI_API_KEY: 'sk-1',
      ELEVENLABS_API_KEY: ' el ',
      CARTESIA_API_KEY: '',
      DEEPGRAM_API_KEY: 'dg',
      GOOGLE_API_KEY: 'g',
      AZURE_SPEECH_KEY: 'az',
      AZURE_SPEECH_REGION: 'eastus',
    });
    const s = step('x');
    expect(resolve('openai', s)).toEqual({ apiKey: 'sk-1', region: undefined });
    expect(resolve('elevenlabs', s)).toEqual({ apiKey: 'el', region: undefined });
    expect(resolve('cartesia', s)).toBeUndefined();
    expect(resolve('deepgram', s)).toEqual({ apiKey: 'dg', region: undefined });
    expect(resolve('google', s)).toEqual({ apiKey: 'g', region: undefined });
    expect(resolve('azure', s)).toEqual({ apiKey: 'az', region: 'eastus' });
    expect(resolve('flite', s)).toBeUndefined();
  });
});
