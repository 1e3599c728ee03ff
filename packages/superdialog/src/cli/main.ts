import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { parse as parseYaml, stringify } from 'yaml';
import { LoadError, errorMessage } from '../errors.js';
import { EvalSuiteSchema, replayLog, runScript, runSelfPlay, scoreReport } from '../eval/eval.js';
import { FlowSchema } from '../flow/schema.js';
import { compileFlow } from '../flow/compile.js';
import { providerFromEnv } from '../llm/from-env.js';
import { DialogMachine, type DialogMachineOptions } from '../machine.js';
import { loadPlaybook } from '../playbook/load.js';
import type { CodeTool } from '../engine/tools.js';

const USAGE = `usage: superdialog <command> [options]

  chat <playbook>              talk to a playbook (YAML, simple YAML or flow JSON) on the terminal
       --llm                   use the model from OPENAI_* / ANTHROPIC_* (default: offline rules)
       --log <file.jsonl>      write the event log (redacted) when the chat ends
       --tools <module.js>     a module exporting \`tools\`: host functions for code tools
  validate <file>              load and validate; print every problem with file, path and reason
  compile <flow.json>          compile a flow graph to a playbook (YAML on stdout, report on stderr)
  eval <playbook> <suite.yaml> run scripted conversations and personas, print scores (--llm as for chat)
  replay <playbook> <log.jsonl> replay a recorded call against the playbook and print the diffs
`;

interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

async function machineOptions(args: string[], env: NodeJS.ProcessEnv): Promise<DialogMachineOptions> {
  const module = flag(args, '--tools');
  const tools = module ? ((await import(pathToFileURL(path.resolve(module)).href)) as { tools?: Record<string, CodeTool> }).tools : undefined;
  if (module && !tools) throw new Error(`${module} does not export \`tools\``);
  if (!args.includes('--llm')) return { provider: 'rules', tools };
  const provider = providerFromEnv(env);
  if (!provider) throw new Error('--llm needs OPENAI_API_KEY / OPENAI_BASE_URL or ANTHROPIC_API_KEY');
  return { provider, tools };
}

function flag(args: string[], name: string): string | null {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? null) : null;
}

async function chat(file: string, args: string[], io: Io): Promise<number> {
  const machine = await DialogMachine.load(file, await machineOptions(args, io.env));
  const status = (): void => {
    const s = machine.state;
    io.stderr.write(`[${String(s.checkpoint)} v${String(s.version)}${s.ended ? ` ended: ${String(s.outcome)}` : ''}]\n`);
  };
  const speak = async (pieces: AsyncIterable<string>): Promise<void> => {
    io.stdout.write('agent> ');
    for await (const p of pieces) io.stdout.write(p);
    io.stdout.write('\n');
    status();
  };
  await speak(machine.startStream());
  const lines = createInterface({ input: io.stdin, terminal: false });
  io.stdout.write('you> ');
  for await (const line of lines) {
    const text = line.trim();
    if (text === '/quit') break;
    if (text) await speak(machine.stream(text));
    if (machine.isComplete) break;
    io.stdout.write('you> ');
  }
  lines.close();
  const out = flag(args, '--log');
  if (out) await writeFile(out, machine.exportLog());
  return 0;
}

async function validate(file: string, io: Io): Promise<number> {
  const loaded = await loadPlaybook(file);
  const p = loaded.playbook;
  io.stdout.write(`ok: ${loaded.format}, ${p.checkpoints.size} checkpoints, ${p.tools.size} tools, initial ${p.initial}\n`);
  return 0;
}

async function compile(file: string, io: Io): Promise<number> {
  const flow = FlowSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  const { playbook, report } = compileFlow(flow, file);
  io.stdout.write(stringify(playbook));
  io.stderr.write(`${report.checkpoints} checkpoints, ${report.tools} tools, ${report.interrupts} interrupts\n`);
  for (const u of report.unmapped) io.stderr.write(`unmapped: ${u}\n`);
  for (const n of report.notes) io.stderr.write(`note: ${n}\n`);
  return report.unmapped.length ? 2 : 0;
}

async function evaluate(file: string, suiteFile: string, args: string[], io: Io): Promise<number> {
  const loaded = await loadPlaybook(file);
  const suite = EvalSuiteSchema.parse(parseYaml(await readFile(suiteFile, 'utf8')));
  const options = await machineOptions(args, io.env);
  const results: Array<{ passed: boolean; completed: boolean; slotAccuracy: number; turns: number; repairs: number; turnsPerCheckpoint?: number }> = [];
  for (const script of suite.scripts) {
    const r = await runScript(() => new DialogMachine(loaded, options), script);
    results.push(r);
    io.stdout.write(`${r.passed ? 'PASS' : 'FAIL'}  ${r.name}  turns=${r.turns} completed=${r.completed} outcome=${r.outcome ?? '-'} slots=${r.slotAccuracy.toFixed(2)}\n`);
    for (const f of r.failures) io.stdout.write(`      turn ${f.turn}: ${f.field}: expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(f.actual)}\n`);
  }
  for (const p of suite.personas) {
    const user = p.replies ? undefined : providerFromEnv(io.env) ?? undefined;
    if (!p.replies && !user) {
      io.stdout.write(`SKIP  persona ${p.name}: no replies and no LLM configured\n`);
      continue;
    }
    const r = await runSelfPlay(() => new DialogMachine(loaded, options), { name: p.name, goal: p.goal, traits: p.traits, maxTurns: p.max_turns, replies: p.replies, groundTruthSlots: p.ground_truth_slots }, user);
    const passed = r.completed && r.slotDiffs.length === 0;
    results.push({ ...r, passed });
    io.stdout.write(`${passed ? 'PASS' : 'FAIL'}  persona ${r.persona}  turns=${r.turns} completed=${r.completed} outcome=${r.outcome ?? '-'} slots=${r.slotAccuracy.toFixed(2)} repairs=${r.repairs}\n`);
    for (const d of r.slotDiffs) io.stdout.write(`      slot ${d.key}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}\n`);
  }
  const score = scoreReport(results);
  io.stdout.write(
    `\ncompletion ${score.completionRate.toFixed(2)}  slot accuracy ${score.meanSlotAccuracy.toFixed(2)}  smoothness ${score.smoothness.toFixed(2)}  repair rate ${score.repairRate.toFixed(2)}  objective ${score.objective.toFixed(3)}\n`,
  );
  const failed = results.filter((r) => !r.passed).length;
  io.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

async function replay(file: string, logFile: string, args: string[], io: Io): Promise<number> {
  const loaded = await loadPlaybook(file);
  const report = await replayLog(loaded.playbook, await readFile(logFile, 'utf8'), loaded, (s, o) => new DialogMachine(s, o), await machineOptions(args, io.env));
  for (const d of report.diffs) io.stdout.write(`turn ${d.turn}: ${d.kind}${d.key ? ` ${d.key}` : ''}: recorded ${JSON.stringify(d.recorded)}, replayed ${JSON.stringify(d.replayed)}\n`);
  io.stdout.write(`${report.turns} turns, ${report.diffs.length} diffs: ${report.stable ? 'stable' : 'changed'}\n`);
  return report.stable ? 0 : 1;
}

/** The `superdialog` command; returns the exit code. */
export async function main(argv: string[], io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [command, ...rest] = argv;
  const files = rest.filter((a, i) => !a.startsWith('--') && !(i > 0 && (rest[i - 1] === '--log' || rest[i - 1] === '--tools')));
  try {
    switch (command) {
      case 'chat':
        if (!files[0]) break;
        return await chat(files[0], rest, io);
      case 'validate':
        if (!files[0]) break;
        return await validate(files[0], io);
      case 'compile':
        if (!files[0]) break;
        return await compile(files[0], io);
      case 'eval':
        if (!files[0] || !files[1]) break;
        return await evaluate(files[0], files[1], rest, io);
      case 'replay':
        if (!files[0] || !files[1]) break;
        return await replay(files[0], files[1], rest, io);
      default:
        break;
    }
  } catch (err) {
    if (err instanceof LoadError) {
      for (const i of err.issues) io.stderr.write(`${i.file}: ${i.path || '<root>'}: ${i.reason}\n`);
      return 1;
    }
    io.stderr.write(`superdialog: ${errorMessage(err)}\n`);
    return 1;
  }
  io.stderr.write(USAGE);
  return 2;
}
