import { SuperDialogError } from './errors.js';
import type { Brain } from './engine/brain.js';
import { EventLog, type DialogEvent } from './engine/events.js';
import { llmBrain, type LlmBrainOptions } from './engine/llm-brain.js';
import { PlaybookEngine } from './engine/playbook-engine.js';
import { rulesBrain } from './engine/rules-brain.js';
import { fetchHttp, type CodeTool, type HttpFn } from './engine/tools.js';
import type { ChatMessage, DialogEngine, TurnOptions, TurnResult } from './engine/types.js';
import { GraphEngine } from './flow/graph-engine.js';
import { FlowSchema, isFlowFormat, type Flow } from './flow/schema.js';
import { ResilientProvider, type ResilienceOptions } from './llm/resilient.js';
import type { LlmCallReport, LlmProvider } from './llm/types.js';
import { loadPlaybook, playbookFromObject, type Loaded } from './playbook/load.js';
import { Playbook } from './playbook/playbook.js';
import { redactingLogger, silentLogger, type Logger } from './redact.js';

/** Which model(s) drive the machine. */
export type ProviderChoice = 'rules' | LlmProvider | { talker: LlmProvider; director?: LlmProvider };

export interface DialogMachineOptions {
  /** `rules` (default): the deterministic provider, no model needed. */
  provider?: ProviderChoice;
  /** `auto` (default): playbooks, and flows compiled to playbooks; `graph` runs a flow unchanged (needs an LLM). */
  engine?: 'auto' | 'playbook' | 'graph';
  /** Host functions for `type: code` tools, by tool id. */
  tools?: Readonly<Record<string, CodeTool>>;
  /** HTTP for `type: http` tools (default: fetch). */
  http?: HttpFn;
  /** Session clock (tests pin it). */
  clock?: () => Date;
  /** Retries, backoff and hedging around every model call. */
  resilience?: Omit<ResilienceOptions, 'onCall'>;
  /** LLM-brain knobs (Director mode, windows). */
  llm?: Omit<LlmBrainOptions, 'talker' | 'director'>;
  /** Structured logger; records are redacted and never carry transcripts. */
  logger?: Logger;
  /** Every appended event, redacted (playbook engine). */
  onEvent?: (event: DialogEvent) => void;
  /** Continue an existing conversation from its event log. */
  log?: EventLog;
}

/** A playbook (compiled), a loader result, a parsed playbook/flow object. */
export type MachineSource = Playbook | Loaded | Record<string, unknown>;

/**
 * The public facade: one interface over the playbook engine and the flow-graph engine. `turn`
 * and `stream` run caller turns (stream yields real text as it is produced and stops on the
 * AbortSignal), `start` produces the opening, `assist` adds a one-turn instruction,
 * `markInterrupted` trims the log to what the caller heard, `chatContext` / `loadChatContext`
 * move transcripts, `exportLog` the full event log. Changing the provider mid-call keeps the
 * conversation.
 */
export class DialogMachine {
  readonly engine: DialogEngine;
  private readonly callbacks = new Set<(report: LlmCallReport) => void>();
  private readonly logger: Logger;
  private readonly options: DialogMachineOptions;

  constructor(source: MachineSource, options: DialogMachineOptions = {}) {
    this.options = options;
    this.logger = redactingLogger(options.logger ?? silentLogger);
    const wantGraph = options.engine === 'graph';
    if (wantGraph) {
      if (source instanceof Playbook || !isFlowFormat(source)) throw new SuperDialogError('invalid_argument', 'engine "graph" needs a flow graph source');
      const provider = this.talkerProvider(options.provider);
      if (!provider) throw new SuperDialogError('invalid_argument', 'engine "graph" needs an LLM provider (rules mode runs flows compiled to playbooks)');
      const flow: Flow = FlowSchema.parse(source);
      this.engine = new GraphEngine(flow, provider, options.http ?? fetchHttp);
      return;
    }
    const playbook = source instanceof Playbook ? source : isLoaded(source) ? source.playbook : playbookFromObject(source).playbook;
    const engine = new PlaybookEngine(playbook, { brain: this.brainFor(options.provider), code: options.tools, http: options.http ?? fetchHttp, clock: options.clock, log: options.log });
    if (options.onEvent) engine.log.subscribe(options.onEvent);
    this.engine = engine;
  }

  /** Load a playbook YAML/JSON or flow JSON file and build a machine. */
  static async load(file: string, options: DialogMachineOptions = {}): Promise<DialogMachine> {
    const loaded = await loadPlaybook(file);
    return new DialogMachine(loaded, options);
  }

  /** Rebuild a playbook conversation from an exported (raw) event log. */
  static resume(source: MachineSource, jsonl: string, options: DialogMachineOptions = {}): DialogMachine {
    return new DialogMachine(source, { ...options, log: EventLog.fromJsonl(jsonl) });
  }

  private wrap(provider: LlmProvider): LlmProvider {
    return new ResilientProvider(provider, { ...this.options.resilience, onCall: (r) => this.report(r) });
  }

  private talkerProvider(choice: ProviderChoice | undefined): LlmProvider | null {
    if (!choice || choice === 'rules') return null;
    return this.wrap('talker' in choice ? choice.talker : choice);
  }

  private brainFor(choice: ProviderChoice | undefined): Brain {
    if (!choice || choice === 'rules') return rulesBrain();
    const talker = 'talker' in choice ? choice.talker : choice;
    const director = 'talker' in choice ? (choice.director ?? choice.talker) : choice;
    return llmBrain({ ...this.options.llm, talker: this.wrap(talker), director: this.wrap(director) });
  }

  private report(r: LlmCallReport): void {
    this.logger.debug({ vendor: r.vendor, model: r.model, purpose: r.purpose, latency_ms: Math.round(r.latencyMs), ok: r.ok, tokens_in: r.usage?.tokensIn ?? null, tokens_out: r.usage?.tokensOut ?? null }, 'llm call');
    for (const cb of this.callbacks) {
      try {
        cb(r);
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'llm callback failed');
      }
    }
  }

  /** Receive one report per model call (usage: tokens in/out/cached, latency). */
  registerLlmCallback(callback: (report: LlmCallReport) => void): () => void {
    this.callbacks.add(callback);
    return () => this.callbacks.delete(callback);
  }

  /** Swap the model(s) for the next turn; the conversation and its state are kept. */
  setProvider(choice: ProviderChoice): void {
    if (this.engine instanceof PlaybookEngine) this.engine.setBrain(this.brainFor(choice));
    else if (this.engine instanceof GraphEngine) {
      const provider = this.talkerProvider(choice);
      if (!provider) throw new SuperDialogError('invalid_argument', 'the graph engine needs an LLM provider');
      this.engine.setProvider(provider);
    }
  }

  /** Stream the reply to one caller turn. */
  stream(text: string, options: TurnOptions = {}): AsyncIterable<string> {
    return this.logged(this.engine.stream(text, options), 'turn');
  }

  /** Run one caller turn to completion. */
  async turn(text: string, options: TurnOptions = {}): Promise<TurnResult> {
    for await (const piece of this.stream(text, options)) void piece;
    return this.engine.lastTurn!;
  }

  /** Stream the opening turn (speak-first calls). */
  startStream(options: TurnOptions = {}): AsyncIterable<string> {
    return this.logged(this.engine.start(options), 'start');
  }

  /** The opening turn. */
  async start(options: TurnOptions = {}): Promise<TurnResult> {
    for await (const piece of this.startStream(options)) void piece;
    return this.engine.lastTurn!;
  }

  private async *logged(source: AsyncIterable<string>, what: string): AsyncGenerator<string> {
    const started = performance.now();
    let chars = 0;
    try {
      for await (const piece of source) {
        chars += piece.length;
        yield piece;
      }
    } finally {
      const m = this.engine.lastTurn?.metadata;
      this.logger.debug({ what, checkpoint: m?.checkpoint ?? null, version: m?.version ?? null, ended: m?.ended ?? false, text_chars: chars, ms: Math.round(performance.now() - started) }, 'dialog turn');
    }
  }

  assist(instruction: string): void {
    this.engine.assist(instruction);
  }

  markInterrupted(heardText: string | null): void {
    this.engine.markInterrupted(heardText);
  }

  chatContext(): ChatMessage[] {
    return this.engine.chatContext();
  }

  loadChatContext(messages: readonly ChatMessage[]): void {
    this.engine.loadChatContext(messages);
  }

  get isComplete(): boolean {
    return this.engine.isComplete;
  }

  get state(): Readonly<Record<string, unknown>> {
    return this.engine.state;
  }

  get lastTurn(): TurnResult | null {
    return this.engine.lastTurn;
  }

  /** Phrases the caller is likely to say next (speech hints). */
  hints(): string[] {
    return this.engine.hints();
  }

  /** The playbook engine (event log, runtime), or null for the graph engine. */
  get playbookEngine(): PlaybookEngine | null {
    return this.engine instanceof PlaybookEngine ? this.engine : null;
  }

  /** The event log as JSONL, secrets redacted (pass `raw` to keep them, e.g. to resume). */
  exportLog(options: { raw?: boolean } = {}): string {
    return this.playbookEngine?.log.toJsonl(options) ?? '';
  }

  /** Silence, webhook or timer events (playbook engine); returns what to say, if anything. */
  async onExternal(kind: 'silence' | 'webhook' | 'timer', name = kind, payload: unknown = null): Promise<string> {
    const engine = this.playbookEngine;
    if (!engine) return '';
    return (await engine.external(kind, name, payload)).join(' ');
  }
}

function isLoaded(v: unknown): v is Loaded {
  return typeof v === 'object' && v !== null && (v as Loaded).playbook instanceof Playbook && 'format' in v;
}
