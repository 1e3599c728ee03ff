import { describe, expect, it } from 'vitest';
import { BehaviourState, TranscriptScript, readPcmWav } from './behaviour.js';
import { FakeAzureStt } from './azure-stt.js';

describe('vendor fake control API', () => {
  it('a behaviour with times applies to that many requests, then the fake is ok again', () => {
    const state = new BehaviourState();
    state.set({ mode: 'http-error', status: 429, times: 2 });
    expect([state.take().mode, state.take().mode, state.take().mode]).toEqual(['http-error', 'http-error', 'ok']);
    state.set({ mode: 'stall' });
    expect([state.take().mode, state.take().mode]).toEqual(['stall', 'stall']);
    state.set({ mode: 'ok' });
    expect(state.take().mode).toBe('ok');
  });

  it('scripted transcripts come out in order, then the fallback', () => {
    const script = new TranscriptScript('fallback');
    script.push('one', 'two');
    expect([script.next(), script.next(), script.next()]).toEqual(['one', 'two', 'fallback']);
  });

  it('reads mono PCM16 WAV and refuses anything else', () => {
    const wav = new Uint8Array(44 + 8);
    const view = new DataView(wav.buffer);
    const put = (at: number, s: string) => [...s].forEach((ch, i) => (wav[at + i] = ch.charCodeAt(0)));
    put(0, 'RIFF');
    view.setUint32(4, 44, true);
    put(8, 'WAVE');
    put(12, 'fmt ');
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true);
    view.setUint16(22, 1, true);
    view.setUint32(24, 16_000, true);
    view.setUint16(34, 16, true);
    put(36, 'data');
    view.setUint32(40, 8, true);
    expect(readPcmWav(wav)).toEqual({ sampleRateHz: 16_000, dataBytes: 8 });
    view.setUint16(22, 2, true);
    expect(readPcmWav(wav)).toBeNull();
    expect(readPcmWav(new Uint8Array(10))).toBeNull();
  });

  it('an HTTP fake answers the documented 401 for a wrong key, records the request, and stalls on demand', async () => {
    const fake = await FakeAzureStt.start({ apiKey: 'right' });
    try {
      const url = `${fake.baseUrl}/speech/recognition/conversation/cognitiveservices/v1?language=en-US`;
      const denied = await fetch(url, { method: 'POST', headers: { 'Ocp-Apim-Subscription-Key': 'wrong' }, body: 'x' });
      expect(denied.status).toBe(401);
      fake.behave({ mode: 'stall', times: 1 });
      const controller = new AbortController();
      const stalled = fetch(url, { method: 'POST', headers: { 'Ocp-Apim-Subscription-Key': 'right' }, body: 'x', signal: controller.signal });
      await expect.poll(() => fake.requests.length).toBe(2);
      controller.abort();
      await expect(stalled).rejects.toThrow();
      expect(fake.requests.map((r) => r.behaviour)).toEqual(['ok', 'stall']);
    } finally {
      await fake.close();
    }
  });
});
