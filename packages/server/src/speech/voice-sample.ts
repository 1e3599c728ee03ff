import type { VoiceProfile } from '@unpod/protocol';
import { encodeWav } from '@unpod/media';
import { SpeechError } from './contracts/errors.js';
import type { SpeechRegistry } from './registry.js';

/** Rate of sample WAVs: what the embedded engines produce natively. */
const SAMPLE_RATE_HZ = 16_000;

/** Line spoken when the profile has no greeting and the request names no text. */
export const DEFAULT_SAMPLE_TEXT = 'Hello! This is how I sound on your calls.';

/** Speaks a line with a voice profile's text-to-speech, for the dashboard's "hear it". */
export interface VoiceSampler {
  /** A mono PCM16 WAV of `text` in `profile`'s voice. */
  synthesize(profile: VoiceProfile, text: string, signal?: AbortSignal): Promise<Uint8Array>;
}

/**
 * A sampler over the node's speech registry: the first step of the profile's TTS chain whose
 * provider this node has (the same choice a call makes). Fails with `unsupported` when none is.
 */
export function registrySampler(registry: SpeechRegistry): VoiceSampler {
  return {
    async synthesize(profile, text, signal) {
      const available = registry.providers('tts');
      const step = profile.tts_chain.find((s) => available.includes(s.provider));
      if (!step) {
        throw new SpeechError('unsupported', `no text-to-speech provider of ${profile.id} (${profile.tts_chain.map((s) => s.provider).join(', ')}) is available on this node`);
      }
      const tts = registry.tts(step);
      const parts: Int16Array[] = [];
      for await (const chunk of tts.synthesize(text, { voice: step.voice, language: step.language ?? profile.language, sampleRateHz: SAMPLE_RATE_HZ, signal })) {
        parts.push(chunk.samples);
      }
      const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
      let offset = 0;
      for (const p of parts) {
        all.set(p, offset);
        offset += p.length;
      }
      return encodeWav({ sampleRateHz: SAMPLE_RATE_HZ, channels: 1 }, all);
    },
  };
}
