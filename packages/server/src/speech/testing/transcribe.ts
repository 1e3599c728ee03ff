import type { SttAdapter } from '../contracts/stt-adapter.js';
import type { SttEvent, SttFinalEvent, SttHints, SttStreamOptions } from '../contracts/stt.js';
import { frames, silence } from './fixtures.js';

/** One utterance to feed a stream. */
export interface TestUtterance {
  samples: Int16Array;
  /** Hints for this utterance (set before its audio). */
  hints?: SttHints | undefined;
}

/**
 * Feeds utterances through one stream (one simulated call) in 20 ms frames with 200 ms of
 * silence around each, flushing after each, and returns every event in order plus the finals.
 */
export async function transcribeCall(
  adapter: SttAdapter,
  utterances: readonly TestUtterance[],
  options: Omit<SttStreamOptions, 'hints'>,
): Promise<{ events: SttEvent[]; finals: SttFinalEvent[] }> {
  const stream = await adapter.createStream(options);
  const events: SttEvent[] = [];
  const reading = (async () => {
    for await (const event of stream) events.push(event);
  })();
  const pad = silence(200, options.sampleRateHz);
  for (const u of utterances) {
    stream.setHints(u.hints);
    for (const block of [pad, u.samples, pad]) for (const frame of frames(block, options.sampleRateHz)) stream.push(frame);
    stream.flush();
  }
  await stream.end();
  await reading;
  return { events, finals: events.filter((e): e is SttFinalEvent => e.type === 'final') };
}
