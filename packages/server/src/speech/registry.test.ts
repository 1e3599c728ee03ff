import { describe, expect, it } from 'vitest';
import type { ProviderStep } from '@unpod/protocol';
import { isSpeechError } from './contracts/errors.js';
import { createEmbeddedSpeechRegistry } from './embedded.js';
import { EspeakTts } from './engines/espeak/espeak-tts.js';
import { FliteTts } from './engines/flite/flite-tts.js';
import { PocketsphinxStt } from './engines/pocketsphinx/pocketsphinx-stt.js';
import { EnergyVadAdapter } from './engines/energy/energy-vad.js';
import { SileroVad } from './engines/silero/silero-vad.js';

const step = (provider: string, extra: Partial<ProviderStep> = {}): ProviderStep => ({ provider, model: null, voice: null, language: null, options: {}, ...extra });

describe('embedded speech registry', () => {
  it('maps the embedded providers of voice profiles to adapters', async () => {
    const registry = createEmbeddedSpeechRegistry();
    expect(registry.stt(step('pocketsphinx', { model: 'en-us', language: 'en-US' }))).toBeInstanceOf(PocketsphinxStt);
    expect(registry.tts(step('flite', { voice: 'slt' }))).toBeInstanceOf(FliteTts);
    expect(registry.tts(step('espeak-ng', { voice: 'en-us' }))).toBeInstanceOf(EspeakTts);
    expect(registry.vad('silero')).toBeInstanceOf(SileroVad);
    expect(registry.vad('energy')).toBeInstanceOf(EnergyVadAdapter);
    expect(registry.providers('stt')).toEqual(['pocketsphinx']);
    await registry.close();
  });

  it('shares one adapter (one decoder pool) between steps with the same model and options', async () => {
    const registry = createEmbeddedSpeechRegistry();
    const a = registry.stt(step('pocketsphinx', { model: 'en-us', options: { narrowband_upsampling: 'fold', grammar_fit_threshold: -30 } }));
    const b = registry.stt(step('pocketsphinx', { model: 'en-us', language: 'en', options: { grammar_fit_threshold: -30, narrowband_upsampling: 'fold' } }));
    const c = registry.stt(step('pocketsphinx', { model: 'en-us', options: { narrowband_upsampling: 'resample' } }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    await registry.close();
  });

  it('fails with unsupported for providers it does not have (cloud providers are absent, not stubbed)', () => {
    const registry = createEmbeddedSpeechRegistry();
    for (const resolve of [() => registry.stt(step('deepgram')), () => registry.tts(step('elevenlabs')), () => registry.vad('webrtc')]) {
      let err: unknown;
      try {
        resolve();
      } catch (e) {
        err = e;
      }
      expect(isSpeechError(err, 'unsupported')).toBe(true);
    }
  });
});
