import { fileURLToPath } from 'node:url';
import { AzureTts, CartesiaTts, DeepgramTts, ElevenLabsTts, GoogleTts, OpenAiTts, type TtsAdapter } from '@unpod/server';
import {
  FakeAzureTts,
  FakeCartesiaTts,
  FakeDeepgramTts,
  FakeElevenLabsTts,
  FakeGoogleTts,
  FakeOpenAiTts,
  toneSpeech,
  type FakeTtsVendor,
} from '@unpod/testkit/vendors/tts/index';
import { readNumberOption, readOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { summarize } from './lib/stats.js';
import { formatTable } from './lib/table.js';

/**
 * Cloud TTS adapter overhead, measured against the local fake vendors (no network, so this is the
 * adapter + base + local socket cost, not vendor latency): time from `synthesize()` to the first
 * 8 kHz chunk, and to the last, for one sentence, per vendor, at 1 and at N concurrent syntheses.
 * The fakes run in the same process (their cost is included: serialising PCM, base64 for the
 * WebSocket vendors) with pre-rendered audio in 20 ms chunks, so time-to-first-audio is an upper
 * bound on what our side adds before a caller could hear a real vendor's first byte.
 *
 * Usage: `npm run bench:cloud-tts -w @unpod/bench -- --syntheses 200 --concurrency 16`
 * (or BENCH_SYNTHESES, BENCH_CONCURRENCY, BENCH_OUT).
 */

export interface CloudTtsParams {
  syntheses: number;
  concurrency: number;
  sentence_chars: number;
  output_rate_hz: number;
}

export interface CloudTtsCase {
  vendor: string;
  concurrency: number;
  syntheses: number;
  first_audio_p50_ms: number;
  first_audio_p99_ms: number;
  total_p50_ms: number;
  total_p99_ms: number;
  failures: number;
}

const SENTENCE = 'Your table for two is booked for seven tonight, and we will text you a reminder.';
const OUTPUT_RATE_HZ = 8000;

/** The fakes render the same sentence every time: render it once per rate so the fake costs little. */
const rendered = new Map<number, Int16Array>();
const speech = (text: string, rateHz: number): Int16Array => {
  let samples = rendered.get(rateHz);
  if (samples === undefined) rendered.set(rateHz, (samples = toneSpeech(text, rateHz)));
  return samples;
};
const FAKE = { chunkMs: 20, speech };

const VENDORS: Array<[string, () => Promise<FakeTtsVendor>, (apiKey: string, baseUrl: string) => TtsAdapter]> = [
  ['openai', () => FakeOpenAiTts.start(FAKE), (apiKey, baseUrl) => new OpenAiTts({ apiKey, baseUrl })],
  ['elevenlabs', () => FakeElevenLabsTts.start(FAKE), (apiKey, baseUrl) => new ElevenLabsTts({ apiKey, baseUrl })],
  ['cartesia', () => FakeCartesiaTts.start(FAKE), (apiKey, baseUrl) => new CartesiaTts({ apiKey, baseUrl })],
  ['deepgram', () => FakeDeepgramTts.start(FAKE), (apiKey, baseUrl) => new DeepgramTts({ apiKey, baseUrl })],
  ['google', () => FakeGoogleTts.start(FAKE), (apiKey, baseUrl) => new GoogleTts({ apiKey, baseUrl })],
  ['azure', () => FakeAzureTts.start(FAKE), (apiKey, baseUrl) => new AzureTts({ apiKey, baseUrl })],
];

async function one(tts: TtsAdapter): Promise<{ firstMs: number; totalMs: number }> {
  const started = performance.now();
  let firstMs = Number.NaN;
  for await (const _chunk of tts.synthesize(SENTENCE, { sampleRateHz: OUTPUT_RATE_HZ })) {
    if (Number.isNaN(firstMs)) firstMs = performance.now() - started;
  }
  return { firstMs, totalMs: performance.now() - started };
}

async function runCase(vendor: string, tts: TtsAdapter, syntheses: number, concurrency: number): Promise<CloudTtsCase> {
  const first: number[] = [];
  const total: number[] = [];
  let failures = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < syntheses) {
      next++;
      try {
        const r = await one(tts);
        first.push(r.firstMs);
        total.push(r.totalMs);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const f = summarize(first);
  const t = summarize(total);
  return { vendor, concurrency, syntheses, first_audio_p50_ms: f.p50_ms, first_audio_p99_ms: f.p99_ms, total_p50_ms: t.p50_ms, total_p99_ms: t.p99_ms, failures };
}

export async function main(): Promise<void> {
  const syntheses = readNumberOption('syntheses', 200, { min: 1, integer: true });
  const concurrency = readNumberOption('concurrency', 16, { min: 1, integer: true });
  const out = readOption('out', '');
  const results: CloudTtsCase[] = [];
  for (const [vendor, startFake, create] of VENDORS) {
    const fake = await startFake();
    const tts = create(fake.apiKey, fake.baseUrl);
    try {
      for (let i = 0; i < 10; i++) await one(tts);
      results.push(await runCase(vendor, tts, syntheses, 1));
      results.push(await runCase(vendor, tts, syntheses, concurrency));
    } finally {
      await tts.close();
      await fake.close();
    }
  }
  const params: CloudTtsParams = { syntheses, concurrency, sentence_chars: SENTENCE.length, output_rate_hz: OUTPUT_RATE_HZ };
  console.log(
    formatTable(
      ['vendor', 'conc', 'n', 'first audio p50', 'first audio p99', 'total p50', 'total p99', 'failures'],
      results.map((r) => [r.vendor, r.concurrency, r.syntheses, r.first_audio_p50_ms, r.first_audio_p99_ms, r.total_p50_ms, r.total_p99_ms, r.failures]),
    ),
  );
  const file = await writeResults('cloud-tts', params, results, out || undefined);
  console.log(`\nresults: ${file}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
