import type { TtsService } from '../../speech/index.js';

/** Synthesised announcements kept per engine, voice and text (holding and transfer lines repeat). */
const CACHE_LIMIT = 64;
const cache = new Map<string, Promise<Int16Array>>();

export interface AnnouncementVoice {
  tts: TtsService;
  voice: string | null;
  language: string;
}

/** A synthesis shared by every caller waiting for it is bounded by this, not by any one caller's signal. */
const RENDER_LIMIT_MS = 20_000;

/**
 * The whole of `text` as PCM16 at 8 kHz in `voice`, synthesised once and then served from memory
 * (least recently used entries are dropped past {@link CACHE_LIMIT}). A failed synthesis is not
 * cached. `signal` stops this caller waiting; the shared synthesis carries on for the cache.
 */
export function synthesizeCached(voice: AnnouncementVoice, text: string, signal: AbortSignal): Promise<Int16Array> {
  return abortable(cachedRender(voice, text), signal);
}

function cachedRender(voice: AnnouncementVoice, text: string): Promise<Int16Array> {
  const key = `${voice.tts.provider}\u0000${voice.voice ?? ''}\u0000${voice.language}\u0000${text}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const pending = render(voice, text, AbortSignal.timeout(RENDER_LIMIT_MS));
  cache.set(key, pending);
  pending.catch(() => cache.delete(key));
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return pending;
}

async function render(voice: AnnouncementVoice, text: string, signal: AbortSignal): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  let total = 0;
  for await (const chunk of voice.tts.synthesize(text, { voice: voice.voice, language: voice.language, sampleRateHz: 8000, signal })) {
    parts.push(chunk.samples);
    total += chunk.samples.length;
  }
  const out = new Int16Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
