import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCartesiaTts, FakeDeepgramTts, FakeElevenLabsTts, FakeOpenAiTts, type FakeTtsVendor } from './index.js';

const fakes: FakeTtsVendor[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function start<T extends FakeTtsVendor>(fake: Promise<T>): Promise<T> {
  const f = await fake;
  fakes.push(f);
  return f;
}

const speech = (fake: FakeTtsVendor, body: object): Promise<Response> =>
  fetch(`${fake.baseUrl}/v1/audio/speech`, { method: 'POST', headers: { authorization: `Bearer ${fake.apiKey}` }, body: JSON.stringify(body) });

describe('fake vendor HTTP control API', () => {
  it('queues failures, holds and resets over HTTP, and lists requests', async () => {
    const fake = await start(FakeOpenAiTts.start());
    const control = (verb: string, body?: object): Promise<Response> => fetch(`${fake.baseUrl}/__fake/${verb}`, { method: 'POST', body: JSON.stringify(body ?? {}) });
    expect((await control('fail', { failure: { kind: 'status', status: 503 }, times: 2 })).status).toBe(200);
    const ok = { model: 'tts-1', input: 'Hello.', voice: 'alloy', response_format: 'pcm' };
    expect((await speech(fake, ok)).status).toBe(503);
    expect((await control('reset')).status).toBe(200);
    const answer = await speech(fake, ok);
    expect(answer.status).toBe(200);
    expect((await answer.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const listed = (await (await fetch(`${fake.baseUrl}/__fake/requests`)).json()) as { count: number; requests: { text: string | null }[] };
    expect(listed.count).toBe(2);
    expect(listed.requests[1]).toEqual({ path: '/v1/audio/speech', text: 'Hello.', sampleRateHz: 24_000 });
  });

  it('refuses unknown failure kinds and verbs', async () => {
    const fake = await start(FakeOpenAiTts.start());
    expect((await fetch(`${fake.baseUrl}/__fake/fail`, { method: 'POST', body: JSON.stringify({ failure: { kind: 'explode' } }) })).status).toBe(400);
    expect((await fetch(`${fake.baseUrl}/__fake/nope`, { method: 'POST' })).status).toBe(404);
  });
});

describe('fake vendors enforce the documented request shape', () => {
  it('OpenAI: 401 with invalid_api_key for a wrong key, 400 for a missing field or a format it does not speak', async () => {
    const fake = await start(FakeOpenAiTts.start());
    const wrong = await fetch(`${fake.baseUrl}/v1/audio/speech`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect((await speech(fake, { model: 'tts-1', voice: 'alloy', response_format: 'pcm' })).status).toBe(400);
    expect((await speech(fake, { model: 'tts-1', input: 'x', voice: 'alloy', response_format: 'mp3' })).status).toBe(400);
    expect(fake.authFailures).toBe(1);
  });

  it('Deepgram: only linear16 with container=none at a documented rate', async () => {
    const fake = await start(FakeDeepgramTts.start());
    const speak = (query: string): Promise<Response> =>
      fetch(`${fake.baseUrl}/v1/speak?${query}`, { method: 'POST', headers: { authorization: `Token ${fake.apiKey}` }, body: JSON.stringify({ text: 'Hi.' }) });
    expect((await speak('encoding=linear16&sample_rate=16000')).status).toBe(400);
    expect((await speak('encoding=linear16&sample_rate=11025&container=none')).status).toBe(400);
    const ok = await speak('encoding=linear16&sample_rate=16000&container=none');
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(Math.round(0.2 * 16_000) * 2);
  });

  it('ElevenLabs: a wrong key refuses the handshake with 401', async () => {
    const fake = await start(FakeElevenLabsTts.start());
    const url = `${fake.baseUrl.replace('http', 'ws')}/v1/text-to-speech/v/stream-input?output_format=pcm_16000`;
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { headers: { 'xi-api-key': 'nope' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);
  });

  it('Cartesia: an invalid generation request gets an error message with status_code 400', async () => {
    const fake = await start(FakeCartesiaTts.start());
    const ws = new WebSocket(`${fake.baseUrl.replace('http', 'ws')}/tts/websocket`, { headers: { 'x-api-key': fake.apiKey, 'cartesia-version': '2025-04-16' } });
    await new Promise((resolve) => ws.on('open', resolve));
    const reply = new Promise<Record<string, unknown>>((resolve) => ws.on('message', (d) => resolve(JSON.parse(String(d)) as Record<string, unknown>)));
    ws.send(JSON.stringify({ model_id: 'sonic-2', transcript: 'Hi.', context_id: 'c1', voice: { mode: 'id', id: 'v' }, output_format: { container: 'mp3' } }));
    expect(await reply).toMatchObject({ type: 'error', done: true, status_code: 400, context_id: 'c1' });
    ws.close();
  });
});
