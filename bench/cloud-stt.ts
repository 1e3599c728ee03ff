import { pathToFileURL } from 'node:url';
import { AzureStt, DeepgramStt, GoogleStt, OpenAiStt, type SttAdapter, type SttEvent } from '@unpod/server';
import { FakeAzureStt, FakeDeepgram, FakeGoogleStt, FakeOpenAiStt } from '@unpod/testkit/vendors/index';
import { readNumberOption, readOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { summarize, type LatencySummary } from './lib/stats.js';
import { formatTable } from './lib/table.js';

/**
 * Client-side cost of the cloud STT adapters, against the local vendor fakes on loopback (the
 * fakes answer at once, so this is our adapter, the socket/HTTP stack and the fake, never vendor
 * time): per utterance, `flush()` -> final, with 1 s of 16 kHz audio pushed in 20 ms frames; and
 * `createStream()` -> ready (WebSocket handshake for Deepgram, nothing on the wire for the
 * request/response vendors).
 *
 * Usage: `npm run bench:cloud-stt -w @unpod/bench -- --utterances 300` (or BENCH_UTTERANCES,
 * BENCH_OPENS, BENCH_OUT).
 */

export interface CloudSttParams {
  utterances: number;
  opens: number;
  audio_ms_per_utterance: number;
}

export interface CloudSttCase extends LatencySummary {
  case: string;
  samples: number;
}

const FRAME = new Int16Array(320).map((_, i) => Math.round(6000 * Math.sin(i / 3)));

interface Vendor {
  name: string;
  make: () => Promise<{ adapter: SttAdapter; close: () => Promise<void> }>;
}

const NO_RETRY = { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 };

const VENDORS: Vendor[] = [
  {
    name: 'deepgram (WebSocket)',
    make: async () => {
      const fake = await FakeDeepgram.start({ apiKey: 'k' });
      return { adapter: new DeepgramStt({ apiKey: 'k', baseUrl: fake.url, retry: NO_RETRY }), close: () => fake.close() };
    },
  },
  {
    name: 'openai (HTTP, streamed answer)',
    make: async () => {
      const fake = await FakeOpenAiStt.start({ apiKey: 'k' });
      return { adapter: new OpenAiStt({ apiKey: 'k', baseUrl: fake.baseUrl, retry: NO_RETRY }), close: () => fake.close() };
    },
  },
  {
    name: 'google (HTTP JSON)',
    make: async () => {
      const fake = await FakeGoogleStt.start({ apiKey: 'k' });
      return { adapter: new GoogleStt({ apiKey: 'k', baseUrl: fake.baseUrl, retry: NO_RETRY }), close: () => fake.close() };
    },
  },
  {
    name: 'azure (HTTP WAV)',
    make: async () => {
      const fake = await FakeAzureStt.start({ apiKey: 'k' });
      return { adapter: new AzureStt({ apiKey: 'k', baseUrl: fake.baseUrl, retry: NO_RETRY }), close: () => fake.close() };
    },
  },
];

async function flushToFinal(adapter: SttAdapter, params: CloudSttParams, warmup: number): Promise<number[]> {
  const stream = await adapter.createStream({ sampleRateHz: 16_000, language: 'en-US' });
  const iterator = stream[Symbol.asyncIterator]();
  const nextFinal = async (): Promise<SttEvent> => {
    for (;;) {
      const r = await iterator.next();
      if (r.done) throw new Error('stream ended early');
      if (r.value.type === 'final') return r.value;
    }
  };
  const out: number[] = [];
  const frames = params.audio_ms_per_utterance / 20;
  for (let u = 0; u < warmup + params.utterances; u++) {
    for (let f = 0; f < frames; f++) stream.push(FRAME);
    const t0 = performance.now();
    stream.flush();
    await nextFinal();
    if (u >= warmup) out.push(performance.now() - t0);
  }
  await stream.end();
  return out;
}

async function openToReady(adapter: SttAdapter, params: CloudSttParams): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < params.opens; i++) {
    const t0 = performance.now();
    const stream = await adapter.createStream({ sampleRateHz: 16_000, language: 'en-US' });
    out.push(performance.now() - t0);
    stream.close();
  }
  return out;
}

export function readParams(): CloudSttParams {
  return {
    utterances: readNumberOption('utterances', 300, { min: 1, integer: true }),
    opens: readNumberOption('opens', 100, { min: 1, integer: true }),
    audio_ms_per_utterance: 1000,
  };
}

export async function runCloudSttBench(params: CloudSttParams, log: (line: string) => void = () => undefined): Promise<CloudSttCase[]> {
  const results: CloudSttCase[] = [];
  for (const vendor of VENDORS) {
    log(`${vendor.name}: ${params.utterances} utterances, ${params.opens} opens...`);
    const { adapter, close } = await vendor.make();
    try {
      const finals = await flushToFinal(adapter, params, Math.min(20, params.utterances));
      results.push({ case: `${vendor.name}: flush -> final`, samples: finals.length, ...summarize(finals) });
      const opens = await openToReady(adapter, params);
      results.push({ case: `${vendor.name}: open -> ready`, samples: opens.length, ...summarize(opens) });
    } finally {
      await adapter.close();
      await close();
    }
  }
  return results;
}

export function formatResults(results: readonly CloudSttCase[]): string {
  return formatTable(
    ['case', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
    results.map((r) => [r.case, r.samples, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms]),
  );
}

export async function main(): Promise<void> {
  const params = readParams();
  const results = await runCloudSttBench(params, (line) => process.stderr.write(line + '\n'));
  process.stdout.write('\nCloud STT adapters against local vendor fakes (loopback; no vendor time)\n\n' + formatResults(results) + '\n\n');
  const file = await writeResults('cloud-stt', params, results, readOption('out', '') || undefined);
  process.stdout.write(`results written to ${file}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
