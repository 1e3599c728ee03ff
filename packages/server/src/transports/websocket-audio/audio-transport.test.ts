import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { AudioCallClient } from '@unpod/testkit/audio-client';
import { FailoverSettings } from '@unpod/protocol';
import { BreakerBoard, CallSpeech, FliteTts, PocketsphinxStt } from '../../speech/index.js';
import type { TransportSink } from '../transport.js';
import { WebSocketAudioTransport } from './audio-transport.js';

/**
 * The WebSocket audio transport on a real socket with the embedded engines, without a server:
 * what the call (the sink) hears from it, and what the client gets.
 */

const stt = new PocketsphinxStt({ pool: { minSize: 0, maxSize: 1 } });
const tts = new FliteTts();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(() => stt.close());

interface Harness {
  transport: WebSocketAudioTransport;
  client: AudioCallClient;
  reports: string[];
}

async function connected(): Promise<Harness> {
  const reports: string[] = [];
  const sink: TransportSink = {
    userText: (t) => reports.push(`userText:${t}`),
    partial: () => undefined,
    bargeIn: (id) => reports.push(`bargeIn:${id}`),
    played: (id) => reports.push(`played:${id}`),
    silence: (ms) => reports.push(`silence:${ms}`),
    idle: () => reports.push('idle'),
    dtmf: (d) => reports.push(`dtmf:${d}`),
    hangup: () => reports.push('hangup'),
    lost: (reason) => reports.push(`lost:${reason}`),
    speechUsage: (usage) => reports.push(`usage:${usage.map((u) => `${u.kind}/${u.provider}/${u.characters}`).join(',')}`),
  };
  const speech = new CallSpeech(
    {
      stt: [{ step: { provider: 'pocketsphinx', model: 'en-us', voice: null, language: 'en-US', options: {} }, adapter: stt }],
      tts: [{ step: { provider: 'flite', model: null, voice: 'kal16', language: 'en-US', options: {} }, adapter: tts }],
    },
    FailoverSettings.parse({}),
    new BreakerBoard(),
  );
  const transport = new WebSocketAudioTransport({
    callId: 'SCL_test',
    logger: pino({ level: 'silent' }),
    voice: {
      profileId: 'test',
      engines: { stt: speech.stt, sttLanguage: 'en-US', tts: speech.tts, ttsVoice: 'kal16', ttsLanguage: 'en-US' },
      speech,
      adapters: { stt: [stt], tts: [tts] },
      endpointing: { silence_ms: 600, max_turn_s: 30, barge_in: true, barge_in_min_ms: 250 },
      idle: { silenceTimeoutMs: 60_000, idleTimeoutMs: 120_000 },
      recording: false,
      sttHints: undefined,
    },
    recordingPath: null,
    pingIntervalMs: 60_000,
    saveRecording: async () => undefined,
  });
  transport.bind(sink);
  const wss = new WebSocketServer({ port: 0 });
  wss.on('connection', (ws) => transport.attach(ws, 16_000));
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const client = await AudioCallClient.connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/?call=1`, 16_000);
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  cleanups.push(() => client.close());
  cleanups.push(() => transport.release());
  await client.next('call.connected', 0);
  transport.callStarted();
  return { transport, client, reports };
}

test('agent text is spoken in 20 ms frames; played utterances are reported to the call', { timeout: 30_000 }, async () => {
  const { transport, client, reports } = await connected();
  transport.agentSay(1, 'Hello there.');
  expect(await client.next('agent.audio.ended', 0)).toMatchObject({ turn_id: 1, interrupted: false, heard_text: 'Hello there.' });
  expect(client.audio.every((a) => a.samples.length === 320)).toBe(true);
  expect(client.receivedAudioMs()).toBeGreaterThan(400);
  expect(reports).toContain('played:1');
  expect(client.frames.map((f) => f.event)).toEqual(['call.connected', 'agent.text.delta', 'agent.text.end', 'agent.audio.started', 'agent.audio.ended']);
});

test('a filler is spoken only while the line is quiet, and never reported as an utterance', { timeout: 30_000 }, async () => {
  const { transport, client, reports } = await connected();
  transport.filler('One moment.');
  await client.waitForAudioMs(200);
  const fillerOnlyEvents = client.frames.filter((f) => f.event.startsWith('agent.audio'));
  expect(fillerOnlyEvents).toEqual([]);
  // While the filler plays the line is busy: a second filler is dropped, a reply is queued after it.
  transport.filler('Still checking.');
  transport.agentSay(2, 'Done.');
  await client.next('agent.audio.ended', 0);
  expect(reports).toEqual(['played:2']);
  const fillerMs = (await speechMs('One moment.')) + (await speechMs('Done.'));
  expect(Math.abs(client.receivedAudioMs() - fillerMs)).toBeLessThan(100);
});

test('typed text and DTMF from the client reach the call; a bad frame does not', { timeout: 30_000 }, async () => {
  const { client, reports } = await connected();
  client.send({ event: 'dtmf', digits: '12#' });
  client.send({ event: 'user.text', text: 'hello' });
  client.sendBytes(new Uint8Array(3));
  await client.waitFor((f) => f.event === 'error' && f.code === 'invalid_audio');
  expect(reports).toEqual(['dtmf:12#', 'userText:hello']);
});

test('turn metrics name the speech providers; usage per provider is reported when the media stops', { timeout: 30_000 }, async () => {
  const { transport, client, reports } = await connected();
  transport.agentSay(1, 'Hello there.');
  await client.next('agent.audio.ended', 0);
  expect((await transport.turnMetrics(1))?.speech).toEqual({ stt_provider: null, tts_provider: 'flite', failovers: 0 });
  await transport.release();
  expect(reports.filter((r) => r.startsWith('usage:'))).toEqual([`usage:tts/flite/${'Hello there.'.length}`]);
});

/** Audio length of `text` as the transport's voice speaks it, rounded up to whole 20 ms frames. */
async function speechMs(text: string): Promise<number> {
  let samples = 0;
  for await (const c of tts.synthesize(text, { voice: 'kal16', sampleRateHz: 16_000 })) samples += c.samples.length;
  return Math.ceil(samples / 320) * 20;
}
