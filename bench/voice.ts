import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FliteTts } from '@unpod/server';
import { AudioCallClient } from '@unpod/testkit/audio-client';
import { spawnNode, type WatchedProcess } from '@unpod/testkit/processes';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { readNumberOption, readOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { percentile, summarize, type LatencySummary } from './lib/stats.js';
import { formatTable } from './lib/table.js';

/**
 * Voice-to-voice latency through the real server with the embedded engines (energy VAD,
 * pocketsphinx, flite) and a runner process with an instant brain, over the WebSocket audio
 * transport. Each simulated caller is a phone line (one 20 ms frame every 20 ms, silence between
 * utterances) and, per turn: pauses (random think time), asks a question, and measures
 *
 * - voice-to-voice: its last speech frame sent -> the first frame of the reply's audio received;
 * - barge-in: once 600 ms of the reply has arrived, it speaks over it and measures speech onset ->
 *   the last reply frame received (audio stopped on the wire), and -> `agent.audio.ended`;
 *
 * then lets the reply to the interruption play out. Per-stage times come from the server's own
 * turn metrics (`GET /v1/calls/{id}`): VAD end -> STT final, bridge + brain to the first text,
 * first text -> first TTS audio, VAD end -> first audio out. CPU and memory are the server
 * process's (/proc), per concurrent call.
 *
 * Caller speech is flite audio trimmed to its voiced part. A warm-up at the highest concurrency
 * runs first (decoders are loaded lazily, one at a time).
 *
 * Usage: `npm run bench:voice -w @unpod/bench -- --concurrency 1,10 --turns 4 --silence-ms 600`.
 */

interface VoiceParams {
  concurrency: number[];
  turns: number;
  /** The pipe's endpointing silence (caller silence that ends a turn). */
  silence_ms: number;
  barge_in_min_ms: number;
  think_ms: number;
  stt_decoders: number;
}

interface Percentiles extends LatencySummary {
  p95_ms: number;
  samples: number;
}

interface VoiceCase {
  concurrent_calls: number;
  turns_measured: number;
  voice_to_voice: Percentiles;
  stages_p50_ms: { vad_end_to_stt_final: number; bridge_and_brain_to_first_text: number; first_text_to_tts_first_audio: number; vad_end_to_first_audio_out: number };
  stages: { stt: Percentiles; agent_ttft: Percentiles; tts_ttfb: Percentiles; ttfa: Percentiles };
  barge_in_wire_stop: Percentiles;
  barge_in_event: Percentiles;
  server_cpu_pct_of_core_per_call: number;
  server_rss_mb_idle: number;
  server_rss_mb_peak: number;
  server_rss_mb_per_call: number;
  errors: number;
}

const AGENT_ID = 'bench-voice';
const RATE = 16_000;
const here = fileURLToPath(new URL('.', import.meta.url));
const QUESTIONS = [
  'what time does the store open tomorrow',
  'can you tell me the opening hours please',
  'i would like to book a table for two people',
  'is the shop open on sunday',
];
const INTERRUPTION = 'wait a moment please';

function readParams(): VoiceParams {
  const concurrency = readOption('concurrency', '1,10')
    .split(',')
    .map((v) => Number(v.trim()));
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--concurrency: comma-separated positive integers');
  return {
    concurrency,
    turns: readNumberOption('turns', 4, { min: 1, integer: true }),
    silence_ms: readNumberOption('silence-ms', 600, { min: 100, integer: true }),
    barge_in_min_ms: readNumberOption('barge-in-min-ms', 250, { min: 0, integer: true }),
    think_ms: readNumberOption('think-ms', 800, { min: 0 }),
    stt_decoders: readNumberOption('stt-decoders', Math.max(...concurrency), { min: 1, integer: true }),
  };
}

async function api<T>(server: TestServer, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Caller speech, trimmed to its voiced part (flite pads its output with silence), so "the caller
 * stopped speaking" and "speech onset" are the moments the line carries them.
 */
async function synthesize(tts: FliteTts, text: string): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const c of tts.synthesize(text, { voice: 'slt', sampleRateHz: RATE })) parts.push(c.samples);
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  const frame = RATE / 50;
  const loud: boolean[] = [];
  for (let i = 0; i + frame <= out.length; i += frame) {
    let sum = 0;
    for (let j = i; j < i + frame; j++) sum += out[j]! * out[j]!;
    loud.push(Math.sqrt(sum / frame) > 300);
  }
  return out.slice(loud.indexOf(true) * frame, (loud.lastIndexOf(true) + 1) * frame);
}

const silence = (ms: number) => new Int16Array(Math.round((RATE * ms) / 1000));

/** CPU seconds (user + system) and RSS of a process, from /proc. */
function processStats(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuS: ticks / 100, rssMb: rssKb / 1024 };
}

interface CallResult {
  voiceToVoice: number[];
  bargeWire: number[];
  bargeEvent: number[];
  callId: string | null;
  error: boolean;
}

/** One simulated caller: greeting, then `turns` x (think, ask, barge in on the reply, hear the next reply out). */
async function oneCall(server: TestServer, audio: { questions: Int16Array[]; interruption: Int16Array }, params: VoiceParams, index: number): Promise<CallResult> {
  const result: CallResult = { voiceToVoice: [], bargeWire: [], bargeEvent: [], callId: null, error: false };
  let client: AudioCallClient | null = null;
  try {
    // Spread call starts over a second so the callers' turns do not line up.
    if (index > 0) await new Promise((r) => setTimeout(r, Math.random() * 1000));
    const call = await api<{ id: string; client_url?: string }>(server, 'POST', '/v1/calls', { transport: 'websocket', agent_id: AGENT_ID });
    result.callId = call.id;
    if (!call.client_url) throw new Error('no client_url');
    client = await AudioCallClient.connect(call.client_url, RATE);
    await client.next('call.connected', 0);
    client.startLine();
    await client.next('agent.audio.ended', 0);
    for (let turn = 0; turn < params.turns; turn++) {
      await client.say(silence(Math.random() * 2 * params.think_ms));
      const mark = client.frames.length;
      const { endedAtMs } = await client.say(audio.questions[turn % audio.questions.length]!);
      // The server sends a reply's first frame, then its `agent.audio.started`.
      const started = await client.next('agent.audio.started', mark, 20_000);
      const startedIndex = client.frames.indexOf(started);
      const firstFrame = client.audio.find((a) => a.atMs >= endedAtMs);
      if (firstFrame) result.voiceToVoice.push(firstFrame.atMs - endedAtMs);
      // Barge in once 600 ms of the reply has arrived.
      await client.waitForAudioMs(client.receivedAudioMs() + 600, 20_000);
      const bargeMark = client.frames.length;
      const spoken = client.say(audio.interruption);
      const ended = await client.next('agent.audio.ended', startedIndex, 20_000);
      const endedAt = client.frameTimesMs[client.frames.indexOf(ended)]!;
      const { startedAtMs: onsetMs } = await spoken;
      if (ended.interrupted === true && onsetMs <= endedAt) {
        const lastFrame = [...client.audio].reverse().find((a) => a.atMs <= endedAt);
        result.bargeEvent.push(endedAt - onsetMs);
        if (lastFrame) result.bargeWire.push(Math.max(0, lastFrame.atMs - onsetMs));
      }
      // The interruption is a turn too: let its reply play out.
      await client.waitFor((f) => f.event === 'agent.audio.ended' && f.interrupted === false && client!.frames.indexOf(f) >= bargeMark, 30_000);
    }
    client.send({ event: 'hangup' });
    await client.next('call.ended', 0, 10_000);
  } catch (err) {
    process.stderr.write(`voice: call ${result.callId ?? '?'} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    result.error = true;
  } finally {
    client?.close();
  }
  return result;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { ...summarize(values), p95_ms: Math.round(percentile(sorted, 95) * 100) / 100, samples: values.length };
}

async function serverStages(server: TestServer, callIds: string[]): Promise<{ stt: number[]; ttft: number[]; tts: number[]; ttfa: number[] }> {
  const out = { stt: [] as number[], ttft: [] as number[], tts: [] as number[], ttfa: [] as number[] };
  for (const id of callIds) {
    const call = await api<{ turn_metrics?: Array<{ stt_ms: number | null; agent_ttft_ms: number | null; tts_ttfb_ms: number | null; ttfa_ms: number | null; interrupted: boolean }> }>(server, 'GET', `/v1/calls/${id}`);
    for (const m of call.turn_metrics ?? []) {
      if (m.stt_ms !== null) out.stt.push(m.stt_ms);
      if (m.agent_ttft_ms !== null) out.ttft.push(m.agent_ttft_ms);
      if (m.tts_ttfb_ms !== null) out.tts.push(m.tts_ttfb_ms);
      if (m.ttfa_ms !== null) out.ttfa.push(m.ttfa_ms);
    }
  }
  return out;
}

async function runCase(server: TestServer, audio: { questions: Int16Array[]; interruption: Int16Array }, params: VoiceParams, calls: number): Promise<VoiceCase> {
  const pid = server.process.pid!;
  const idle = processStats(pid);
  let peakRss = idle.rssMb;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, processStats(pid).rssMb)), 250);
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: calls }, (_, i) => oneCall(server, audio, params, i)));
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const after = processStats(pid);
  const ids = results.flatMap((r) => (r.callId ? [r.callId] : []));
  const stages = await serverStages(server, ids);
  const s = { stt: percentiles(stages.stt), agent_ttft: percentiles(stages.ttft), tts_ttfb: percentiles(stages.tts), ttfa: percentiles(stages.ttfa) };
  const v2v = results.flatMap((r) => r.voiceToVoice);
  return {
    concurrent_calls: calls,
    turns_measured: v2v.length,
    voice_to_voice: percentiles(v2v),
    stages_p50_ms: {
      vad_end_to_stt_final: s.stt.p50_ms,
      bridge_and_brain_to_first_text: s.agent_ttft.p50_ms,
      first_text_to_tts_first_audio: s.tts_ttfb.p50_ms,
      vad_end_to_first_audio_out: s.ttfa.p50_ms,
    },
    stages: s,
    barge_in_wire_stop: percentiles(results.flatMap((r) => r.bargeWire)),
    barge_in_event: percentiles(results.flatMap((r) => r.bargeEvent)),
    server_cpu_pct_of_core_per_call: Math.round(((after.cpuS - idle.cpuS) / wallS / calls) * 1000) / 10,
    server_rss_mb_idle: Math.round(idle.rssMb),
    server_rss_mb_peak: Math.round(peakRss),
    server_rss_mb_per_call: Math.round(((peakRss - idle.rssMb) / calls) * 10) / 10,
    errors: results.filter((r) => r.error).length,
  };
}

export async function main(): Promise<void> {
  const params = readParams();
  const tts = new FliteTts();
  const audio = {
    questions: await Promise.all(QUESTIONS.map((q) => synthesize(tts, q))),
    interruption: await synthesize(tts, INTERRUPTION),
  };
  await tts.close();
  const server = await startTestServer({ database: 'sqlite', env: { UNPOD_STT_DECODERS: String(params.stt_decoders) } });
  let runner: WatchedProcess | null = null;
  try {
    runner = spawnNode(`${here}fixtures/voice-agent.js`, [], { UNPOD_BASE_URL: server.baseUrl, UNPOD_API_KEY: server.apiKey, UNPOD_AGENT_ID: AGENT_ID });
    await api(server, 'POST', '/v1/pipes', {
      name: 'bench-voice',
      agent_id: AGENT_ID,
      greeting: null,
      first_speaker: 'user',
      idle_timeout_s: 600,
      silence_timeout_s: 600,
      endpointing: { silence_ms: params.silence_ms, max_turn_s: 30, barge_in: true, barge_in_min_ms: params.barge_in_min_ms },
    });
    await runner.waitForLine(/^READY/);
    // Warm-up at the highest concurrency: decoders load lazily (about 0.4 s each, one at a time),
    // so the pool grows to what the measured cases need before they start.
    const warmCalls = Math.max(...params.concurrency);
    process.stderr.write(`voice: warm-up (${warmCalls} calls, 1 turn)\n`);
    await runCase(server, audio, { ...params, turns: 1 }, warmCalls);

    const cases: VoiceCase[] = [];
    for (const calls of params.concurrency) {
      process.stderr.write(`voice: ${calls} concurrent calls x ${params.turns} turns\n`);
      cases.push(await runCase(server, audio, params, calls));
    }

    console.log(`\nVoice-to-voice (caller's last speech frame sent -> first reply frame received), endpointing silence ${params.silence_ms} ms, ms`);
    console.log(
      formatTable(
        ['calls', 'turns', 'p50', 'p95', 'max', 'stt p50', 'bridge+brain p50', 'tts p50', 'ttfa p50 (server)', 'errors'],
        cases.map((c) => [
          c.concurrent_calls,
          c.turns_measured,
          c.voice_to_voice.p50_ms,
          c.voice_to_voice.p95_ms,
          c.voice_to_voice.max_ms,
          c.stages.stt.p50_ms,
          c.stages.agent_ttft.p50_ms,
          c.stages.tts_ttfb.p50_ms,
          c.stages.ttfa.p50_ms,
          c.errors,
        ]),
      ),
    );
    console.log('\nBarge-in (caller speech onset -> agent audio stops), CPU and memory of the server per call');
    console.log(
      formatTable(
        ['calls', 'wire stop p50', 'wire stop p95', 'event p50', 'cpu %core/call', 'rss idle MB', 'rss peak MB', 'MB/call'],
        cases.map((c) => [
          c.concurrent_calls,
          c.barge_in_wire_stop.p50_ms,
          c.barge_in_wire_stop.p95_ms,
          c.barge_in_event.p50_ms,
          c.server_cpu_pct_of_core_per_call,
          c.server_rss_mb_idle,
          c.server_rss_mb_peak,
          c.server_rss_mb_per_call,
        ]),
      ),
    );
    const budgets = { voice_to_voice_p50_ms_at_1: 700, voice_to_voice_p50_ms_at_10: 900, barge_in_p50_ms: 300 };
    const file = await writeResults(
      'voice',
      {
        ...params,
        budgets,
        note:
          'one machine: server, runner and all simulated callers share its cores. Voice-to-voice includes the endpointing silence ' +
          '(silence_ms) the pipe waits for before a turn ends; stages come from the server turn metrics.',
      },
      cases,
    );
    console.log(`\nwrote ${file}`);
  } finally {
    await runner?.kill('SIGTERM');
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
