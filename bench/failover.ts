import { pathToFileURL } from 'node:url';
import { FailoverSettings, type ProviderStep } from '@unpod/protocol';
import {
  BreakerBoard,
  FailoverStt,
  FailoverTts,
  FliteTts,
  PocketsphinxStt,
  UsageMeter,
  failoverOptions,
  type SttAdapter,
  type SttEvent,
  type TtsAdapter,
} from '@unpod/server';
import { FaultyStt, FaultyTts, type FaultMode } from '@unpod/testkit/faulty-speech';
import { readNumberOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { summarize, type LatencySummary } from './lib/stats.js';
import { formatTable } from './lib/table.js';

/**
 * Failover latency with the real embedded engines, in process: a failing primary provider (the
 * testkit's faulty providers) in front of pocketsphinx (STT) or flite (TTS), wrapped in the same
 * `FailoverStt` / `FailoverTts` a call uses. Per switch it measures the time from the failure
 * being detected (the failover event) to the first result of the next provider:
 *
 * - STT die: the primary fails after 300 ms of caller audio (a dropped vendor connection);
 * - STT stall: the primary goes quiet after its first partial; detection takes `stall_timeout_ms`
 *   of flowing audio by design, reported separately from the switch itself;
 * - TTS die / stall: the primary fails (or goes quiet for `tts_timeout_ms`) after its first chunk.
 *
 * Caller audio is fed in real time (20 ms frames) until the switch, the rest at once. STT
 * transcript completeness: the share of the words pocketsphinx alone recognises in the same
 * audio that the transcript across the switch contains.
 *
 * Usage: `npm run bench:failover -w @unpod/bench -- --switches 30 --stall-ms 500`.
 */

interface Params {
  switches: number;
  stall_timeout_ms: number;
  tts_timeout_ms: number;
  die_after_ms: number;
}

interface Percentiles extends LatencySummary {
  samples: number;
}

interface FailoverCase {
  kind: 'stt' | 'tts';
  mode: FaultMode;
  switches: number;
  /** Failure detected -> first result (partial or final; TTS: audio) of the next provider. */
  failure_to_first_result: Percentiles;
  /** STT stall / TTS stall: when the failure was detected, measured from the primary's last result. */
  detection: Percentiles | null;
  /** STT: reference words found in the transcript across the switch, over all switches (1 = nothing lost). */
  transcript_completeness: number | null;
  /**
   * STT: the same measure for pocketsphinx alone on the same audio in a fresh stream, run next to
   * each switch. Pocketsphinx's result varies a little from stream to stream (its cepstral mean
   * carries over between pooled sessions), so this is the level the failover is compared with.
   */
  baseline_completeness: number | null;
  errors: number;
}

const RATE = 16_000;
const FRAME = RATE / 50;
const SENTENCES = ['what time does the store open tomorrow', 'i would like to book a table for two people', 'can you tell me the opening hours please'];
const REPLY = 'Your table is booked for seven tonight. We will see you then. Thank you for calling.';
const step = (provider: string, voice: string | null = null): ProviderStep => ({ provider, model: null, voice, language: 'en-US', options: {} });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const words = (text: string) => text.toLowerCase().split(/[^a-z']+/).filter(Boolean);

function percentiles(values: number[]): Percentiles {
  return { ...summarize(values), samples: values.length };
}

function settings(params: Params) {
  return failoverOptions(FailoverSettings.parse({ stall_timeout_ms: params.stall_timeout_ms, tts_timeout_ms: params.tts_timeout_ms, stay_on_fallback_s: 0 }));
}

async function synthesize(tts: FliteTts, text: string): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const c of tts.synthesize(text, { voice: 'slt', sampleRateHz: RATE })) parts.push(c.samples);
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function transcribe(stt: PocketsphinxStt, audio: Int16Array): Promise<string> {
  const stream = await stt.createStream({ sampleRateHz: RATE, language: 'en-US' });
  const texts: string[] = [];
  const reading = (async () => {
    for await (const e of stream) if (e.type === 'final') texts.push(e.text);
  })();
  for (let at = 0; at < audio.length; at += FRAME) stream.push(audio.subarray(at, at + FRAME));
  await stream.end();
  await reading;
  return texts.join(' ');
}

/** One STT switch: returns failure -> first result, detection delay, and the transcript. */
async function sttSwitch(primary: SttAdapter, fallback: PocketsphinxStt, audio: Int16Array, params: Params): Promise<{ latencyMs: number; detectionMs: number; text: string }> {
  let failedAt: number | null = null;
  let firstAfter: number | null = null;
  let lastPrimaryResult = performance.now();
  const stt = new FailoverStt(
    [
      { step: step(primary.provider), adapter: primary },
      { step: step('pocketsphinx'), adapter: fallback },
    ],
    { options: settings(params), breakers: new BreakerBoard(), meter: new UsageMeter(), onFailover: () => (failedAt = performance.now()) },
  );
  const stream = await stt.createStream({ sampleRateHz: RATE, language: 'en-US' });
  const finals: string[] = [];
  const reading = (async () => {
    for await (const e of stream as AsyncIterable<SttEvent>) {
      const now = performance.now();
      if (failedAt === null) lastPrimaryResult = now;
      else firstAfter ??= now;
      if (e.type === 'final') finals.push(e.text);
    }
  })();
  let at = 0;
  const started = performance.now();
  for (; at < audio.length && failedAt === null; at += FRAME) {
    stream.push(audio.subarray(at, at + FRAME));
    const due = started + ((at + FRAME) / RATE) * 1000;
    await sleep(Math.max(0, due - performance.now()));
  }
  for (; at < audio.length; at += FRAME) stream.push(audio.subarray(at, at + FRAME));
  await stream.end();
  await reading;
  if (failedAt === null || firstAfter === null) throw new Error('no switch happened');
  return { latencyMs: firstAfter - failedAt, detectionMs: failedAt - lastPrimaryResult, text: finals.join(' ') };
}

/** One TTS switch: failure -> first fallback audio. */
async function ttsSwitch(primary: TtsAdapter, fallback: FliteTts, params: Params): Promise<{ latencyMs: number; detectionMs: number }> {
  let failedAt: number | null = null;
  let firstAfter: number | null = null;
  let lastPrimaryChunk = performance.now();
  const tts = new FailoverTts(
    [
      { step: step(primary.provider, 'tone'), adapter: primary },
      { step: step('flite', 'slt'), adapter: fallback },
    ],
    { options: settings(params), breakers: new BreakerBoard(), meter: new UsageMeter(), onFailover: () => (failedAt ??= performance.now()) },
  );
  for await (const _chunk of tts.synthesize(REPLY, { sampleRateHz: RATE })) {
    const now = performance.now();
    if (failedAt === null) lastPrimaryChunk = now;
    else firstAfter ??= now;
  }
  if (failedAt === null || firstAfter === null) throw new Error('no switch happened');
  return { latencyMs: firstAfter - failedAt, detectionMs: failedAt - lastPrimaryChunk };
}

export async function main(): Promise<void> {
  const params: Params = {
    switches: readNumberOption('switches', 30, { min: 1, integer: true }),
    stall_timeout_ms: readNumberOption('stall-ms', 500, { min: 100, integer: true }),
    tts_timeout_ms: readNumberOption('tts-timeout-ms', 500, { min: 100, integer: true }),
    die_after_ms: readNumberOption('die-after-ms', 300, { min: 0, integer: true }),
  };
  const flite = new FliteTts();
  const pocketsphinx = new PocketsphinxStt({ pool: { minSize: 1, maxSize: 1 } });
  await pocketsphinx.warm();
  const audio = await Promise.all(SENTENCES.map((s) => synthesize(flite, s)));
  const references = await Promise.all(audio.map((a) => transcribe(pocketsphinx, a).then(words)));
  const cases: FailoverCase[] = [];
  try {
    for (const mode of ['die', 'stall'] as const) {
      const primary = new FaultyStt(mode, params.die_after_ms);
      const latencies: number[] = [];
      const detections: number[] = [];
      let found = 0;
      let expected = 0;
      let baselineFound = 0;
      let errors = 0;
      for (let i = 0; i < params.switches; i++) {
        const k = i % audio.length;
        try {
          const r = await sttSwitch(primary, pocketsphinx, audio[k]!, params);
          latencies.push(r.latencyMs);
          detections.push(r.detectionMs);
          const heard = words(r.text);
          expected += references[k]!.length;
          found += references[k]!.filter((w) => heard.includes(w)).length;
          const control = words(await transcribe(pocketsphinx, audio[k]!));
          baselineFound += references[k]!.filter((w) => control.includes(w)).length;
        } catch (err) {
          errors++;
          process.stderr.write(`failover: stt ${mode} switch ${i} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
      cases.push({
        kind: 'stt',
        mode,
        switches: latencies.length,
        failure_to_first_result: percentiles(latencies),
        detection: mode === 'stall' ? percentiles(detections) : null,
        transcript_completeness: expected === 0 ? null : Math.round((found / expected) * 1000) / 1000,
        baseline_completeness: expected === 0 ? null : Math.round((baselineFound / expected) * 1000) / 1000,
        errors,
      });
    }
    for (const mode of ['die', 'stall'] as const) {
      const primary = new FaultyTts(mode);
      const latencies: number[] = [];
      const detections: number[] = [];
      let errors = 0;
      for (let i = 0; i < params.switches; i++) {
        try {
          const r = await ttsSwitch(primary, flite, params);
          latencies.push(r.latencyMs);
          detections.push(r.detectionMs);
        } catch (err) {
          errors++;
          process.stderr.write(`failover: tts ${mode} switch ${i} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
      cases.push({
        kind: 'tts',
        mode,
        switches: latencies.length,
        failure_to_first_result: percentiles(latencies),
        detection: mode === 'stall' ? percentiles(detections) : null,
        transcript_completeness: null,
        baseline_completeness: null,
        errors,
      });
    }
  } finally {
    await pocketsphinx.close();
    await flite.close();
  }

  const p = (v: number | undefined) => (v === undefined ? Number.NaN : v);
  process.stdout.write(
    formatTable(
      ['provider', 'fault', 'switches', 'p50 ms', 'p99 ms', 'max ms', 'detect p50 ms', 'words kept', 'same, no failover', 'errors'],
      cases.map((c) => [
        c.kind,
        c.mode,
        c.switches,
        c.failure_to_first_result.p50_ms,
        c.failure_to_first_result.p99_ms,
        c.failure_to_first_result.max_ms,
        p(c.detection?.p50_ms),
        c.transcript_completeness === null ? '-' : `${(c.transcript_completeness * 100).toFixed(1)} %`,
        c.baseline_completeness === null ? '-' : `${(c.baseline_completeness * 100).toFixed(1)} %`,
        c.errors,
      ]),
    ) + '\n',
  );
  const file = await writeResults('failover', { ...params, note: 'in process, real engines; p50/p99 of failure detected -> first result of the next provider' }, cases);
  process.stdout.write(`results: ${file}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
