import { pathToFileURL } from 'node:url';
import { startTestServer } from '@unpod/testkit/server';
import { KeepAliveClient } from './lib/http.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { readNumberOption, readOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { formatTable } from './lib/table.js';

/**
 * Operations endpoints under closed-loop load on a real `unpod serve` over PostgreSQL with Redis:
 * `GET /healthz` (no dependency), `GET /readyz` (a PostgreSQL query and a Redis PING on a fresh
 * connection each time) and `GET /metrics` (the whole Prometheus exposition). Shows what a load
 * balancer's checks and a Prometheus scrape cost a node.
 *
 * Usage: `npm run bench:ops -w @unpod/bench -- --duration 5 --concurrency 4`
 * (or BENCH_DURATION, BENCH_CONCURRENCY, BENCH_WARMUP, BENCH_REDIS_URL, BENCH_OUT).
 */

export interface OpsParams {
  duration_s: number;
  warmup_s: number;
  concurrency: number;
  redis_url: string;
}

export interface OpsCase extends LoadResult {
  case: string;
}

export function readParams(): OpsParams {
  return {
    duration_s: readNumberOption('duration', 5, { min: 0.1 }),
    warmup_s: readNumberOption('warmup', 1, { min: 0 }),
    concurrency: readNumberOption('concurrency', 4, { min: 1, integer: true }),
    redis_url: readOption('redis-url', 'redis://127.0.0.1:6379'),
  };
}

export async function runOpsBench(params: OpsParams, log: (line: string) => void = () => undefined): Promise<OpsCase[]> {
  const server = await startTestServer({ database: 'postgres', args: ['--sip-port', 'off'], env: { UNPOD_REDIS_URL: params.redis_url } });
  const client = new KeepAliveClient(server.baseUrl, params.concurrency, {});
  const results: OpsCase[] = [];
  try {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      log(`GET ${path} for ${params.duration_s} s with ${params.concurrency} clients...`);
      const result = await runLoad({
        concurrency: params.concurrency,
        durationMs: params.duration_s * 1000,
        warmupMs: params.warmup_s * 1000,
        send: async () => (await client.request('GET', path)).status === 200,
      });
      results.push({ case: `GET ${path}`, ...result });
    }
  } finally {
    client.close();
    await server.close();
  }
  return results;
}

export function formatResults(results: readonly OpsCase[]): string {
  return formatTable(
    ['case', 'requests', 'rps', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors'],
    results.map((r) => [r.case, r.requests, r.rps, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.errors]),
  );
}

export async function main(): Promise<void> {
  const params = readParams();
  const results = await runOpsBench(params, (line) => process.stderr.write(line + '\n'));
  process.stdout.write('\nOperations endpoints (PostgreSQL, Redis)\n\n' + formatResults(results) + '\n\n');
  const file = await writeResults('ops', params, results, readOption('out', '') || undefined);
  process.stdout.write(`results written to ${file}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
