import { describe, expect, it } from 'vitest';
import { rms } from '@unpod/media';
import { isSpeechError } from '../../../contracts/errors.js';
import type { TtsAdapter } from '../../../contracts/tts-adapter.js';

/**
 * Live checks against a real vendor, run only when its key is in the environment (never in CI
 * without secrets): a short sentence comes back as non-silent audio of plausible length at 8 and
 * 16 kHz, in more than one chunk for streaming vendors; a wrong key fails `unavailable`.
 */
export function describeLive(name: string, keyEnv: string, create: (apiKey: string) => TtsAdapter, options: { streams: boolean; extraEnv?: string[] }): void {
  const missing = [keyEnv, ...(options.extraEnv ?? [])].some((v) => !process.env[v]);
  describe(`${name} live (needs ${[keyEnv, ...(options.extraEnv ?? [])].join(', ')})`, () => {
    for (const rate of [8000, 16_000]) {
      it.skipIf(missing)(`speaks a sentence at ${rate} Hz`, { timeout: 30_000 }, async () => {
        const tts = create(process.env[keyEnv]!);
        const chunks: Int16Array[] = [];
        for await (const c of tts.synthesize('Hello, this is a short test of the voice.', { sampleRateHz: rate })) chunks.push(c.samples);
        const all = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
        chunks.reduce((at, c) => (all.set(c, at), at + c.length), 0);
        const seconds = all.length / rate;
        expect(seconds).toBeGreaterThan(1);
        expect(seconds).toBeLessThan(10);
        expect(rms(all)).toBeGreaterThan(100);
        if (options.streams) expect(chunks.length).toBeGreaterThan(1);
        await tts.close();
      });
    }
    it.skipIf(missing)('refuses a wrong key as unavailable, not retryable', { timeout: 30_000 }, async () => {
      const tts = create('unpod-invalid-key');
      let caught: unknown;
      try {
        for await (const _ of tts.synthesize('Hello.', { sampleRateHz: 16_000 })) void _;
      } catch (err) {
        caught = err;
      }
      expect(isSpeechError(caught, 'unavailable')).toBe(true);
      expect((caught as { retryable: boolean }).retryable).toBe(false);
    });
  });
}
