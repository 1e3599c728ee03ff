import { FailoverSettings, type ProviderStep } from '@unpod/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSpeechError } from '../contracts/errors.js';
import type { SttEvent, SttFinalEvent, SttStream } from '../contracts/stt.js';
import { TOKEN_WORDS, TokenStt, tokenChunk, type Fault } from '../testing/token-engines.js';
import { BreakerBoard } from './breaker.js';
import { FailoverStt } from './failover-stt.js';
import { failoverOptions, type FailoverEvent } from './types.js';
import { UsageMeter } from './usage.js';

const step = (provider: string): ProviderStep => ({ provider, model: null, voice: null, language: null, options: {} });

function chain(faults: Array<[string, Fault]>, overrides: Partial<FailoverSettings> = {}, breakers = new BreakerBoard()) {
  const adapters = faults.map(([name, fault]) => new TokenStt(name, fault));
  const events: FailoverEvent[] = [];
  const meter = new UsageMeter();
  const stt = new FailoverStt(
    adapters.map((adapter) => ({ step: step(adapter.provider), adapter })),
    { options: failoverOptions(FailoverSettings.parse(overrides)), breakers, meter, onFailover: (e) => events.push(e) },
  );
  return { stt, adapters, events, meter };
}

/** Collects a stream's events until it ends. */
function collect(stream: SttStream): { events: SttEvent[]; done: Promise<void> } {
  const events: SttEvent[] = [];
  const done = (async () => {
    for await (const e of stream) events.push(e);
  })();
  return { events, done };
}

const say = (stream: SttStream, ...words: number[]) => words.forEach((w) => stream.push(tokenChunk(w)));
const finals = (events: SttEvent[]) => events.filter((e): e is SttFinalEvent => e.type === 'final').map((e) => [e.utteranceId, e.text]);
const w = (...i: number[]) => i.map((n) => TOKEN_WORDS[n]).join(' ');

afterEach(() => vi.useRealTimers());

describe('FailoverStt', () => {
  it('a provider that dies mid-utterance is replaced and the audio since the last final is replayed: the transcript is complete', async () => {
    const { stt, adapters, events } = chain([
      ['primary', { kind: 'die', at: 4 }],
      ['backup', { kind: 'none' }],
    ]);
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const read = collect(stream);
    say(stream, 1, 2);
    stream.flush();
    await vi.waitFor(() => expect(finals(read.events)).toHaveLength(1));
    // Utterance 2: the primary dies on its second word.
    say(stream, 3, 4, 5);
    stream.flush();
    say(stream, 6);
    await stream.end();
    await read.done;
    expect(finals(read.events)).toEqual([
      [1, w(1, 2)],
      [2, w(3, 4, 5)],
      [3, w(6)],
    ]);
    // The backup heard only what had no final yet, from its start.
    expect(adapters[1]!.heard).toEqual([[TOKEN_WORDS[3], TOKEN_WORDS[4], TOKEN_WORDS[5], TOKEN_WORDS[6]]]);
    expect(events).toEqual([expect.objectContaining({ kind: 'stt', from: 'primary', to: 'backup', reason: 'provider_error', phase: 'stream' })]);
    expect(stt.lastFinalProvider).toBe('backup');
  });

  it('results after a switch keep the stream timeline: replayed audio is placed where it was spoken', async () => {
    const { stt } = chain([
      ['primary', { kind: 'die', at: 3 }],
      ['backup', { kind: 'none' }],
    ]);
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const read = collect(stream);
    say(stream, 1);
    stream.flush();
    await vi.waitFor(() => expect(finals(read.events)).toHaveLength(1));
    say(stream, 2, 3);
    await stream.end();
    await read.done;
    const last = read.events.filter((e): e is SttFinalEvent => e.type === 'final').at(-1)!;
    expect(last.text).toBe(w(2, 3));
    // 20 ms of utterance 1 came first.
    expect(last.startMs).toBe(20);
    expect(last.endMs).toBe(60);
  });

  it('a provider that stalls while audio flows is replaced after stall_timeout_ms, nothing lost', async () => {
    vi.useFakeTimers();
    const { stt, events } = chain(
      [
        ['staller', { kind: 'stall', at: 3 }],
        ['backup', { kind: 'none' }],
      ],
      { stall_timeout_ms: 500 },
    );
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const read = collect(stream);
    for (const word of [1, 2, 3, 4, 5, 6, 7, 8]) {
      say(stream, word);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(events).toEqual([expect.objectContaining({ from: 'staller', to: 'backup', reason: 'stalled' })]);
    const ending = stream.end();
    await vi.runAllTimersAsync();
    await ending;
    await read.done;
    expect(finals(read.events)).toEqual([[1, w(1, 2, 3, 4, 5, 6, 7, 8)]]);
  });

  it('a provider that never sends the final is replaced after final_timeout_ms', async () => {
    vi.useFakeTimers();
    const { stt, events } = chain(
      [
        ['mute', { kind: 'stall', at: 2 }],
        ['backup', { kind: 'none' }],
      ],
      { stall_timeout_ms: 60_000, final_timeout_ms: 800 },
    );
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const read = collect(stream);
    say(stream, 4, 5);
    const ending = stream.end();
    await vi.advanceTimersByTimeAsync(800);
    await ending;
    await read.done;
    expect(events.map((e) => e.reason)).toEqual(['timeout']);
    expect(finals(read.events)).toEqual([[1, w(4, 5)]]);
  });

  it('a provider returning binary junk is replaced (malformed_result)', async () => {
    const { stt, events } = chain([
      ['junk', { kind: 'garbage', at: 2 }],
      ['backup', { kind: 'none' }],
    ]);
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const read = collect(stream);
    say(stream, 7, 8, 9);
    await stream.end();
    await read.done;
    expect(events).toEqual([expect.objectContaining({ from: 'junk', to: 'backup', reason: 'malformed_result' })]);
    expect(finals(read.events)).toEqual([[1, w(7, 8, 9)]]);
    expect(read.events.every((e) => !e.text.includes('\ufffd'))).toBe(true);
  });

  it('a provider that cannot open is skipped at once (phase open); the call stays on the fallback', async () => {
    const { stt, adapters, events } = chain([
      ['down', { kind: 'refuse' }],
      ['backup', { kind: 'none' }],
    ]);
    for (let i = 0; i < 2; i++) {
      const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
      const read = collect(stream);
      say(stream, 1);
      await stream.end();
      await read.done;
      expect(finals(read.events)).toEqual([[1, w(1)]]);
    }
    // The second stream started on the fallback: no second failover, the primary was not asked again.
    expect(events).toEqual([expect.objectContaining({ from: 'down', to: 'backup', phase: 'open', reason: 'unavailable' })]);
    expect(adapters[1]!.heard).toHaveLength(2);
  });

  it('when every provider fails the stream fails with the last error (the pipeline then reports an empty final)', async () => {
    const { stt } = chain([
      ['a', { kind: 'die', at: 1 }],
      ['b', { kind: 'die', at: 1 }],
    ]);
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const read = collect(stream);
    say(stream, 1, 2);
    const err = await read.done.catch((e: unknown) => e);
    expect(isSpeechError(err, 'provider_error')).toBe(true);
    expect(stream.closed).toBe(true);
  });

  it('an open circuit breaker skips its provider for new calls on the node until the cool-down passes', async () => {
    vi.useFakeTimers();
    const breakers = new BreakerBoard();
    const settings = { breaker_failures: 2, breaker_cooldown_s: 30, stay_on_fallback_s: 0 };
    for (let call = 0; call < 2; call++) {
      const { stt } = chain([['flaky', { kind: 'refuse' }], ['backup', { kind: 'none' }]], settings, breakers);
      await (await stt.createStream({ sampleRateHz: 16_000, language: 'en' })).end();
    }
    expect(breakers.get('stt', 'flaky').state({ failureThreshold: 2, windowMs: 60_000, cooldownMs: 30_000 })).toBe('open');
    const third = chain([['flaky', { kind: 'none' }], ['backup', { kind: 'none' }]], settings, breakers);
    const stream = await third.stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const read = collect(stream);
    say(stream, 1);
    await stream.end();
    await read.done;
    expect(third.adapters[0]!.heard).toHaveLength(0);
    expect(third.events).toEqual([]);
    // After the cool-down the half-open probe goes to the primary again and closes the breaker.
    vi.advanceTimersByTime(30_000);
    const fourth = chain([['flaky', { kind: 'none' }], ['backup', { kind: 'none' }]], settings, breakers);
    const s4 = await fourth.stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const r4 = collect(s4);
    say(s4, 2);
    await s4.end();
    await r4.done;
    expect(fourth.adapters[0]!.heard).toEqual([[TOKEN_WORDS[2]]]);
    expect(breakers.get('stt', 'flaky').state({ failureThreshold: 2, windowMs: 60_000, cooldownMs: 30_000 })).toBe('closed');
  });

  it('meters audio seconds per provider, replayed audio included', async () => {
    const { stt, meter } = chain([
      ['primary', { kind: 'die', at: 3 }],
      ['backup', { kind: 'none' }],
    ]);
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const read = collect(stream);
    say(stream, 1, 2, 3, 4, 5);
    await stream.end();
    await read.done;
    const usage = meter.snapshot();
    expect(usage.find((u) => u.provider === 'backup')).toMatchObject({ kind: 'stt', audio_seconds: 0.1, requests: 1 });
    expect(usage.find((u) => u.provider === 'primary')!.audio_seconds).toBeGreaterThan(0);
  });
});

describe('FailoverStt cancellation', () => {
  it('closing a stream is not a failover and leaves the breaker alone', async () => {
    const breakers = new BreakerBoard();
    const { stt, events } = chain([['primary', { kind: 'none' }], ['backup', { kind: 'none' }]], { breaker_failures: 1 }, breakers);
    const controller = new AbortController();
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en', signal: controller.signal });
    const read = collect(stream);
    say(stream, 1);
    controller.abort();
    expect(isSpeechError(await read.done.catch((e: unknown) => e), 'aborted')).toBe(true);
    expect(events).toEqual([]);
    expect(breakers.get('stt', 'primary').state({ failureThreshold: 1, windowMs: 60_000, cooldownMs: 30_000 })).toBe('closed');
    await expect(stt.createStream({ sampleRateHz: 16_000, language: 'en', signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
  });
});
