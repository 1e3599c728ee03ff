/**
 * The SuperDialog booking agent (examples/booking-agent, rules mode, no LLM) over a real voice
 * call: `unpod` with the embedded engines, the agent in an `AgentRunner`, and a caller on the
 * WebSocket audio transport at 8 kHz whose speech (flite) went through G.711 mu-law, as a phone
 * line delivers it. The playbook's speech hints reach the server as `agent.hints` each turn, so
 * pocketsphinx decodes the expected phrases first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { concatPcm16, decodeMulaw, encodeMulaw } from '@unpod/media';
import { FliteTts } from '@unpod/server';
import { AudioCallClient } from '@unpod/testkit/audio-client';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { AgentRunner } from 'unpod';
import { bookingEntrypoint, loadBookingPlaybook } from '../../examples/booking-agent/src/agent.js';
import { Calendar } from '../../examples/booking-agent/src/calendar.js';
import { api, waitForCallEnd } from './helpers.js';

const RATE = 8000;
const tts = new FliteTts();

async function phoneSpeech(text: string): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const chunk of tts.synthesize(text, { voice: 'slt', sampleRateHz: RATE })) parts.push(chunk.samples);
  return decodeMulaw(encodeMulaw(concatPcm16(parts)));
}

describe('booking agent over a real voice call (8 kHz phone audio, rules mode, speech hints)', () => {
  let server: TestServer;
  let runner: AgentRunner;
  const agentId = `booking-voice-${Math.random().toString(36).slice(2, 8)}`;
  const calendar = new Calendar();

  beforeAll(async () => {
    server = await startTestServer();
    const pipe = await api(server, 'POST', '/v1/pipes', { name: 'Lotus Wellness', agent_id: agentId, recording: true });
    expect(pipe.status).toBe(201);
    runner = new AgentRunner({
      agentId,
      apiKey: server.apiKey,
      baseUrl: server.baseUrl,
      env: {},
      logLevel: 'silent',
      drainTimeoutMs: 0,
      entrypoint: bookingEntrypoint(await loadBookingPlaybook(), { calendar, clock: () => new Date('2026-03-10T09:00:00Z') }),
    });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.shutdown();
    await server?.close();
    await tts.close();
  });

  test('the caller books a facial by voice and the agent ends the call', { timeout: 120_000 }, async () => {
    const created = await api<{ id: string; client_url: string }>(server, 'POST', '/v1/calls', { transport: 'websocket', agent_id: agentId });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const client = await AudioCallClient.connect(created.body.client_url, RATE);
    try {
      await client.next('call.connected', 0);
      client.startLine();
      const heard: string[] = [];
      /** Waits for the agent to finish speaking, then says `text`; returns what the server recognised. */
      const turn = async (text: string): Promise<string> => {
        await client.waitFor((f) => f.event === 'agent.audio.ended' && client.frames.indexOf(f) >= lastReplyAt);
        const from = client.frames.length;
        await client.say(await phoneSpeech(text));
        const recognised = String((await client.next('user.text', from)).text);
        heard.push(recognised);
        lastReplyAt = client.frames.findIndex((f, i) => i > from && f.event === 'agent.text.end');
        if (lastReplyAt < 0) lastReplyAt = client.frames.indexOf(await client.next('agent.text.end', from));
        return recognised;
      };
      let lastReplyAt = 0;
      const opening = await client.next('agent.text.end', 0);
      expect(String(opening.text)).toMatch(/^Hello, this is Mira from Lotus Wellness\./);
      await turn('a facial please');
      await turn('tomorrow at three in the afternoon');
      await turn('my name is john');
      await turn('yes');
      const ended = await client.next('call.ended', 0, 30_000);
      console.info(`[booking voice] recognised: ${heard.join(' | ')}`);
      expect(ended.reason).toBe('agent_end_call');
      expect(calendar.all).toHaveLength(1);
      // Treatment, day and time are decoded against the playbook's hints; while only the name is
      // missing no hints are sent, so the open vocabulary hears it.
      expect(calendar.all[0]).toMatchObject({ service: 'facial', date: '2026-03-11', time: '15:00', reference: 'LW-1001' });
      expect(heard[2]).toBe('my name is john');
      console.info(`[booking voice] booked for name: ${calendar.all[0]!.name}`);
      const record = await waitForCallEnd(server, created.body.id);
      const transcript = record.transcript as Array<{ role: string; text: string }>;
      expect(transcript.at(-1)!.text).toMatch(/^You're all set/);
    } finally {
      client.close();
    }
  });
});
