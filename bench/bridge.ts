import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { spawnNode, type WatchedProcess } from '@unpod/testkit/processes';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { readNumberOption, readOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { summarize, type LatencySummary } from './lib/stats.js';
import { formatTable } from './lib/table.js';

/**
 * Bridge overhead and dispatch latency through the real server and a real runner process.
 *
 * - Per-turn bridge overhead: the server's own measurement of each turn, `user.text` sent to the
 *   runner -> first `agent.text.delta` back (`turn_metrics.agent_ttft_ms`), with an instant brain,
 *   for N concurrent text calls, each pausing a random think time (mean `--think-ms`) before each
 *   turn so turns spread out as in live calls (`--think-ms 0` sends them back to back). Beside it, in the same run, a raw
 *   WebSocket echo round trip between two processes at the same concurrency: the floor one bridge
 *   hop pair cannot beat.
 * - Client round trip: the text client's `user.text` -> first delta (adds the client<->server hop).
 * - Dispatch: call created (server `created_at`) -> the runner's entrypoint starts, and dispatches
 *   per second for a burst of calls.
 *
 * Usage: `npm run bench:bridge -w @unpod/bench -- --concurrency 1,100,200,1000 --turns 5`.
 */

interface BridgeParams {
  concurrency: number[];
  turns: number;
  /** Mean pause between a reply and the next user turn (uniform 0..2x), so turns spread out as in real calls. */
  think_ms: number;
  echo_messages: number;
  dispatch_calls: number;
  dispatch_parallel: number;
}

interface BridgeCase {
  concurrent_calls: number;
  turns: number;
  bridge_overhead: LatencySummary;
  client_round_trip: LatencySummary;
  raw_ws_echo: LatencySummary;
  ratio_p50_vs_echo: number;
  ratio_p99_vs_echo: number;
  errors: number;
}

interface DispatchCase {
  calls: number;
  parallel: number;
  latency: LatencySummary;
  dispatches_per_s: number;
  errors: number;
}

const AGENT_ID = 'bench-bridge';
const here = fileURLToPath(new URL('.', import.meta.url));

function readParams(): BridgeParams {
  const concurrency = readOption('concurrency', '1,100,200,1000')
    .split(',')
    .map((v) => Number(v.trim()));
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--concurrency: comma-separated positive integers');
  return {
    concurrency,
    turns: readNumberOption('turns', 5, { min: 1, integer: true }),
    think_ms: readNumberOption('think-ms', 200, { min: 0 }),
    echo_messages: readNumberOption('echo-messages', 5, { min: 1, integer: true }),
    dispatch_calls: readNumberOption('dispatch-calls', 500, { min: 1, integer: true }),
    dispatch_parallel: readNumberOption('dispatch-parallel', 50, { min: 1, integer: true }),
  };
}

async function api<T>(server: TestServer, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * A socket whose frames are queued from the moment it exists: frames that arrive in the same tick
 * as `open` (the server greets at once) are never lost.
 */
class FrameSocket {
  private readonly queue: Array<Record<string, unknown>> = [];
  private waiter: (() => void) | undefined;

  private closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.queue.push(JSON.parse(data.toString()) as Record<string, unknown>);
      this.waiter?.();
    });
    // A socket the server closed (e.g. a call that ended before its client joined) ends the wait.
    ws.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  static open(url: string): Promise<FrameSocket> {
    const ws = new WebSocket(url);
    const socket = new FrameSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Consume frames until `pick` returns a value. */
  async next<T>(pick: (frame: Record<string, unknown>) => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    const seen: string[] = [];
    for (;;) {
      while (this.queue.length > 0) {
        const frame = this.queue.shift()!;
        seen.push(JSON.stringify(frame).slice(0, 100));
        const value = pick(frame);
        if (value !== undefined) return value;
      }
      if (this.closed) throw new Error(`socket closed while waiting for a frame; saw: ${seen.slice(-5).join(' | ')}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for a frame; saw: ${seen.slice(-5).join(' | ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}

const isListening = (f: Record<string, unknown>) => ((f.event === 'state' && f.state === 'listening') || f.event === 'call.ended' ? true : undefined);

/** Raw echo round trips: `concurrency` sockets, each sending `messages` frames back to back. */
async function echoRoundTrips(port: number, concurrency: number, messages: number, thinkMs: number): Promise<number[]> {
  const sockets = await Promise.all(Array.from({ length: concurrency }, () => FrameSocket.open(`ws://127.0.0.1:${port}`)));
  const samples: number[] = [];
  const payload = { event: 'user.text', text: 'hello there, how are you today' };
  await Promise.all(
    sockets.map(async (socket) => {
      for (let i = 0; i < messages; i++) {
        if (thinkMs > 0) await new Promise((r) => setTimeout(r, Math.random() * 2 * thinkMs));
        const started = performance.now();
        socket.send(payload);
        await socket.next(() => true);
        samples.push(performance.now() - started);
      }
    }),
  );
  for (const s of sockets) s.close();
  return samples;
}

/** N concurrent text calls, `turns` turns each; returns client round trips and call ids. */
async function textCalls(server: TestServer, concurrency: number, turns: number, thinkMs: number): Promise<{ clientMs: number[]; callIds: string[]; errors: number }> {
  const calls = await Promise.all(
    Array.from({ length: concurrency }, () => api<{ id: string; client_url?: string }>(server, 'POST', '/v1/calls', { transport: 'text', agent_id: AGENT_ID })),
  );
  const clientMs: number[] = [];
  let errors = 0;
  await Promise.all(
    calls.map(async (call) => {
      if (!call.client_url) {
        errors++;
        return;
      }
      const socket = await FrameSocket.open(call.client_url);
      try {
        await socket.next(isListening);
      } catch {
        errors++;
        socket.close();
        return;
      }
      for (let i = 0; i < turns; i++) {
        if (thinkMs > 0) await new Promise((r) => setTimeout(r, Math.random() * 2 * thinkMs));
        const started = performance.now();
        socket.send({ event: 'user.text', text: `turn ${i} of a benchmark call` });
        const first = await socket.next((f) => (f.event === 'agent.text.delta' || f.event === 'call.ended' ? f.event : undefined)).catch(() => 'closed');
        if (first !== 'agent.text.delta') {
          errors++;
          break;
        }
        clientMs.push(performance.now() - started);
        if ((await socket.next(isListening).catch(() => undefined)) === undefined) {
          errors++;
          break;
        }
      }
      socket.send({ event: 'hangup' });
      await socket.next((f) => (f.event === 'call.ended' ? true : undefined)).catch(() => undefined);
      socket.close();
    }),
  );
  return { clientMs, callIds: calls.map((c) => c.id), errors };
}

/** The server-measured per-turn bridge overhead of finished calls. */
async function serverTurnTimes(server: TestServer, callIds: string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < callIds.length; i += 50) {
    const batch = await Promise.all(
      callIds.slice(i, i + 50).map((id) => api<{ turn_metrics?: Array<{ agent_ttft_ms: number | null }> }>(server, 'GET', `/v1/calls/${id}`)),
    );
    for (const call of batch) for (const m of call.turn_metrics ?? []) if (typeof m.agent_ttft_ms === 'number') out.push(m.agent_ttft_ms);
  }
  return out;
}

/** Create calls `parallel` at a time; dispatch latency = server created_at -> runner entrypoint. */
async function dispatchBurst(server: TestServer, runner: WatchedProcess, calls: number, parallel: number): Promise<DispatchCase> {
  const created: Array<{ id: string; createdMs: number }> = [];
  let errors = 0;
  let next = 0;
  const started = performance.timeOrigin + performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < calls) {
        next++;
        try {
          const call = await api<{ id: string; created_at: string; client_url?: string }>(server, 'POST', '/v1/calls', { transport: 'text', agent_id: AGENT_ID });
          if (!call.client_url) errors++;
          else created.push({ id: call.id, createdMs: Date.parse(call.created_at) });
        } catch {
          errors++;
        }
      }
    }),
  );
  const startedAt = new Map<string, number>();
  await Promise.all(
    created.map((c) =>
      runner.waitForLine(new RegExp(`^STARTED ${c.id} `), 30_000).then(
        (line) => startedAt.set(c.id, Number(line.split(' ')[2])),
        () => errors++,
      ),
    ),
  );
  const latencies = created.filter((c) => startedAt.has(c.id)).map((c) => startedAt.get(c.id)! - c.createdMs);
  const lastStart = Math.max(...startedAt.values());
  // Hang the burst's calls up so they do not linger.
  await Promise.all(created.map((c) => api(server, 'POST', `/v1/calls/${c.id}/hangup`).catch(() => undefined)));
  return { calls, parallel, latency: summarize(latencies), dispatches_per_s: Math.round((startedAt.size / ((lastStart - started) / 1000)) * 10) / 10, errors };
}

export async function main(): Promise<void> {
  const params = readParams();
  const server = await startTestServer({ database: 'sqlite' });
  const echo = spawnNode(`${here}fixtures/ws-echo.js`, [], {});
  const runner = spawnNode(`${here}fixtures/instant-agent.js`, [], {
    UNPOD_BASE_URL: server.baseUrl,
    UNPOD_API_KEY: server.apiKey,
    UNPOD_AGENT_ID: AGENT_ID,
    BENCH_CAPACITY: String(Math.max(...params.concurrency, params.dispatch_calls) * 2),
  });
  try {
    const echoPort = Number((await echo.waitForLine(/^LISTENING /)).split(' ')[1]);
    await api(server, 'POST', '/v1/pipes', { name: 'bench', agent_id: AGENT_ID });
    await runner.waitForLine(/^READY/);

    const cases: BridgeCase[] = [];
    for (const concurrency of params.concurrency) {
      process.stderr.write(`bridge: ${concurrency} concurrent calls x ${params.turns} turns\n`);
      const rawEcho = await echoRoundTrips(echoPort, concurrency, params.echo_messages, params.think_ms);
      const { clientMs, callIds, errors } = await textCalls(server, concurrency, params.turns, params.think_ms);
      const bridge = summarize(await serverTurnTimes(server, callIds));
      const echoSummary = summarize(rawEcho);
      cases.push({
        concurrent_calls: concurrency,
        turns: params.turns,
        bridge_overhead: bridge,
        client_round_trip: summarize(clientMs),
        raw_ws_echo: echoSummary,
        ratio_p50_vs_echo: Math.round((bridge.p50_ms / echoSummary.p50_ms) * 100) / 100,
        ratio_p99_vs_echo: Math.round((bridge.p99_ms / echoSummary.p99_ms) * 100) / 100,
        errors,
      });
    }
    process.stderr.write(`dispatch: ${params.dispatch_calls} calls, ${params.dispatch_parallel} at a time\n`);
    const dispatch = await dispatchBurst(server, runner, params.dispatch_calls, params.dispatch_parallel);

    console.log('\nPer-turn bridge overhead (server: user.text -> first delta, instant brain), ms');
    console.log(
      formatTable(
        ['calls', 'bridge p50', 'bridge p99', 'echo p50', 'echo p99', 'ratio p50', 'ratio p99', 'client p50', 'client p99', 'errors'],
        cases.map((c) => [
          c.concurrent_calls,
          c.bridge_overhead.p50_ms,
          c.bridge_overhead.p99_ms,
          c.raw_ws_echo.p50_ms,
          c.raw_ws_echo.p99_ms,
          c.ratio_p50_vs_echo,
          c.ratio_p99_vs_echo,
          c.client_round_trip.p50_ms,
          c.client_round_trip.p99_ms,
          c.errors,
        ]),
      ),
    );
    console.log('\nDispatch (call created -> runner entrypoint), ms');
    console.log(
      formatTable(
        ['calls', 'parallel', 'p50', 'p99', 'dispatches/s', 'errors'],
        [[dispatch.calls, dispatch.parallel, dispatch.latency.p50_ms, dispatch.latency.p99_ms, dispatch.dispatches_per_s, dispatch.errors]],
      ),
    );
    const budgets = {
      bridge_p50_ms: 1,
      bridge_p99_ms: 5,
      bridge_vs_echo_max_ratio: 3,
      dispatch_p50_ms: 10,
      dispatch_p99_ms: 50,
      dispatches_per_s_min: 500,
    };
    const file = await writeResults('bridge', { ...params, budgets, note: 'one machine: server, runner, clients and echo peer share its cores' }, [
      ...cases.map((c) => ({ kind: 'bridge', ...c })),
      { kind: 'dispatch', ...dispatch },
    ]);
    console.log(`\nwrote ${file}`);
  } finally {
    await runner.kill('SIGTERM');
    await echo.kill('SIGKILL');
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
