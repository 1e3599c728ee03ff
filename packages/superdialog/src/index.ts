/**
 * `@unpod/superdialog`: the optional brain for Unpod agents. Playbooks (journeys of checkpoints
 * with typed slots and rules) and legacy flow graphs, one `DialogMachine` facade over both
 * engines, LLM providers (OpenAI-compatible, Anthropic) or the offline rules provider, speech
 * hints, evaluation, and `superDialogAdapter` for `ctx.session.dialogMachine`.
 */
export { DialogMachine, type DialogMachineOptions, type MachineSource, type ProviderChoice } from './machine.js';
export { superDialogAdapter, type SuperDialogAdapter, type SuperDialogAdapterOptions } from './adapter.js';
export type { ChatMessage, DialogEngine, TurnMetadata, TurnOptions, TurnResult } from './engine/types.js';
export { LoadError, SuperDialogError, type LoadIssue, type SuperDialogErrorCode } from './errors.js';

export { Playbook, type CompiledCheckpoint, type CompiledRule } from './playbook/playbook.js';
export { PlaybookSchema, type PlaybookInput, type PlaybookSpec, type SlotSpec, type Checkpoint, type ToolSpec } from './playbook/schema.js';
export { loadPlaybook, parsePlaybook, playbookFromObject, type Loaded, type SourceFormat } from './playbook/load.js';
export { SimplePlaybookSchema, lowerSimple } from './playbook/simple.js';
export { FlowSchema, type Flow } from './flow/schema.js';
export { compileFlow, type CompileReport } from './flow/compile.js';

export { EventLog, EVENT_TYPES, redactEvent, type DialogEvent, type EventBody, type EventType, type HostAction } from './engine/events.js';
export { fold, type ConversationState, type SlotValue, type ToolResultState } from './engine/state.js';
export { PlaybookEngine } from './engine/playbook-engine.js';
export { PlaybookRuntime, MAX_HOPS } from './engine/runtime.js';
export type { Brain, Director, Talker, Verdict, DirectorInput, TalkInput } from './engine/brain.js';
export { rulesBrain, RulesDirector, RulesTalker } from './engine/rules-brain.js';
export { llmBrain, LlmDirector, LlmTalker, type LlmBrainOptions } from './engine/llm-brain.js';
export { speechHints } from './engine/hints.js';
export { fetchHttp, type CodeTool, type CodeToolContext, type HttpFn } from './engine/tools.js';
export { findDate, findTime, findYesNo, parseNumber } from './engine/values.js';

export { compileExpr, truthy, EXPR_ROOTS, type CompiledExpr } from './expr/evaluate.js';
export { compileTemplate, TEMPLATE_ROOTS, type Template } from './expr/template.js';

export type { LlmProvider, LlmRequest, LlmMessage, LlmTool, LlmToolCall, LlmStreamEvent, LlmCompletion, LlmUsage, LlmCallReport } from './llm/types.js';
export { LlmError, TRANSIENT_STATUSES } from './llm/types.js';
export { OpenAIProvider } from './llm/openai.js';
export { AnthropicProvider, type AnthropicOptions } from './llm/anthropic.js';
export type { HttpProviderOptions } from './llm/http.js';
export { ResilientProvider, type ResilienceOptions } from './llm/resilient.js';
export { ScriptedProvider, type ScriptedReply } from './llm/fake.js';
export { providerFromEnv } from './llm/from-env.js';

export { redactText, redactUrl, redactValue, redactingLogger, type Logger } from './redact.js';
export { runScript, runSelfPlay, replayLog, scoreReport, type EvalScript, type ScriptResult, type SelfPlayPersona, type SelfPlayResult, type ReplayReport } from './eval/eval.js';
