import { expect, test } from 'vitest';
import { checkAudioFrame, parseSampleRate } from './audio-frames.js';

test('sample_rate: default 16000, listed rates accepted, anything else refused', () => {
  expect(parseSampleRate(null)).toBe(16_000);
  expect(parseSampleRate('')).toBe(16_000);
  expect(parseSampleRate('8000')).toBe(8000);
  expect(parseSampleRate('48000')).toBe(48_000);
  for (const bad of ['12345', '16k', '-8000', '8000.5', '1e4', '999999999']) expect(parseSampleRate(bad)).toBeNull();
});

test('binary frames must hold whole samples and at most one second of audio', () => {
  expect(checkAudioFrame(640, 16_000)).toBeNull();
  expect(checkAudioFrame(641, 16_000)).toMatchObject({ code: 'invalid_audio' });
  expect(checkAudioFrame(32_000, 16_000)).toBeNull();
  expect(checkAudioFrame(32_002, 16_000)).toMatchObject({ code: 'audio_frame_too_large' });
  expect(checkAudioFrame(16_002, 8000)).toMatchObject({ code: 'audio_frame_too_large' });
});
