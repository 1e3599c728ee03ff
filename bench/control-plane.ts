import { pathToFileURL } from 'node:url';
import { startTestServer } from '@unpod/testkit/server';
import { KeepAliveClient } from './lib/http.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { readNumberOption, readOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { formatTable } from './lib/table.js';

/**
 * Control-plane throughput and latency: a real `unpod serve` per database (SQLite file, fresh
 * PostgreSQL schema), a seeded set of pipes, then sustained closed-loop load from keep-alive
 * clients on two paths:
 *
 * - `GET /v1/pipes`: auth + a keyset page of pipes with their attached numbers (read path);
 * - `POST /v1/calls` (text transport, agent_id): auth + validation + pipe lookup + insert + launch
 *   (write path). With no runner registered the orchestrator fails the call at once, so this
 *   measures the control plane, not a conversation.
 *
 * Usage: `npm run bench:control -w @unpod/bench -- --duration 5 --concurrency 16`
 * (or BENCH_DURATION, BENCH_CONCURRENCY, BENCH_WARMUP, BENCH_PIPES, BENCH_DATABASES, BENCH_OUT).
 */

export const DATABASES = ['sqlite', 'postgres'] as const;
type Database = (typeof DATABASES)[number];

export interface ControlPlaneParams {
  duration_s: number;
  warmup_s: number;
  concurrency: number;
  pipes: number;
  databases: Database[];
}

export interface ControlPlaneCase extends LoadResult {
  database: Database;
  case: string;
}

const AGENT_ID = 'bench-agent';

export function readParams(): ControlPlaneParams {
  const databases = readOption('databases', DATABASES.join(','))
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  for (const d of databases) if (!(DATABASES as readonly string[]).includes(d)) throw new Error(`--databases: unknown database "${d}" (sqlite, postgres)`);
  return {
    duration_s: readNumberOption('duration', 5, { min: 0.1 }),
    warmup_s: readNumberOption('warmup', 1, { min: 0 }),
    concurrency: readNumberOption('concurrency', 16, { min: 1, integer: true }),
    pipes: readNumberOption('pipes', 50, { min: 1, integer: true }),
    databases: databases as Database[],
  };
}

/** Run every case on every database, one server at a time so they never compete for the CPU. */
export async function runControlPlaneBench(params: ControlPlaneParams, log: (line: string) => void = () => undefined): Promise<ControlPlaneCase[]> {
  const results: ControlPlaneCase[] = [];
  for (const database of params.databases) {
    const server = await startTestServer({ database });
    const client = new KeepAliveClient(server.baseUrl, params.concurrency, { authorization: `Bearer ${server.apiKey}` });
    try {
      for (let i = 0; i < params.pipes; i++) {
        const res = await client.request('POST', '/v1/pipes', { name: `bench pipe ${i}`, agent_id: i === 0 ? AGENT_ID : `bench-agent-${i}` });
        if (res.status !== 201) throw new Error(`seeding pipes on ${database} failed: ${res.status} ${res.body.slice(0, 200)}`);
      }
      const cases: Array<{ name: string; send: () => Promise<boolean> }> = [
        { name: 'GET /v1/pipes', send: async () => (await client.request('GET', '/v1/pipes')).status === 200 },
        {
          name: 'POST /v1/calls (text)',
          send: async () => (await client.request('POST', '/v1/calls', { agent_id: AGENT_ID, transport: 'text' })).status === 201,
        },
      ];
      for (const c of cases) {
        log(`${database}: ${c.name} for ${params.duration_s} s with ${params.concurrency} clients...`);
        const result = await runLoad({ concurrency: params.concurrency, durationMs: params.duration_s * 1000, warmupMs: params.warmup_s * 1000, send: c.send });
        results.push({ database, case: c.name, ...result });
      }
    } finally {
      client.close();
      await server.close();
    }
  }
  return results;
}

export function formatResults(results: readonly ControlPlaneCase[]): string {
  return formatTable(
    ['case', 'database', 'requests', 'rps', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors'],
    results.map((r) => [r.case, r.database, r.requests, r.rps, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.errors]),
  );
}

export async function main(): Promise<void> {
  const params = readParams();
  const results = await runControlPlaneBench(params, (line) => process.stderr.write(line + '\n'));
  process.stdout.write('\nControl plane\n\n' + formatResults(results) + '\n\n');
  const file = await writeResults('control-plane', params, results, readOption('out', '') || undefined);
  process.stdout.write(`results written to ${file}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
