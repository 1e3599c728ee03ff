import type { FakeTtsVendor } from '@unpod/testkit/vendors/tts/index';
import { toneSpeech } from '@unpod/testkit/vendors/tts/index';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SpeechError, isSpeechError } from '../../../contracts/errors.js';
import type { TtsAdapter } from '../../../contracts/tts-adapter.js';
import type { TtsChunk } from '../../../contracts/tts.js';
import type { RetryPolicy } from '../../../util/retry.js';

/** Quotes from the vendor's documentation, one per behaviour the suite checks. */
export interface VendorDocs {
  /** Where the quotes come from. */
  source: string;
  /** How audio is delivered (streamed chunks, or one document). */
  delivery: string;
  /** The output format / rate the adapter asks for. */
  format: string;
  /** What the vendor does with bad credentials. */
  auth: string;
  /** What the vendor does when rate limited or failing. */
  errors: string;
}

/** How to build the adapter and fake for one vendor. */
export interface VendorCase {
  name: string;
  startFake: () => Promise<FakeTtsVendor>;
  create: (options: { apiKey: string; baseUrl: string; retry?: RetryPolicy; stallTimeoutMs?: number; firstChunkTimeoutMs?: number }) => TtsAdapter;
  voice: string;
  /** True when audio arrives in several chunks per request (false: one document, e.g. Google). */
  streams: boolean;
  /** A rate the vendor renders natively, and the rate the fake is expected to be asked for when 8 kHz is requested. */
  nativeRateHz: number;
  renderedFor8kHz: number;
  /** The error a `garbage` response must produce (matched against the message). */
  garbageMessage: RegExp;
  docs: VendorDocs;
}

const NO_RETRY: RetryPolicy = { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 };
const FAST_RETRY: RetryPolicy = { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 1 };
const TEXT = 'Your table for two is booked for seven tonight.';

async function collect(stream: AsyncIterable<TtsChunk>): Promise<TtsChunk[]> {
  const out: TtsChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

async function failure(stream: AsyncIterable<TtsChunk>): Promise<SpeechError> {
  try {
    await collect(stream);
  } catch (err) {
    if (err instanceof SpeechError) return err;
    throw err;
  }
  throw new Error('synthesis did not fail');
}

function joined(chunks: TtsChunk[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.samples.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c.samples, at);
    at += c.samples.length;
  }
  return out;
}

/**
 * The behaviour every cloud TTS adapter must show against its vendor's fake: PCM streamed as it
 * arrives and decoded exactly, the requested rate honoured, credentials refused without retry,
 * rate limits and server errors retryable, malformed answers refused clearly, and cancellation
 * closing the vendor connection. Each vendor's test file passes the documentation it relies on.
 */
export function describeCloudTts(c: VendorCase): void {
  describe(`${c.name} against its local fake (${c.docs.source})`, () => {
    let fake: FakeTtsVendor;
    const adapters: TtsAdapter[] = [];
    const make = (options: { apiKey?: string; retry?: RetryPolicy; stallTimeoutMs?: number } = {}): TtsAdapter => {
      const adapter = c.create({
        apiKey: options.apiKey ?? fake.apiKey,
        baseUrl: fake.baseUrl,
        retry: options.retry ?? NO_RETRY,
        stallTimeoutMs: options.stallTimeoutMs,
        // A non-streaming vendor's stall happens before its first (only) chunk.
        firstChunkTimeoutMs: options.stallTimeoutMs,
      });
      adapters.push(adapter);
      return adapter;
    };
    beforeAll(async () => {
      fake = await c.startFake();
    });
    afterAll(async () => {
      await Promise.all(adapters.map((a) => a.close()));
      await fake.close();
    });

    // Delivery: see docs.delivery.
    it(`decodes the vendor's PCM exactly at its native rate (${c.nativeRateHz} Hz)${c.streams ? ', first chunk before the last is produced' : ''}`, async () => {
      if (c.streams) fake.holdNext();
      const chunks: TtsChunk[] = [];
      const before = fake.requests.items.length;
      for await (const chunk of make().synthesize(TEXT, { voice: c.voice, sampleRateHz: c.nativeRateHz })) {
        if (chunks.length === 0 && c.streams) {
          // The fake holds the rest of the audio until released: this chunk reached us while
          // the vendor had produced only its first piece.
          expect(fake.requests.items[before]!.chunksSent).toBe(1);
          fake.release();
        }
        chunks.push(chunk);
      }
      if (c.streams) {
        expect(chunks.length).toBeGreaterThan(1);
        expect(fake.requests.items[before]!.chunksSent).toBeGreaterThan(1);
      }
      expect(chunks.every((ch) => ch.sampleRateHz === c.nativeRateHz)).toBe(true);
      const request = fake.requests.items[before]!;
      expect(request.sampleRateHz).toBe(c.nativeRateHz);
      expect(Array.from(joined(chunks))).toEqual(Array.from(toneSpeech(request.text!, c.nativeRateHz)));
      expect(await request.outcome).toBe('completed');
    });

    // Format: see docs.format.
    it(`asks the vendor for ${c.renderedFor8kHz} Hz when a call wants 8 kHz and returns 8 kHz`, async () => {
      const before = fake.requests.items.length;
      const chunks = await collect(make().synthesize(TEXT, { voice: c.voice, sampleRateHz: 8000 }));
      const request = fake.requests.items[before]!;
      expect(request.sampleRateHz).toBe(c.renderedFor8kHz);
      expect(chunks.every((ch) => ch.sampleRateHz === 8000)).toBe(true);
      const expected = (toneSpeech(request.text!, c.renderedFor8kHz).length * 8000) / c.renderedFor8kHz;
      expect(Math.abs(joined(chunks).length - expected)).toBeLessThanOrEqual(2);
    });

    // Auth: see docs.auth.
    it('fails with non-retryable unavailable on a bad key, without retrying', async () => {
      const before = fake.requests.items.length;
      const refusedBefore = fake.authFailures;
      const err = await failure(make({ apiKey: 'wrong-key', retry: FAST_RETRY }).synthesize(TEXT, { voice: c.voice, sampleRateHz: 16_000 }));
      expect(err.code).toBe('unavailable');
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/credentials/);
      expect(err.message).not.toContain('wrong-key');
      expect(fake.requests.items.length).toBe(before);
      expect(fake.authFailures - refusedBefore).toBe(1);
    });

    // Errors: see docs.errors.
    it('treats 429 as retryable unavailable and 500/503 as retryable provider_error', async () => {
      for (const [status, code] of [
        [429, 'unavailable'],
        [500, 'provider_error'],
        [503, 'provider_error'],
      ] as const) {
        fake.fail({ kind: 'status', status, message: 'injected' });
        const err = await failure(make().synthesize(TEXT, { voice: c.voice, sampleRateHz: 16_000 }));
        expect(err.code, `HTTP ${status}`).toBe(code);
        expect(err.retryable, `HTTP ${status}`).toBe(true);
        expect(err.provider).toBe(c.name);
      }
    });

    it('retries a transient failure and then delivers the audio', async () => {
      const before = fake.requests.items.length;
      fake.fail({ kind: 'status', status: 503 });
      const chunks = await collect(make({ retry: FAST_RETRY }).synthesize(TEXT, { voice: c.voice, sampleRateHz: 16_000 }));
      expect(joined(chunks).length).toBeGreaterThan(0);
      expect(fake.requests.items.length - before).toBe(2);
    });

    it('refuses a malformed answer with a clear provider_error', async () => {
      fake.fail({ kind: 'garbage' });
      const err = await failure(make({ retry: FAST_RETRY }).synthesize(TEXT, { voice: c.voice, sampleRateHz: 16_000 }));
      expect(err.code).toBe('provider_error');
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(c.garbageMessage);
    });

    it('reports a connection dropped mid-stream as a retryable error', async () => {
      fake.fail({ kind: 'close_mid_stream' });
      const err = await failure(make().synthesize(TEXT, { voice: c.voice, sampleRateHz: 16_000 }));
      expect(['unavailable', 'provider_error']).toContain(err.code);
      expect(err.retryable).toBe(true);
    });

    it('times out a vendor that stalls mid-stream and closes the connection', async () => {
      const before = fake.requests.items.length;
      fake.fail({ kind: 'stall' });
      const err = await failure(make({ stallTimeoutMs: 300 }).synthesize(TEXT, { voice: c.voice, sampleRateHz: 16_000 }));
      expect(err.code).toBe('timeout');
      expect(await fake.requests.items[before]!.outcome).toBe('client_aborted');
    });

    it('stops the vendor request when the caller aborts mid-stream', async () => {
      const before = fake.requests.items.length;
      fake.holdNext();
      const controller = new AbortController();
      const stream = make().synthesize(TEXT, { voice: c.voice, sampleRateHz: 16_000, signal: controller.signal });
      const ended = collect(stream).then(
        () => null,
        (e: unknown) => e,
      );
      // The vendor has sent its first piece and is holding the rest.
      await vi.waitFor(() => expect(fake.requests.items[before]?.chunksSent).toBe(1), { timeout: 10_000 });
      controller.abort();
      expect(isSpeechError(await ended, 'aborted')).toBe(true);
      expect(await fake.requests.items[before]!.outcome).toBe('client_aborted');
      fake.release();
    });
  });
}
