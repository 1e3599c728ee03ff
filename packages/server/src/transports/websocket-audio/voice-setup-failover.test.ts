import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../control/store/repos/calls.js';
import { Store } from '../../control/store/store.js';
import { BreakerBoard, FailoverStt, FailoverTts, SpeechError, SpeechRegistry, isSpeechError } from '../../speech/index.js';
import { TokenStt, TokenTts } from '../../speech/testing/token-engines.js';
import { resolveVoice } from './voice-setup.js';

/** A call's voice from its profile: whole chains wrapped for failover, steps this node lacks skipped. */
describe('resolveVoice', () => {
  let dir: string;
  let store: Store;
  let spaceId: string;
  const call = () => ({ space_id: spaceId }) as CallRecord;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'unpod-voice-setup-'));
    store = await Store.open({ databaseUrl: null, dataDir: dir, migrate: true });
    spaceId = (await store.spaces.ensure('voice-setup')).space.id;
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('wraps every usable step of both chains, in order, with the profile failover settings', async () => {
    // VP_embedded_en: STT [pocketsphinx], TTS [flite, espeak-ng].
    const registry = new SpeechRegistry()
      .registerStt('pocketsphinx', () => new TokenStt('pocketsphinx'))
      .registerTts('flite', () => new TokenTts('flite', 1))
      .registerTts('espeak-ng', () => new TokenTts('espeak-ng', 2));
    const voice = await resolveVoice(store, registry, call(), undefined, { breakers: new BreakerBoard() });
    expect(voice.engines.stt).toBeInstanceOf(FailoverStt);
    expect(voice.engines.tts).toBeInstanceOf(FailoverTts);
    expect(voice.speech.tts.chain.map((l) => l.step.provider)).toEqual(['flite', 'espeak-ng']);
    expect(voice.adapters.tts.map((a) => a.provider)).toEqual(['flite', 'espeak-ng']);
    expect(voice.engines).toMatchObject({ ttsVoice: 'slt', sttLanguage: 'en-US' });
  });

  it('skips steps this node has no provider for, and steps whose adapter cannot be built', async () => {
    const registry = new SpeechRegistry()
      .registerStt('pocketsphinx', () => new TokenStt('pocketsphinx'))
      .registerTts('flite', () => {
        throw new SpeechError('unavailable', 'libflite is missing');
      })
      .registerTts('espeak-ng', () => new TokenTts('espeak-ng', 2));
    const voice = await resolveVoice(store, registry, call(), undefined, { breakers: new BreakerBoard() });
    expect(voice.speech.tts.chain.map((l) => l.step.provider)).toEqual(['espeak-ng']);
    expect(voice.engines.ttsVoice).toBe('en-us');
  });

  it('fails with unsupported when no step of a chain is available, and with the build error when none can be built', async () => {
    const none = new SpeechRegistry().registerTts('flite', () => new TokenTts('flite', 1));
    const err = await resolveVoice(store, none, call(), undefined).catch((e: unknown) => e);
    expect(isSpeechError(err, 'unsupported')).toBe(true);
    expect((err as Error).message).toMatch(/no speech-to-text provider of its chain \(pocketsphinx\)/);
    const broken = new SpeechRegistry()
      .registerStt('pocketsphinx', () => {
        throw new SpeechError('unavailable', 'libpocketsphinx is missing');
      })
      .registerTts('flite', () => new TokenTts('flite', 1));
    expect(isSpeechError(await resolveVoice(store, broken, call(), undefined).catch((e: unknown) => e), 'unavailable')).toBe(true);
  });
});
