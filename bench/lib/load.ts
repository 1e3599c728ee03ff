import { summarize, type LatencySummary } from './stats.js';

export interface LoadOptions {
  /** Concurrent closed-loop clients: each sends its next request when the previous one ends. */
  concurrency: number;
  durationMs: number;
  /** Unrecorded run before measuring (JIT, connection pool, caches). */
  warmupMs: number;
  /** One request; resolves true when the response was the expected one. */
  send: () => Promise<boolean>;
}

export interface LoadResult extends LatencySummary {
  requests: number;
  errors: number;
  rps: number;
  duration_s: number;
}

/**
 * Closed-loop load: `concurrency` workers send back to back for `durationMs`. Requests that fail or
 * answer unexpectedly count as errors and are kept out of the latency percentiles.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupMs > 0) await loop(options.concurrency, performance.now() + options.warmupMs, options.send, undefined);
  const latencies: number[] = [];
  const counts = { requests: 0, errors: 0 };
  const started = performance.now();
  await loop(options.concurrency, started + options.durationMs, options.send, { latencies, counts });
  const elapsedS = (performance.now() - started) / 1000;
  return {
    requests: counts.requests,
    errors: counts.errors,
    rps: Math.round((counts.requests / elapsedS) * 10) / 10,
    duration_s: Math.round(elapsedS * 100) / 100,
    ...summarize(latencies),
  };
}

async function loop(
  concurrency: number,
  endAt: number,
  send: () => Promise<boolean>,
  record: { latencies: number[]; counts: { requests: number; errors: number } } | undefined,
): Promise<void> {
  const worker = async () => {
    while (performance.now() < endAt) {
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await send();
      } catch {
        ok = false;
      }
      if (!record) continue;
      record.counts.requests += 1;
      if (ok) record.latencies.push(performance.now() - t0);
      else record.counts.errors += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
