import { wavFile } from '@unpod/testkit/vendors/tts/index';
import { describe, expect, it } from 'vitest';
import { statusError } from './errors.js';
import { errorMessageOf } from './http.js';
import { decodeBase64Audio, Pcm16Assembler, pcmFromWav } from './pcm.js';

describe('Pcm16Assembler', () => {
  it('carries half a sample across reads, whatever the split', () => {
    const samples = Int16Array.of(1, -2, 32767, -32768, 258);
    const bytes = new Uint8Array(samples.buffer.slice(0));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const a = new Pcm16Assembler();
      const out = [...a.push(bytes.subarray(0, cut)), ...a.push(bytes.subarray(cut))];
      expect(out, `cut at ${cut}`).toEqual(Array.from(samples));
      expect(a.pending).toBe(false);
    }
  });

  it('holds a trailing odd byte as pending', () => {
    const a = new Pcm16Assembler();
    expect(Array.from(a.push(Uint8Array.of(1, 0, 7)))).toEqual([1]);
    expect(a.pending).toBe(true);
  });
});

describe('pcmFromWav', () => {
  it('reads the rate from the header and returns the samples after it', () => {
    const wav = pcmFromWav(wavFile(Int16Array.of(5, -5, 100), 22_050), 'google');
    expect(wav.sampleRateHz).toBe(22_050);
    expect(Array.from(wav.samples)).toEqual([5, -5, 100]);
  });

  it('refuses what is not 16-bit mono PCM WAV, saying why', () => {
    const stereo = wavFile(Int16Array.of(1, 2), 16_000);
    stereo.writeUInt16LE(2, 22);
    expect(() => pcmFromWav(stereo, 'google')).toThrow(/format 1, 2 channel\(s\), 16 bits/);
    expect(() => pcmFromWav(Buffer.from('hello'), 'google')).toThrow(/no RIFF\/WAVE header/);
    expect(() => pcmFromWav(wavFile(Int16Array.of(), 8000).subarray(0, 36), 'google')).toThrow(/no data chunk/);
  });
});

describe('vendor errors', () => {
  it('maps statuses: credentials not retryable, limits and server errors retryable', () => {
    expect(statusError('x', 401, '')).toMatchObject({ code: 'unavailable', retryable: false });
    expect(statusError('x', 403, '')).toMatchObject({ code: 'unavailable', retryable: false });
    expect(statusError('x', 429, '')).toMatchObject({ code: 'unavailable', retryable: true });
    expect(statusError('x', 502, '')).toMatchObject({ code: 'provider_error', retryable: true });
    expect(statusError('x', 404, '')).toMatchObject({ code: 'unsupported', retryable: false });
    expect(statusError('x', 400, 'bad voice')).toMatchObject({ code: 'provider_error', retryable: false, message: 'x rejected the request (HTTP 400): bad voice' });
  });

  it('keeps vendor detail short and extracts it from the JSON error shapes vendors use', () => {
    expect(statusError('x', 400, 'a'.repeat(500)).message.length).toBeLessThan(260);
    expect(errorMessageOf('{"error":{"message":"m1"}}')).toBe('m1');
    expect(errorMessageOf('{"err_msg":"m2"}')).toBe('m2');
    expect(errorMessageOf('{"detail":{"message":"m3"}}')).toBe('m3');
    expect(errorMessageOf('plain')).toBe('plain');
  });

  it('refuses audio fields that are not base64', () => {
    expect(() => decodeBase64Audio('%%%', 'x', 'audio')).toThrow(/audio is not base64 audio/);
    expect(() => decodeBase64Audio(42, 'x', 'audio')).toThrow(/malformed/);
  });
});
