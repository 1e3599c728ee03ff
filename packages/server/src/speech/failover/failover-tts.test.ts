import { FailoverSettings, type ProviderStep } from '@unpod/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSpeechError } from '../contracts/errors.js';
import type { TtsChunk } from '../contracts/tts.js';
import { TokenTts, type Fault } from '../testing/token-engines.js';
import { BreakerBoard } from './breaker.js';
import { FailoverTts } from './failover-tts.js';
import { failoverOptions, type FailoverEvent } from './types.js';
import { UsageMeter } from './usage.js';

const step = (provider: string): ProviderStep => ({ provider, model: null, voice: 'tok', language: 'en', options: {} });

function chain(specs: Array<[string, number, Fault]>, overrides: Partial<FailoverSettings> = {}) {
  const adapters = specs.map(([name, level, fault]) => new TokenTts(name, level, fault));
  const events: FailoverEvent[] = [];
  const meter = new UsageMeter();
  const tts = new FailoverTts(
    adapters.map((adapter) => ({ step: step(adapter.provider), adapter })),
    { options: failoverOptions(FailoverSettings.parse(overrides)), breakers: new BreakerBoard(), meter, onFailover: (e) => events.push(e) },
  );
  return { tts, adapters, events, meter };
}

async function render(tts: FailoverTts, text: string): Promise<TtsChunk[]> {
  const out: TtsChunk[] = [];
  for await (const c of tts.synthesize(text, { sampleRateHz: 16_000 })) out.push(c);
  return out;
}

/** Per sentence index: which provider levels produced its audio, in order, and how many samples. */
function bySentence(chunks: TtsChunk[]): Array<{ index: number; text: string; levels: number[]; samples: number }> {
  const out: Array<{ index: number; text: string; levels: number[]; samples: number }> = [];
  for (const c of chunks) {
    let row = out.at(-1);
    if (row?.index !== c.segmentIndex) out.push((row = { index: c.segmentIndex, text: c.segmentText, levels: [], samples: 0 }));
    if (row.levels.at(-1) !== c.samples[0]) row.levels.push(c.samples[0]!);
    row.samples += c.samples.length;
  }
  return out;
}

const TEXT = 'The first sentence is here. The second one fails halfway through. The third follows it.';
const sentences = ['The first sentence is here.', 'The second one fails halfway through.', 'The third follows it.'];

afterEach(() => vi.useRealTimers());

describe('FailoverTts', () => {
  it('a provider dying mid-sentence: the next renders that sentence again from its start and the rest of the reply; nothing is skipped', async () => {
    const { tts, adapters, events } = chain([
      ['primary', 100, { kind: 'die', at: 2 }],
      ['backup', 200, { kind: 'none' }],
    ]);
    const rows = bySentence(await render(tts, TEXT));
    expect(rows.map((r) => r.text)).toEqual(sentences);
    expect(rows.map((r) => r.levels)).toEqual([[100], [100, 200], [200]]);
    // The backup rendered the failed sentence whole (16 samples per character).
    expect(adapters[1]!.asked).toEqual(sentences.slice(1));
    expect(events).toEqual([expect.objectContaining({ kind: 'tts', from: 'primary', to: 'backup', reason: 'provider_error', phase: 'stream' })]);
    expect(tts.lastAudioProvider).toBe('backup');
  });

  it('a provider that returns no audio for a sentence is replaced (malformed_result) and the sentence is spoken', async () => {
    const { tts, events } = chain([
      ['empty', 100, { kind: 'garbage', at: 1 }],
      ['backup', 200, { kind: 'none' }],
    ]);
    const rows = bySentence(await render(tts, TEXT));
    expect(rows.map((r) => [r.text, r.levels, r.samples])).toEqual(sentences.map((s) => [s, [200], s.length * 16]));
    expect(events.map((e) => e.reason)).toEqual(['malformed_result']);
  });

  it('a provider that stops producing audio is replaced after tts_timeout_ms', async () => {
    vi.useFakeTimers();
    const { tts, events } = chain(
      [
        ['staller', 100, { kind: 'stall', at: 1 }],
        ['backup', 200, { kind: 'none' }],
      ],
      { tts_timeout_ms: 400 },
    );
    const done = render(tts, 'Only one sentence.');
    await vi.advanceTimersByTimeAsync(400);
    const rows = bySentence(await done);
    expect(events.map((e) => [e.from, e.reason])).toEqual([['staller', 'timeout']]);
    expect(rows).toEqual([{ index: 0, text: 'Only one sentence.', levels: [100, 200], samples: 160 + 'Only one sentence.'.length * 16 }]);
  });

  it('the next reply of the call starts on the fallback while stay_on_fallback_s lasts', async () => {
    const { tts, adapters, events } = chain([
      ['primary', 100, { kind: 'refuse' }],
      ['backup', 200, { kind: 'none' }],
    ]);
    await render(tts, 'One. Two.');
    await render(tts, 'Three.');
    expect(events).toHaveLength(1);
    expect(adapters[0]!.asked).toEqual(['One.']);
  });

  it('when every provider fails a sentence the error surfaces to the pipeline', async () => {
    const { tts } = chain([
      ['a', 100, { kind: 'refuse' }],
      ['b', 200, { kind: 'refuse' }],
    ]);
    const err = await render(tts, 'Hello.').catch((e: unknown) => e);
    expect(isSpeechError(err, 'unavailable')).toBe(true);
  });

  it('meters characters and audio per provider', async () => {
    const { tts, meter } = chain([
      ['primary', 100, { kind: 'die', at: 2 }],
      ['backup', 200, { kind: 'none' }],
    ]);
    await render(tts, TEXT);
    const usage = meter.snapshot();
    expect(usage.find((u) => u.provider === 'primary')).toMatchObject({ kind: 'tts', characters: sentences[0]!.length + sentences[1]!.length, requests: 2 });
    expect(usage.find((u) => u.provider === 'backup')).toMatchObject({
      characters: sentences[1]!.length + sentences[2]!.length,
      audio_seconds: Math.round(((sentences[1]!.length + sentences[2]!.length) * 16 * 1000) / 16_000) / 1000,
    });
  });
});

describe('FailoverTts cancellation', () => {
  it('a barge-in abort mid-sentence is not a failover', async () => {
    const { tts, adapters, events } = chain([
      ['primary', 100, { kind: 'none' }],
      ['backup', 200, { kind: 'none' }],
    ]);
    const controller = new AbortController();
    const chunks: TtsChunk[] = [];
    const err = await (async () => {
      for await (const c of tts.synthesize(TEXT, { sampleRateHz: 16_000, signal: controller.signal })) {
        chunks.push(c);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(isSpeechError(err, 'aborted')).toBe(true);
    expect(events).toEqual([]);
    expect(adapters[1]!.asked).toEqual([]);
  });
});
