import { Call, UsageReport } from '@unpod/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, nowIso } from '../ids.js';
import { DATABASES, expectErrorShape, openHarness, type Harness } from './rest-harness.mjs';

/** `GET /v1/usage` and the speech fields of `GET /v1/calls/{id}`, in process on both engines. */
describe.each(DATABASES)('REST speech usage (%s)', (kind) => {
  let h: Harness;
  let callId: string;

  beforeAll(async () => {
    h = await openHarness(kind);
    const pipeId = (await h.request('POST', '/v1/pipes', { json: { name: 'voice', agent_id: 'usage-agent' } })).body.id as string;
    callId = (await h.request('POST', '/v1/calls', { json: { pipe_id: pipeId, transport: 'websocket' } })).body.id as string;
    const event = (type: string, data: Record<string, unknown>) => h.store.callLog.write({ kind: 'event', callId, id: newId('call'), at: nowIso(), type, data });
    await event('speech.failover', { kind: 'tts', from: 'cartesia', to: 'flite', reason: 'timeout', phase: 'stream', message: 'no audio for 5000 ms', at: nowIso() });
    await event('speech.usage', { kind: 'stt', provider: 'pocketsphinx', audio_seconds: 4.5, characters: 0, requests: 2 });
    await event('speech.usage', { kind: 'tts', provider: 'flite', audio_seconds: 6, characters: 90, requests: 3 });
    await h.store.callLog.drain();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GET /v1/calls/{id} carries the speech failovers and usage', async () => {
    const res = await h.request('GET', `/v1/calls/${callId}`);
    expect(res.status).toBe(200);
    const call = Call.parse(res.body);
    expect(call.speech_failovers).toEqual([expect.objectContaining({ kind: 'tts', from: 'cartesia', to: 'flite', reason: 'timeout' })]);
    expect(call.speech_usage?.map((u) => [u.kind, u.provider])).toEqual([
      ['stt', 'pocketsphinx'],
      ['tts', 'flite'],
    ]);
  });

  it('GET /v1/usage sums the last 30 days by default; another space sees nothing of it', async () => {
    const res = await h.request('GET', '/v1/usage');
    expect(res.status).toBe(200);
    const report = UsageReport.parse(res.body);
    expect(Date.parse(report.to) - Date.parse(report.from)).toBe(30 * 24 * 3600 * 1000);
    expect(report.data).toEqual([
      { kind: 'stt', provider: 'pocketsphinx', audio_seconds: 4.5, characters: 0, requests: 2, calls: 1 },
      { kind: 'tts', provider: 'flite', audio_seconds: 6, characters: 90, requests: 3, calls: 1 },
    ]);
    const other = await h.newTenant();
    const theirs = await h.request('GET', '/v1/usage', { key: other.key });
    expect(UsageReport.parse(theirs.body).data).toEqual([]);
  });

  it.each([
    ['from after to', '?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'],
    ['a date that is not ISO-8601', '?from=yesterday'],
    ['an unknown parameter', '?provider=flite'],
  ])('refuses %s with 422', async (_what, query) => {
    const res = await h.request('GET', `/v1/usage${query}`);
    expect(res.status).toBe(422);
    expect(expectErrorShape(res).code).toBe('validation_failed');
  });
});
