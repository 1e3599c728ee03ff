import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTestCluster, type ClusterNode, type TestCluster } from '@unpod/testkit/cluster';
import { spawnNode, waitFor, type WatchedProcess } from '@unpod/testkit/processes';
import { startTestServer } from '@unpod/testkit/server';
import { readNumberOption, readOption } from './lib/options.js';
import { processCpuMs } from './lib/proc.js';
import { writeResults } from './lib/results.js';
import { summarize, type LatencySummary } from './lib/stats.js';
import { formatTable } from './lib/table.js';

/**
 * Dispatch across a cluster of real `unpod serve` nodes sharing PostgreSQL and Redis.
 *
 * For each layout (one node in-process with no Redis, then 1, 2 and 3 nodes on Redis), one
 * instant-brain runner per node connects to its own node, and calls are created round robin
 * over the nodes, so with several nodes most calls are dispatched to a runner whose control
 * socket another node holds (job routed over Redis, bridge dialled back to the call's node).
 * - Sequential: one call at a time; latency = server `created_at` -> the runner's entrypoint.
 * - Burst: `--burst-calls` calls, `--parallel` in flight; dispatches per second overall and per node.
 * - Recovery: two nodes, a runner that knows both, connected to the first; SIGKILL that node and
 *   time until the runner is registered on the survivor, until a new call through it starts,
 *   and until the dead node's live call is recorded as ended. Repeated `--kill-rounds` times.
 *
 * Usage: `npm run bench:cluster -w @unpod/bench -- --sequential-calls 200 --burst-calls 500 --parallel 20 --nodes 1,2,3`.
 */

interface ClusterParams {
  sequential_calls: number;
  burst_calls: number;
  parallel: number;
  kill_rounds: number;
  node_ttl_ms: number;
  node_counts: number[];
}

interface DispatchCase {
  layout: string;
  nodes: number;
  redis: boolean;
  sequential: LatencySummary;
  burst: LatencySummary;
  dispatches_per_s: number;
  dispatches_per_s_per_node: number;
  /** Share of burst calls whose runner was held by another node. */
  cross_node_share: number;
  /** CPU of every node process over the burst, per dispatched call (independent of machine load). */
  node_cpu_ms_per_dispatch: number;
  ratio_p50_vs_in_process: number;
  ratio_p99_vs_in_process: number;
  ratio_rate_per_node_vs_in_process: number;
  ratio_cpu_vs_in_process: number;
  errors: number;
}

interface RecoveryCase {
  rounds: number;
  node_ttl_ms: number;
  runner_reregistered: LatencySummary;
  first_call_after_kill: LatencySummary;
  dead_node_call_ended: LatencySummary;
}

const AGENT_ID = 'bench-cluster';
const here = fileURLToPath(new URL('.', import.meta.url));
const epochMs = () => performance.timeOrigin + performance.now();

interface Target {
  baseUrl: string;
  apiKey: string;
  nodeId: string;
}

function readParams(): ClusterParams {
  return {
    sequential_calls: readNumberOption('sequential-calls', 200, { min: 1, integer: true }),
    burst_calls: readNumberOption('burst-calls', 500, { min: 1, integer: true }),
    parallel: readNumberOption('parallel', 20, { min: 1, integer: true }),
    kill_rounds: readNumberOption('kill-rounds', 3, { min: 1, integer: true }),
    node_ttl_ms: readNumberOption('node-ttl-ms', 1500, { min: 300, integer: true }),
    node_counts: readOption('nodes', '1,2,3').split(',').map((v) => {
      const n = Number(v.trim());
      if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error('--nodes: comma-separated node counts from 1 to 8');
      return n;
    }),
  };
}

async function api<T>(target: { baseUrl: string; apiKey: string }, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${target.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function startRunner(baseUrls: string[], apiKey: string, capacity: number): WatchedProcess {
  return spawnNode(`${here}fixtures/instant-agent.js`, [], {
    UNPOD_BASE_URL: baseUrls.join(','),
    UNPOD_API_KEY: apiKey,
    UNPOD_AGENT_ID: AGENT_ID,
    BENCH_CAPACITY: String(capacity),
  });
}

/** Lines matching `pattern` so far, across every runner. */
function startedLines(runners: WatchedProcess[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of runners) {
    for (const line of r.lines) {
      const m = /^STARTED (\S+) (\S+)/.exec(line);
      if (m) out.set(m[1]!, Number(m[2]));
    }
  }
  return out;
}

interface Created {
  id: string;
  createdMs: number;
  via: string;
}

/** Create `calls` calls round robin over `targets`, `parallel` at a time. */
async function createCalls(targets: Target[], calls: number, parallel: number): Promise<{ created: Created[]; errors: number; startedMs: number }> {
  const created: Created[] = [];
  let errors = 0;
  let next = 0;
  const startedMs = epochMs();
  await Promise.all(
    Array.from({ length: Math.min(parallel, calls) }, async () => {
      while (next < calls) {
        const target = targets[next % targets.length]!;
        next++;
        try {
          const call = await api<{ id: string; created_at: string; client_url?: string }>(target, 'POST', '/v1/calls', { transport: 'text', agent_id: AGENT_ID });
          if (!call.client_url) errors++;
          else created.push({ id: call.id, createdMs: Date.parse(call.created_at), via: target.nodeId });
        } catch {
          errors++;
        }
      }
    }),
  );
  return { created, errors, startedMs };
}

/** Entrypoint start times of `created` calls; a call whose entrypoint never starts (60 s) is left out. */
async function awaitStarts(runners: WatchedProcess[], created: Created[]): Promise<Map<string, number>> {
  await waitFor(
    `${created.length} runner entrypoints`,
    async () => {
      const seen = startedLines(runners);
      return created.every((c) => seen.has(c.id)) ? true : undefined;
    },
    60_000,
    20,
  ).catch(() => undefined);
  return startedLines(runners);
}

/** How many accepted calls never reached the runner's entrypoint; their end reasons go to stderr. */
async function missingStarts(target: Target, created: Created[], starts: Map<string, number>): Promise<number> {
  const missing = created.filter((c) => !starts.has(c.id));
  const reasons = new Map<string, number>();
  for (const c of missing) {
    const rec = await api<{ status: string; end_reason: string | null }>(target, 'GET', `/v1/calls/${c.id}`).catch(() => ({ status: 'unknown', end_reason: null }));
    const key = `${rec.status}/${rec.end_reason ?? '-'}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  if (missing.length > 0) process.stderr.write(`  ${missing.length} accepted calls never started: ${JSON.stringify(Object.fromEntries(reasons))}\n`);
  return missing.length;
}

async function hangUp(targets: Target[], created: Created[]): Promise<void> {
  for (let i = 0; i < created.length; i += 50) {
    await Promise.all(created.slice(i, i + 50).map((c, j) => api(targets[(i + j) % targets.length]!, 'POST', `/v1/calls/${c.id}/hangup`).catch(() => undefined)));
  }
}

async function measureLayout(layout: string, targets: Target[], runners: WatchedProcess[], pids: number[], params: ClusterParams, redis: boolean): Promise<Omit<DispatchCase, 'ratio_p50_vs_in_process' | 'ratio_p99_vs_in_process' | 'ratio_rate_per_node_vs_in_process' | 'ratio_cpu_vs_in_process'>> {
  process.stderr.write(`${layout}: ${params.sequential_calls} sequential calls\n`);
  const seq = await createCalls(targets, params.sequential_calls, 1);
  const seqStarts = await awaitStarts(runners, seq.created);
  const seqMissing = await missingStarts(targets[0]!, seq.created, seqStarts);
  await hangUp(targets, seq.created);
  process.stderr.write(`${layout}: burst of ${params.burst_calls}, ${params.parallel} at a time\n`);
  const cpuBefore = pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const burst = await createCalls(targets, params.burst_calls, params.parallel);
  const burstStarts = await awaitStarts(runners, burst.created);
  const cpuMs = pids.reduce((sum, pid) => sum + processCpuMs(pid), 0) - cpuBefore;
  const burstMissing = await missingStarts(targets[0]!, burst.created, burstStarts);
  const lastStart = Math.max(...burst.created.filter((c) => burstStarts.has(c.id)).map((c) => burstStarts.get(c.id)!));
  const rate = Math.round(((burst.created.length - burstMissing) / ((lastStart - burst.startedMs) / 1000)) * 10) / 10;
  // Which node held the runner of each call: the runner connected to node i is runners[i].
  let cross = 0;
  for (const c of burst.created) {
    const holder = runners.findIndex((r) => r.lines.some((l) => l.startsWith(`STARTED ${c.id} `)));
    if (holder >= 0 && targets[holder]!.nodeId !== c.via) cross++;
  }
  await hangUp(targets, burst.created);
  return {
    layout,
    nodes: targets.length,
    redis,
    sequential: summarize(seq.created.filter((c) => seqStarts.has(c.id)).map((c) => seqStarts.get(c.id)! - c.createdMs)),
    burst: summarize(burst.created.filter((c) => burstStarts.has(c.id)).map((c) => burstStarts.get(c.id)! - c.createdMs)),
    dispatches_per_s: rate,
    dispatches_per_s_per_node: Math.round((rate / targets.length) * 10) / 10,
    cross_node_share: Math.round((cross / Math.max(1, burst.created.length)) * 100) / 100,
    node_cpu_ms_per_dispatch: Math.round((cpuMs / Math.max(1, burst.created.length - burstMissing)) * 100) / 100,
    errors: seq.errors + burst.errors + seqMissing + burstMissing,
  };
}

async function waitRunners(target: Target, count: number): Promise<void> {
  await waitFor(`${count} runners listed`, async () => {
    const list = await api<{ data: unknown[] }>(target, 'GET', `/v1/workers?agent_id=${AGENT_ID}`);
    return list.data.length >= count ? true : undefined;
  }, 30_000, 20);
}

async function inProcessCase(params: ClusterParams): Promise<Omit<DispatchCase, 'ratio_p50_vs_in_process' | 'ratio_p99_vs_in_process' | 'ratio_rate_per_node_vs_in_process' | 'ratio_cpu_vs_in_process'>> {
  const server = await startTestServer({ database: 'postgres', args: ['--sip-port', 'off'] });
  const runner = startRunner([server.baseUrl], server.apiKey, params.burst_calls * 2);
  try {
    await runner.waitForLine(/^READY/, 30_000);
    return await measureLayout('in-process, 1 node', [{ baseUrl: server.baseUrl, apiKey: server.apiKey, nodeId: 'solo' }], [runner], [server.process.pid!], params, false);
  } finally {
    await runner.kill('SIGTERM');
    await server.close();
  }
}

async function redisCase(nodes: number, params: ClusterParams): Promise<Omit<DispatchCase, 'ratio_p50_vs_in_process' | 'ratio_p99_vs_in_process' | 'ratio_rate_per_node_vs_in_process' | 'ratio_cpu_vs_in_process'>> {
  const c = await startTestCluster({ nodes, nodeTtlMs: params.node_ttl_ms });
  const runners = c.nodes.map((n) => startRunner([n.baseUrl], c.apiKey, params.burst_calls * 2));
  try {
    const targets = c.nodes.map((n) => ({ baseUrl: n.baseUrl, apiKey: c.apiKey, nodeId: n.nodeId }));
    await waitRunners(targets[0]!, nodes);
    const pids = c.nodes.map((n) => n.process.child.pid!);
    return await measureLayout(`redis, ${nodes} node${nodes > 1 ? 's' : ''}`, targets, runners, pids, params, true);
  } finally {
    await Promise.all(runners.map((r) => r.kill('SIGTERM')));
    await c.close();
  }
}

async function recoveryCase(params: ClusterParams): Promise<RecoveryCase> {
  const c: TestCluster = await startTestCluster({ nodes: 2, nodeTtlMs: params.node_ttl_ms });
  const reregistered: number[] = [];
  const firstCall: number[] = [];
  const ended: number[] = [];
  let runner: WatchedProcess | null = null;
  try {
    let a: ClusterNode = c.nodes[0]!;
    const b: ClusterNode = c.nodes[1]!;
    const onB = { baseUrl: b.baseUrl, apiKey: c.apiKey, nodeId: b.nodeId };
    for (let round = 0; round < params.kill_rounds; round++) {
      process.stderr.write(`recovery: round ${round + 1} of ${params.kill_rounds}\n`);
      runner = startRunner([a.baseUrl, b.baseUrl], c.apiKey, 100);
      await runner.waitForLine(/^READY/, 30_000);
      const onA = { baseUrl: a.baseUrl, apiKey: c.apiKey, nodeId: a.nodeId };
      const live = await api<{ id: string; client_url?: string }>(onA, 'POST', '/v1/calls', { transport: 'text', agent_id: AGENT_ID });
      if (!live.client_url) throw new Error('the live call on the node to kill was not dispatched');
      const readyBefore = runner.lines.filter((l) => l === 'READY').length;
      const killedAt = epochMs();
      await a.kill('SIGKILL');
      const r = runner;
      await waitFor('runner re-registered', async () => (r.lines.filter((l) => l === 'READY').length > readyBefore ? true : undefined), 30_000, 5);
      reregistered.push(epochMs() - killedAt);
      const call = await api<{ id: string; client_url?: string }>(onB, 'POST', '/v1/calls', { transport: 'text', agent_id: AGENT_ID });
      if (!call.client_url) throw new Error('no call after the kill');
      const started = await awaitStarts([r], [{ id: call.id, createdMs: 0, via: b.nodeId }]);
      firstCall.push(started.get(call.id)! - killedAt);
      await waitFor('dead node call ended', async () => {
        const rec = await api<{ status: string }>(onB, 'GET', `/v1/calls/${live.id}`);
        return rec.status === 'failed' || rec.status === 'completed' ? true : undefined;
      }, 30_000, 10);
      ended.push(epochMs() - killedAt);
      await api(onB, 'POST', `/v1/calls/${call.id}/hangup`).catch(() => undefined);
      await runner.kill('SIGTERM');
      runner = null;
      a = await c.startNode(a.nodeId);
    }
  } finally {
    await runner?.kill('SIGKILL');
    await c.close();
  }
  return {
    rounds: params.kill_rounds,
    node_ttl_ms: params.node_ttl_ms,
    runner_reregistered: summarize(reregistered),
    first_call_after_kill: summarize(firstCall),
    dead_node_call_ended: summarize(ended),
  };
}

export async function main(): Promise<void> {
  const params = readParams();
  const base = await inProcessCase(params);
  const layouts = [base];
  for (const nodes of params.node_counts) layouts.push(await redisCase(nodes, params));
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const cases: DispatchCase[] = layouts.map((l) => ({
    ...l,
    ratio_p50_vs_in_process: ratio(l.sequential.p50_ms, base.sequential.p50_ms),
    ratio_p99_vs_in_process: ratio(l.sequential.p99_ms, base.sequential.p99_ms),
    ratio_rate_per_node_vs_in_process: ratio(l.dispatches_per_s_per_node, base.dispatches_per_s_per_node),
    ratio_cpu_vs_in_process: ratio(l.node_cpu_ms_per_dispatch, base.node_cpu_ms_per_dispatch),
  }));
  const recovery = await recoveryCase(params);

  console.log('\nDispatch (call created -> runner entrypoint), ms; calls round robin over the nodes, one runner per node');
  console.log(
    formatTable(
      ['layout', 'seq p50', 'seq p99', 'burst p50', 'burst p99', 'disp/s', 'disp/s/node', 'cross-node', 'cpu ms/disp', 'p50 x', 'p99 x', 'rate/node x', 'cpu x', 'errors'],
      cases.map((c) => [
        c.layout,
        c.sequential.p50_ms,
        c.sequential.p99_ms,
        c.burst.p50_ms,
        c.burst.p99_ms,
        c.dispatches_per_s,
        c.dispatches_per_s_per_node,
        c.cross_node_share,
        c.node_cpu_ms_per_dispatch,
        c.ratio_p50_vs_in_process,
        c.ratio_p99_vs_in_process,
        c.ratio_rate_per_node_vs_in_process,
        c.ratio_cpu_vs_in_process,
        c.errors,
      ]),
    ),
  );
  console.log(`\nRecovery after SIGKILL of a node (node TTL ${recovery.node_ttl_ms} ms, ${recovery.rounds} rounds), ms`);
  console.log(
    formatTable(
      ['measure', 'p50', 'max'],
      [
        ['runner registered on the survivor', recovery.runner_reregistered.p50_ms, recovery.runner_reregistered.max_ms],
        ['first new call started', recovery.first_call_after_kill.p50_ms, recovery.first_call_after_kill.max_ms],
        ['dead node call recorded as ended', recovery.dead_node_call_ended.p50_ms, recovery.dead_node_call_ended.max_ms],
      ],
    ),
  );
  const budgets = { dispatch_p50_ms: 10, dispatch_p99_ms: 50, dispatches_per_s_per_node_min: 500 };
  const file = await writeResults('cluster', { ...params, budgets, note: 'one machine: every node, runner, PostgreSQL and Redis share its cores' }, [
    ...cases.map((c) => ({ kind: 'dispatch', ...c })),
    { kind: 'recovery', ...recovery },
  ]);
  console.log(`\nwrote ${file}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
