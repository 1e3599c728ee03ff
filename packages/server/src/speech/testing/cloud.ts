import type { SttEvent, SttStream } from '../contracts/stt.js';

/** A 440 Hz tone of `ms` at `sampleRateHz`: audio the fakes count but do not need to understand. */
export function toneMs(ms: number, sampleRateHz = 16_000): Int16Array {
  const n = Math.round((ms * sampleRateHz) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRateHz));
  return out;
}

/** Reads a stream to its end; a failure is returned as the last element. */
export async function collect(stream: SttStream): Promise<{ events: SttEvent[]; error: unknown }> {
  const events: SttEvent[] = [];
  try {
    for await (const e of stream) events.push(e);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

/** No retries, so a retryable error surfaces to the test. */
export const NO_RETRY = { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 } as const;
