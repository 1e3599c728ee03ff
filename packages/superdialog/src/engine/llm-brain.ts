import { LlmError, type LlmMessage, type LlmProvider, type LlmTool } from '../llm/types.js';
import { EMPTY_VERDICT, type Brain, type Director, type DirectorInput, type GlobalIntent, type TalkInput, type Talker, type Verdict } from './brain.js';
import { directorMessages, talkerMessages, VERDICT_TOOL } from './prompts.js';

/** Options of {@link llmBrain}. */
export interface LlmBrainOptions {
  /** Speaks every turn (streaming). */
  talker: LlmProvider;
  /** Judges every caller turn; defaults to the talker's provider. */
  director?: LlmProvider;
  /** `tool` (default): a forced `record_verdict` tool call; `json`: a JSON-object reply. */
  directorMode?: 'tool' | 'json';
  /** Transcript lines the Director sees. Default 20. */
  directorWindow?: number;
  /** Transcript budget of the Talker, in characters. Default 16 000. */
  talkerBudgetChars?: number;
  /** Model -> tool -> model rounds per Talker turn. Default 3. */
  maxToolRounds?: number;
  temperature?: number;
}

/** Strip markdown fences and parse the first JSON object in `text`. */
export function parseVerdictText(text: string): unknown {
  const unfenced = text.replace(/^\s*```(?:json)?\s*/i, '').replace(/\s*```\s*$/, '');
  const start = unfenced.indexOf('{');
  const end = unfenced.lastIndexOf('}');
  if (start < 0 || end < start) throw new LlmError('llm_bad_response', 'json_parse_error');
  try {
    return JSON.parse(unfenced.slice(start, end + 1));
  } catch {
    throw new LlmError('llm_bad_response', 'json_parse_error');
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() && v !== 'null' ? v.trim() : null);

/** Normalise a parsed verdict; anything but an object is a failure (`non_dict_verdict`). */
export function normaliseVerdict(raw: unknown): Verdict {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LlmError('llm_bad_response', 'non_dict_verdict');
  const v = raw as Record<string, unknown>;
  const slots = typeof v.slots === 'object' && v.slots !== null && !Array.isArray(v.slots) ? (v.slots as Record<string, unknown>) : {};
  const intent = str(v.intent);
  return {
    ...EMPTY_VERDICT,
    slots,
    confirm: Array.isArray(v.confirm) ? v.confirm.filter((k): k is string => typeof k === 'string') : [],
    advance: str(v.advance),
    intent: intent === 'talk_to_human' || intent === 'goodbye' ? (intent as GlobalIntent) : null,
    interrupt: str(v.interrupt),
    note: str(v.note),
  };
}

/** The LLM Director: one structured call per caller utterance. */
export class LlmDirector implements Director {
  constructor(
    private readonly provider: LlmProvider,
    private readonly options: LlmBrainOptions,
  ) {}

  async decide(input: DirectorInput, signal: AbortSignal): Promise<Verdict> {
    const json = this.options.directorMode === 'json';
    const messages = directorMessages(input.playbook, input.state, input.checkpoint, input.today, this.options.directorWindow ?? 20, json);
    const result = await this.provider.complete({
      messages,
      purpose: 'director',
      temperature: 0,
      signal,
      ...(json ? { json: true } : { tools: [VERDICT_TOOL as unknown as LlmTool], toolChoice: { name: VERDICT_TOOL.name } }),
    });
    const call = result.toolCalls.find((c) => c.name === VERDICT_TOOL.name);
    return normaliseVerdict(call ? parseVerdictText(call.arguments || '{}') : parseVerdictText(result.text));
  }
}

/** The LLM Talker: streams the reply; may call the checkpoint's tools and continue. */
export class LlmTalker implements Talker {
  constructor(
    private readonly provider: LlmProvider,
    private readonly options: LlmBrainOptions,
  ) {}

  async *speak(input: TalkInput, signal: AbortSignal): AsyncGenerator<string> {
    const messages: LlmMessage[] = talkerMessages(input.playbook, input.state, input.checkpoint, input.scope, input.today, {
      assists: input.assists,
      language: input.language,
      budgetChars: this.options.talkerBudgetChars ?? 16_000,
    });
    const tools: LlmTool[] = input.checkpoint.spec.tools.map((id) => {
      const spec = input.playbook.tool(id).spec;
      const props = Object.fromEntries([...Object.keys(spec.args)].map((k) => [k, { type: 'string' }]));
      return { name: id, description: spec.description || id, parameters: spec.parameters ?? { type: 'object', properties: props } };
    });
    const maxRounds = this.options.maxToolRounds ?? 3;
    for (let round = 0; ; round++) {
      let text = '';
      const calls = [];
      for await (const e of this.provider.stream({ messages, tools: tools.length && round < maxRounds ? tools : undefined, purpose: round === 0 ? 'talker' : 'talker_tool_followup', signal, temperature: this.options.temperature })) {
        if (e.type === 'text') {
          text += e.text;
          yield e.text;
        } else if (e.type === 'tool_call') calls.push(e.call);
      }
      if (calls.length === 0) return;
      messages.push({ role: 'assistant', content: text, toolCalls: calls });
      for (const call of calls) {
        let args: Record<string, unknown> = {};
        try {
          const parsed: unknown = call.arguments ? JSON.parse(call.arguments) : {};
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
        } catch {
          // Invalid JSON arguments: the tool runs with its templated defaults only.
        }
        const known = input.checkpoint.spec.tools.includes(call.name);
        const outcome = known ? await input.callTool(call.name, args, signal) : { ok: false, data: null, error: `unknown tool ${call.name}`, status: null, skipped: false };
        messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(outcome.ok ? { ok: true, data: outcome.data } : { ok: false, error: outcome.error }) });
      }
    }
  }
}

/** A brain on LLM providers: wrap them in `ResilientProvider` first for retries and usage. */
export function llmBrain(options: LlmBrainOptions): Brain {
  return { name: 'llm', director: new LlmDirector(options.director ?? options.talker, options), talker: new LlmTalker(options.talker, options) };
}
