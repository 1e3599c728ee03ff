/**
 * Voice calls end to end with real processes: a real `unpod serve` with the embedded engines
 * (pocketsphinx, flite, energy VAD), the real echo agent process, and callers on the WebSocket
 * audio transport (the `unpod call` CLI, or a test client that behaves like a phone line: one
 * 20 ms frame every 20 ms, silence between utterances). Caller speech is synthesised with flite at
 * test time; what the agent said is read back with pocketsphinx.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { concatPcm16, decodeMulaw, encodeMulaw, parseWav, writeWavFile } from '@unpod/media';
import { FliteTts, PocketsphinxStt } from '@unpod/server';
import { AudioCallClient } from '@unpod/testkit/audio-client';
import type { WatchedProcess } from '@unpod/testkit/processes';
import { runUnpod, startTestServer, type TestServer } from '@unpod/testkit/server';
import { AgentRunner, functionAdapter, type CallContext } from 'unpod';
import { api, startEchoAgent, waitForCallEnd, waitForWorkers } from './helpers.js';

const RATE = 16_000;
const tts = new FliteTts();
const stt = new PocketsphinxStt({ pool: { minSize: 1, maxSize: 1 } });

interface CallBody {
  id: string;
  status: string;
  client_url?: string;
  end_reason?: string | null;
  duration_s?: number | null;
  recording_url?: string | null;
  transcript?: Array<{ role: string; text: string; interrupted: boolean; heard_text: string | null }>;
  turn_metrics?: Array<{ turn_id: number; stt_ms: number | null; agent_ttft_ms: number | null; tts_ttfb_ms: number | null; ttfa_ms: number | null; interrupted: boolean }>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'unpod-voice-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
  await stt.close();
});

async function speech(text: string): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const chunk of tts.synthesize(text, { voice: 'slt', sampleRateHz: RATE })) parts.push(chunk.samples);
  return concatPcm16(parts);
}

async function transcribe(samples: Int16Array, sampleRateHz = RATE): Promise<string> {
  const stream = await stt.createStream({ sampleRateHz, language: 'en-US' });
  const texts: string[] = [];
  const reading = (async () => {
    for await (const e of stream) if (e.type === 'final') texts.push(e.text);
  })();
  const frame = sampleRateHz / 50;
  for (let at = 0; at < samples.length; at += frame) stream.push(samples.subarray(at, at + frame));
  await stream.end();
  await reading;
  return texts.join(' ');
}


function words(text: string): string[] {
  return text.toLowerCase().split(/[^a-z']+/).filter(Boolean);
}

async function server(): Promise<TestServer> {
  const s = await startTestServer();
  cleanups.push(() => s.close());
  return s;
}

function track(p: WatchedProcess): WatchedProcess {
  cleanups.push(() => p.kill('SIGKILL'));
  return p;
}

/** A server with the echo agent running and a pipe for it. */
async function echoSetup(pipe: Record<string, unknown> = {}): Promise<TestServer> {
  const s = await server();
  const created = await api(s, 'POST', '/v1/pipes', { name: 'voice', agent_id: 'echo', ...pipe });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  track(startEchoAgent(s, 'echo'));
  await waitForWorkers(s, 'echo');
  return s;
}

async function audioCall(s: TestServer, sampleRateHz = RATE): Promise<{ call: CallBody; client: AudioCallClient }> {
  const created = await api<CallBody>(s, 'POST', '/v1/calls', { transport: 'websocket', agent_id: 'echo' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.client_url).toMatch(/^ws:\/\/.+\/client\?token=ct_/);
  const client = await AudioCallClient.connect(created.body.client_url!, sampleRateHz);
  cleanups.push(async () => client.close());
  await client.next('call.connected', 0);
  client.startLine();
  return { call: created.body, client };
}

/** Left and right channels of a stereo recording. */
function channels(wav: { samples: Int16Array }): { left: Int16Array; right: Int16Array } {
  const n = wav.samples.length / 2;
  const left = new Int16Array(n);
  const right = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = wav.samples[2 * i]!;
    right[i] = wav.samples[2 * i + 1]!;
  }
  return { left, right };
}

const peak = (s: Int16Array) => s.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('voice calls over the WebSocket audio transport', () => {
  test('unpod call: a WAV question in, the echo agent answers, the reply reads back; transcript, metrics and recording are on the call', { timeout: 90_000 }, async () => {
    const s = await echoSetup({ recording: true });
    const question = 'what time does the store open tomorrow';
    const wavIn = path.join(workDir, 'question.wav');
    const wavOut = path.join(workDir, 'reply.wav');
    await writeWavFile(wavIn, { sampleRateHz: RATE, channels: 1 }, await speech(question));

    const run = await runUnpod(['call', '--agent-id', 'echo', '--wav', wavIn, '--out', wavOut, '--base-url', s.baseUrl, '--api-key', s.apiKey, '--timeout', '20']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toMatch(/caller: .*(store|story|time|open)/);

    const reply = parseWav(await readFile(wavOut));
    expect(reply.sampleRateHz).toBe(RATE);
    const heard = words(await transcribe(reply.samples));
    console.info(`[voice e2e] ${run.stdout.trim().split('\n').join(' | ')} | reply read back: ${heard.join(' ')}`);
    // The greeting, then "You said: <the question as recognised>".
    expect(heard).toContain('said');
    expect(['what', 'time', 'store', 'story', 'open', 'tomorrow'].filter((w) => heard.includes(w)).length).toBeGreaterThanOrEqual(2);

    const callId = /Connected to call (\S+)/.exec(run.stdout)![1]!;
    await waitForCallEnd(s, callId);
    const call = (await api<CallBody>(s, 'GET', `/v1/calls/${callId}`)).body;
    expect(call.end_reason).toBe('user_hangup');
    const user = call.transcript!.find((t) => t.role === 'user')!;
    expect(['time', 'store', 'story', 'open', 'tomorrow'].filter((w) => words(user.text).includes(w)).length).toBeGreaterThanOrEqual(2);
    expect(call.transcript!.filter((t) => t.role === 'agent').map((t) => t.text)).toEqual(['Hi! Say something and I will repeat it.', `You said: ${user.text}`]);
    const m = call.turn_metrics!.find((t) => t.turn_id === 1)!;
    expect(m.stt_ms).toBeGreaterThanOrEqual(0);
    expect(m.tts_ttfb_ms).toBeGreaterThanOrEqual(0);
    expect(m.ttfa_ms).toBeGreaterThan(m.stt_ms!);
    expect(m.agent_ttft_ms).toBeGreaterThanOrEqual(0);

    expect(call.recording_url).toBe(`/v1/calls/${callId}/recording`);
    const res = await fetch(`${s.baseUrl}${call.recording_url}`, { headers: { authorization: `Bearer ${s.apiKey}` } });
    expect(res.status).toBe(200);
    const recording = parseWav(new Uint8Array(await res.arrayBuffer()));
    expect(recording.channels).toBe(2);
    const { left, right } = channels(recording);
    expect(peak(left)).toBeGreaterThan(1000);
    expect(peak(right)).toBeGreaterThan(1000);
    expect(left.length / RATE).toBeGreaterThan(reply.samples.length / RATE);
    expect(words(await transcribe(right))).toContain('said');
  });

  test('pipe speech hints: 8 kHz phone audio of an expected phrase is recognised exactly on every turn', { timeout: 90_000 }, async () => {
    const hints = ['four five six seven eight', 'one two three', 'yes', 'no', 'speak to a human'];
    const s = await echoSetup({ stt_hints: hints });
    const pipe = (await api<{ data: Array<{ id: string; stt_hints: string[] | null }> }>(s, 'GET', '/v1/pipes')).body.data[0]!;
    expect(pipe.stt_hints).toEqual(hints);
    const created = await api<CallBody>(s, 'POST', '/v1/calls', { transport: 'websocket', pipe_id: pipe.id });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const client = await AudioCallClient.connect(created.body.client_url!, 8000);
    cleanups.push(async () => client.close());
    await client.next('call.connected', 0);
    client.startLine();
    await client.next('agent.audio.ended', 0);
    // Phone audio: flite at 8 kHz through G.711 mu-law, as a carrier would deliver it.
    const phone = async (text: string) => {
      const parts: Int16Array[] = [];
      for await (const chunk of tts.synthesize(text, { voice: 'slt', sampleRateHz: 8000 })) parts.push(chunk.samples);
      return decodeMulaw(encodeMulaw(concatPcm16(parts)));
    };
    // Unlike runner hints (one turn), the pipe's apply to every turn.
    for (const phrase of ['four five six seven eight', 'one two three']) {
      const from = client.frames.length;
      await client.say(await phone(phrase));
      const turn = await client.next('user.text', from);
      expect(turn.text).toBe(phrase);
      await client.waitFor((f) => f.event === 'agent.audio.ended' && client.frames.indexOf(f) > client.frames.indexOf(turn));
    }
    client.send({ event: 'hangup' });
    await waitForCallEnd(s, created.body.id);
  });

  test('barge-in: speaking over the agent stops its audio at once; the runner and the transcript get what was heard', { timeout: 60_000 }, async () => {
    const s = await echoSetup();
    const { call, client } = await audioCall(s);
    const started = await client.next('agent.audio.started', 0);
    await client.waitForAudioMs(800);
    const interruption = await speech('stop i want to speak to a human agent please');
    const spoken = client.say(interruption);
    const ended = await client.next('agent.audio.ended', 0);
    const endedAt = client.frameTimesMs[client.frames.indexOf(ended)]!;
    const { startedAtMs } = await spoken;
    expect(ended).toMatchObject({ turn_id: started.turn_id, interrupted: true });
    const heardText = String(ended.heard_text);
    expect('Hi! Say something and I will repeat it.'.startsWith(heardText)).toBe(true);
    expect(heardText.length).toBeLessThan('Hi! Say something and I will repeat it.'.length);
    // The agent stopped because the caller spoke (how fast is bench/voice.ts's barge-in figure).
    expect(endedAt).toBeGreaterThan(startedAtMs);
    const turn = await client.next('user.text', 0);
    // Nothing more of the greeting arrived after it was cut: the next audio is the reply's.
    const replyStarted = await client.next('agent.audio.started', client.frames.indexOf(ended));
    const replyStartedAt = client.frameTimesMs[client.frames.indexOf(replyStarted)]!;
    expect(client.audio.filter((a) => a.atMs > endedAt && a.atMs < replyStartedAt - 1)).toEqual([]);
    expect(words(String(turn.text)).some((w) => ['human', 'agent', 'speak', 'stop'].includes(w))).toBe(true);
    await client.waitFor((f) => f.event === 'agent.text.end' && String(f.text).startsWith('You said'));
    client.send({ event: 'hangup' });
    await client.next('call.ended', 0);
    const record = (await waitForCallEnd(s, call.id)) as unknown as CallBody;
    const full = (await api<CallBody>(s, 'GET', `/v1/calls/${record.id}`)).body;
    const greeting = full.transcript!.find((t) => t.role === 'agent')!;
    expect(greeting).toMatchObject({ interrupted: true, heard_text: heardText });
  });

  test('a backchannel over the agent does not interrupt it', { timeout: 60_000 }, async () => {
    const s = await echoSetup();
    const { client } = await audioCall(s);
    await client.next('agent.audio.started', 0);
    await client.waitForAudioMs(300);
    await client.say(await speech('okay'));
    const ended = await client.next('agent.audio.ended', 0);
    expect(ended.interrupted).toBe(false);
    expect(ended.heard_text).toBe('Hi! Say something and I will repeat it.');
    expect(client.frames.some((f) => f.event === 'user.text')).toBe(false);
  });

  test('idle caller: the runner gets silence and prompts, then the call ends with idle_timeout', { timeout: 60_000 }, async () => {
    const s = await echoSetup({ silence_timeout_s: 1, idle_timeout_s: 5 });
    const { call, client } = await audioCall(s);
    const prompt = await client.waitFor((f) => f.event === 'agent.text.end' && f.text === 'Are you still there?');
    const promptAudio = await client.next('agent.audio.started', client.frames.indexOf(prompt));
    expect(promptAudio.turn_id).toBe(prompt.turn_id);
    const ended = await client.next('call.ended', 0);
    expect(ended.reason).toBe('idle_timeout');
    const record = (await waitForCallEnd(s, call.id)) as unknown as CallBody;
    expect(record.end_reason).toBe('idle_timeout');
  });

  test('max call duration ends the call', { timeout: 60_000 }, async () => {
    const s = await echoSetup({ max_call_duration_s: 10, idle_timeout_s: 600, silence_timeout_s: 600 });
    const { call, client } = await audioCall(s);
    const ended = await client.next('call.ended', 0, 20_000);
    expect(ended.reason).toBe('max_duration');
    const record = (await waitForCallEnd(s, call.id)) as unknown as CallBody;
    expect(record.end_reason).toBe('max_duration');
    expect(record.duration_s).toBeGreaterThanOrEqual(9);
    expect(record.duration_s).toBeLessThan(15);
  });

  test('malformed audio frames get an error event and the call goes on', { timeout: 60_000 }, async () => {
    const s = await echoSetup();
    const { client } = await audioCall(s);
    const from = client.frames.length;
    client.sendBytes(new Uint8Array(321));
    expect(await client.next('error', from)).toMatchObject({ code: 'invalid_audio' });
    client.sendBytes(new Uint8Array(RATE * 2 * 2));
    await client.waitFor((f) => f.event === 'error' && f.code === 'audio_frame_too_large');
    client.send({ event: 'nonsense' });
    client.send({ event: 'user.text' });
    await client.waitFor((f) => f.event === 'error' && f.code === 'invalid_frame');
    client.send({ event: 'user.text', text: 'typed while on a voice call' });
    const reply = await client.waitFor((f) => f.event === 'agent.text.end' && String(f.text).includes('typed while on a voice call'));
    await client.next('agent.audio.started', client.frames.indexOf(reply));
    expect(client.closed).toBeUndefined();
  });

  test('an unusable sample_rate is refused with close code 1008', { timeout: 30_000 }, async () => {
    const s = await echoSetup();
    const created = await api<CallBody>(s, 'POST', '/v1/calls', { transport: 'websocket', agent_id: 'echo' });
    const ws = new WebSocket(`${created.body.client_url}&sample_rate=12345`);
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(1008);
  });

  test('a voice profile with no engine on this node fails the call at once with speech_unavailable', { timeout: 30_000 }, async () => {
    const s = await server();
    await api(s, 'POST', '/v1/pipes', { name: 'cloud', agent_id: 'cloudy', voice_profile: 'VP_openai_alloy' });
    const created = await api<CallBody & { error?: { code: string } }>(s, 'POST', '/v1/calls', { transport: 'websocket', agent_id: 'cloudy' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'failed', end_reason: 'error', error: { code: 'speech_unavailable' } });
    expect(created.body.client_url).toBeUndefined();
  });

  test('a browser session token with transport=websocket starts an audio call on the pipe', { timeout: 30_000 }, async () => {
    const s = await server();
    const pipe = (await api<{ id: string }>(s, 'POST', '/v1/pipes', { name: 'web', agent_id: 'echo' })).body;
    track(startEchoAgent(s, 'echo'));
    await waitForWorkers(s, 'echo');
    const token = (await api<{ token: string }>(s, 'POST', '/v1/sessions/token', { pipe_id: pipe.id })).body.token;
    const url = `${s.baseUrl.replace(/^http/, 'ws')}/v1/sessions/connect?token=${token}&transport=websocket`;
    const client = await AudioCallClient.connect(url, 8000);
    cleanups.push(async () => client.close());
    expect(await client.next('call.connected', 0)).toMatchObject({ sample_rate: 8000 });
    client.startLine();
    const greeting = await client.next('agent.audio.ended', 0);
    expect(greeting).toMatchObject({ interrupted: false, heard_text: 'Hi! Say something and I will repeat it.' });
    // 20 ms frames at the rate asked for.
    expect(client.audio.every((a) => a.samples.length === 160)).toBe(true);
    expect(client.receivedAudioMs()).toBeGreaterThan(1000);
  });

  test('recording pause and resume: the paused stretch is silent in the file, the rest is kept', { timeout: 90_000 }, async () => {
    const s = await server();
    await api(s, 'POST', '/v1/pipes', { name: 'rec', agent_id: 'recorder', recording: true, greeting: null, first_speaker: 'user' });
    // A runner that pauses recording at the start (say, while a card number is read), tells the
    // caller to go ahead, and resumes after the first user turn. Verbs are applied in order, so the
    // pause is in force once "Go ahead." has played.
    let turns = 0;
    const runner = new AgentRunner({
      agentId: 'recorder',
      apiKey: s.apiKey,
      baseUrl: s.baseUrl,
      env: {},
      logLevel: 'silent',
      drainTimeoutMs: 0,
      entrypoint: async (ctx: CallContext) => {
        ctx.session.recording.pause('card number');
        ctx.session.say('Go ahead.');
        ctx.session.dialogMachine = functionAdapter(async function* () {
          if (turns++ === 0) ctx.session.recording.resume();
          yield 'Thank you.';
        });
        await ctx.session.run();
      },
    });
    await runner.start();
    cleanups.push(() => runner.shutdown());
    await waitForWorkers(s, 'recorder');
    const created = await api<CallBody>(s, 'POST', '/v1/calls', { transport: 'websocket', agent_id: 'recorder' });
    const client = await AudioCallClient.connect(created.body.client_url!, RATE);
    cleanups.push(async () => client.close());
    await client.next('call.connected', 0);
    client.startLine();
    const lineStart = performance.now();
    await client.next('agent.audio.ended', 0);
    let mark = client.frames.length;
    const secret = await client.say(await speech('my card number is four five six seven'));
    await client.next('agent.audio.ended', mark);
    mark = client.frames.length;
    const kept = await client.say(await speech('thank you very much'));
    await client.next('agent.audio.ended', mark);
    client.send({ event: 'hangup' });
    await client.next('call.ended', 0);

    const call = (await waitForCallEnd(s, created.body.id)) as unknown as CallBody;
    expect(call.recording_url).toBeTruthy();
    const res = await fetch(`${s.baseUrl}${call.recording_url}`, { headers: { authorization: `Bearer ${s.apiKey}` } });
    const { left, right } = channels(parseWav(new Uint8Array(await res.arrayBuffer())));
    const at = (ms: number) => Math.max(0, Math.round(((ms - lineStart) * RATE) / 1000));
    // Paused: the card number is not in the file (silence where it was said).
    expect(peak(left.subarray(at(secret.startedAtMs), at(secret.endedAtMs)))).toBe(0);
    // Resumed: the second sentence and the agent's replies are.
    expect(peak(left.subarray(at(kept.startedAtMs), at(kept.endedAtMs)))).toBeGreaterThan(1000);
    expect(peak(right)).toBeGreaterThan(1000);
    // The file keeps the call's timeline: it lasts at least until the second sentence ended.
    expect(left.length).toBeGreaterThanOrEqual(at(kept.endedAtMs));
  });
});
