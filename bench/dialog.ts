import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DialogMachine, parsePlaybook, ScriptedProvider, type Loaded, type LlmProvider, type LlmRequest, type LlmStreamEvent } from '@unpod/superdialog';
import { readNumberOption, readOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { summarize, type LatencySummary } from './lib/stats.js';
import { formatTable } from './lib/table.js';

/**
 * SuperDialog per-turn engine overhead on the example booking playbook (excluding model time):
 * the same five-turn booking is replayed many times through a `DialogMachine`, once with the
 * offline rules provider (no model at all) and once with an instant in-process fake LLM (the
 * Director answers with a structured verdict, the Talker streams a 20-word reply). Time spent
 * inside provider calls is measured and subtracted, so what remains is the engine: prompt
 * assembly, verdict application, event log, quiescence, tools, templating, streaming.
 *
 * Usage: `npm run bench:dialog -w @unpod/bench -- --conversations 300`
 * (or BENCH_CONVERSATIONS, BENCH_WARMUP, BENCH_OUT).
 */

export interface DialogParams {
  conversations: number;
  warmup: number;
  turns_per_conversation: number;
  playbook: string;
}

export interface DialogCase extends LatencySummary {
  case: string;
  turns: number;
  /** Time to the first streamed chunk, engine only. */
  first_chunk_p50_ms: number;
  first_chunk_p99_ms: number;
  /** Mean model time per turn that was subtracted (≈0 for the instant fake). */
  model_mean_ms: number;
  completed: number;
}

const PLAYBOOK_URL = new URL(import.meta.url.includes('/dist/') ? '../../examples/booking-agent/playbook.yaml' : '../examples/booking-agent/playbook.yaml', import.meta.url);
const SCRIPT = ["Hi, I'd like to book a deep tissue massage", 'next Monday', 'ten in the morning', "It's Priya", 'yes please'];
/** What an LLM Director would extract per turn of SCRIPT (the instant fake answers with it). */
const VERDICTS: Array<Record<string, unknown>> = [
  { slots: { service: 'massage' } },
  { slots: { date: 'next Monday' } },
  { slots: { time: '10:00' } },
  { slots: { name: 'Priya' }, advance: 'booking.confirm' },
  { advance: 'booking.book' },
];
const REPLY = 'Lovely, thank you. Let me make a note of that for you and ask the next thing I need for your booking today.';

/** Accumulates the time spent inside a provider's calls. */
class TimedProvider implements LlmProvider {
  readonly vendor: string;
  readonly model: string;
  spentMs = 0;
  constructor(private readonly inner: LlmProvider) {
    this.vendor = inner.vendor;
    this.model = inner.model;
  }
  async *stream(r: LlmRequest): AsyncGenerator<LlmStreamEvent> {
    const it = this.inner.stream(r)[Symbol.asyncIterator]();
    for (;;) {
      const t0 = performance.now();
      const next = await it.next();
      this.spentMs += performance.now() - t0;
      if (next.done) return;
      yield next.value;
    }
  }
  async complete(r: LlmRequest) {
    const t0 = performance.now();
    try {
      return await this.inner.complete(r);
    } finally {
      this.spentMs += performance.now() - t0;
    }
  }
}

function instantLlm(): TimedProvider {
  let turn = 0;
  return new TimedProvider(
    new ScriptedProvider((request) => {
      if (request.purpose === 'director') {
        const verdict = VERDICTS[turn++ % VERDICTS.length]!;
        return { toolCalls: [{ id: `v${turn}`, name: 'record_verdict', arguments: JSON.stringify({ slots: {}, advance: null, ...verdict }) }] };
      }
      return REPLY;
    }, 'instant-fake'),
  );
}

async function runCase(name: string, loaded: Loaded, params: DialogParams, makeProvider: () => TimedProvider | 'rules'): Promise<DialogCase> {
  const turnMs: number[] = [];
  const firstMs: number[] = [];
  let modelMs = 0;
  let completed = 0;
  for (let c = 0; c < params.warmup + params.conversations; c++) {
    const provider = makeProvider();
    const machine = new DialogMachine(loaded, {
      provider: provider === 'rules' ? 'rules' : provider,
      clock: () => new Date('2026-03-10T09:00:00Z'),
      tools: { create_booking: () => ({ reference: 'LW-1' }) },
      resilience: { retries: 0 },
    });
    await machine.start();
    const measured = c >= params.warmup;
    for (const text of SCRIPT) {
      const spentBefore = provider === 'rules' ? 0 : provider.spentMs;
      const t0 = performance.now();
      let first: number | null = null;
      for await (const piece of machine.stream(text)) if (first === null && piece) first = performance.now() - t0;
      const wall = performance.now() - t0;
      const model = provider === 'rules' ? 0 : provider.spentMs - spentBefore;
      if (measured) {
        turnMs.push(Math.max(0, wall - model));
        firstMs.push(Math.max(0, (first ?? wall) - (provider === 'rules' ? 0 : Math.min(model, first ?? wall))));
        modelMs += model;
      }
    }
    if (measured && machine.isComplete) completed += 1;
  }
  const first = summarize(firstMs);
  return { case: name, turns: turnMs.length, ...summarize(turnMs), first_chunk_p50_ms: first.p50_ms, first_chunk_p99_ms: first.p99_ms, model_mean_ms: Math.round((modelMs / Math.max(1, turnMs.length)) * 1000) / 1000, completed };
}

export function readParams(): DialogParams {
  return {
    conversations: readNumberOption('conversations', 300, { min: 1, integer: true }),
    warmup: readNumberOption('warmup', 30, { min: 0, integer: true }),
    turns_per_conversation: SCRIPT.length,
    playbook: 'examples/booking-agent/playbook.yaml',
  };
}

export async function runDialogBench(params: DialogParams, log: (line: string) => void = () => undefined): Promise<DialogCase[]> {
  const loaded = parsePlaybook(await readFile(fileURLToPath(PLAYBOOK_URL), 'utf8'), { file: 'playbook.yaml' });
  const results: DialogCase[] = [];
  log(`rules provider: ${params.conversations} conversations...`);
  results.push(await runCase('rules provider', loaded, params, () => 'rules'));
  log(`instant fake LLM: ${params.conversations} conversations...`);
  results.push(await runCase('instant fake LLM', loaded, params, instantLlm));
  return results;
}

export function formatResults(results: readonly DialogCase[]): string {
  return formatTable(
    ['case', 'turns', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'first chunk p50', 'first chunk p99', 'completed'],
    results.map((r) => [r.case, r.turns, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.first_chunk_p50_ms, r.first_chunk_p99_ms, r.completed]),
  );
}

export async function main(): Promise<void> {
  const params = readParams();
  const results = await runDialogBench(params, (line) => process.stderr.write(line + '\n'));
  process.stdout.write('\nSuperDialog per-turn engine overhead (model time excluded)\n\n' + formatResults(results) + '\n\n');
  const file = await writeResults('dialog', params, results, readOption('out', '') || undefined);
  process.stdout.write(`results written to ${file}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
