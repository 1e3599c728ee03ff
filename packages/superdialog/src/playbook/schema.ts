import { z } from 'zod';

/**
 * The playbook's authored shape (full format). Objects are strict: an unknown key is a load error
 * naming the key, so a typo never silently disables a rule. Defaults are applied here, once.
 *
 * The default gate is `soft` (a slot counts as soon as it is heard). A `hard` slot is written
 * `provisional` until the caller confirms it (a yes to the read-back, or a tool/expr write); the
 * Director and the rules provider both have that confirmation path, so hard gates cannot deadlock.
 */

const Ref = z.string().min(1).regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/, 'must be "journey.checkpoint" or a checkpoint id');
const Key = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a name of letters, digits and "_"');

export const SlotType = z.enum(['str', 'int', 'float', 'bool', 'date', 'time', 'enum', 'array', 'object']);
export type SlotType = z.infer<typeof SlotType>;
export const Gate = z.enum(['soft', 'hard']);

export const SlotSpec = z.strictObject({
  type: SlotType.default('str'),
  required: z.boolean().default(false),
  description: z.string().default(''),
  /** enum members. */
  values: z.array(z.string().min(1)).default([]),
  /** Other ways callers say an enum member (rules-mode matching, speech hints, Director prompt). */
  synonyms: z.record(z.string(), z.array(z.string().min(1))).default({}),
  /** The question that asks for this slot (rules-mode replies; a hint for the Talker). */
  ask: z.string().optional(),
  /** Regexes with one capture group that extract the value (rules mode), e.g. "my name is (\\w+)". */
  patterns: z.array(z.string()).default([]),
  /** Only tools and expr rules may write it. */
  authoritative: z.boolean().default(false),
  /** Keys cleared (slots and tool results) when this value changes. */
  invalidates: z.array(Key).default([]),
  /** null inherits the checkpoint's gate. */
  gate: Gate.nullable().default(null),
  /** Spoken name -> id, from a stored tool result list. */
  resolve_from: z
    .strictObject({ result: Key, list_field: z.string().default('items'), name_field: z.string().default('name'), id_field: z.string().default('id') })
    .optional(),
});
export type SlotSpec = z.infer<typeof SlotSpec>;

export const AdvanceRule = z.strictObject({
  when: z.string().default(''),
  judge: z.enum(['llm', 'expr']).default('llm'),
  to: Ref,
  requires: z.array(Key).default([]),
  set: z.record(Key, z.unknown()).default({}),
  /** Rules mode: words or phrases (or the sets `@yes`, `@no`) that make this llm rule fire. */
  keywords: z.array(z.string().min(1)).default([]),
  /** Rules mode: a regex over the caller's words that makes this llm rule fire. */
  match: z.string().optional(),
});
export type AdvanceRule = z.infer<typeof AdvanceRule>;

export const Checkpoint = z.strictObject({
  id: Key,
  goal: z.string().default(''),
  slots: z.record(Key, SlotSpec).default({}),
  guidance: z.string().default(''),
  /** Rules-mode reply template (the LLM Talker uses `guidance`). */
  reply: z.string().optional(),
  say_verbatim: z.string().optional(),
  never_say: z.array(z.string()).default([]),
  advance_when: z.array(AdvanceRule).default([]),
  gate: Gate.default('soft'),
  auto: z.boolean().default(false),
  strict: z.boolean().default(false),
  handover: z.boolean().default(false),
  pipeline: Key.optional(),
  on_enter: z.array(Key).default([]),
  on_failure: Ref.optional(),
  terminal: z.boolean().default(false),
  outcome: z.string().optional(),
  turn_budget: z.number().int().positive().optional(),
  /** Tools the Talker's model may call on demand at this checkpoint (with arguments it chooses). */
  tools: z.array(Key).default([]),
  /** Extra phrases the caller is likely to say here (speech hints). */
  hints: z.array(z.string()).default([]),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

export const Journey = z.strictObject({ checkpoints: z.array(Checkpoint).min(1, 'a journey needs at least one checkpoint') });

const Json = z.unknown();

export const ToolSpec = z.strictObject({
  id: Key,
  type: z.enum(['http', 'code']).default('http'),
  description: z.string().default(''),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  url: z.string().optional(),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.record(z.string(), Json).optional(),
  /** Arguments passed to the tool: name -> template over slots/env/results (typed when a single `{{ }}`). */
  args: z.record(Key, z.string()).default({}),
  /** JSON Schema of arguments the model may supply when the Talker calls this tool. */
  parameters: z.record(z.string(), Json).optional(),
  store_response_as: Key.optional(),
  env_updates: z.record(Key, z.string()).default({}),
  slot_updates: z.record(Key, z.string()).default({}),
  run_once: z.boolean().default(false),
  when: z.string().optional(),
  timeout_s: z.number().positive().max(300).default(10),
});
export type ToolSpec = z.infer<typeof ToolSpec>;

const RetryBranch = z.strictObject({ retry: z.number().int().min(0).max(10), on_exhaust: Ref.optional() });
const Branch = z.union([z.literal('continue'), Ref, RetryBranch]);
export type Branch = z.infer<typeof Branch>;

export const PipelineSpec = z.strictObject({
  id: Key,
  steps: z
    .array(
      z.strictObject({
        tool: Key,
        on: z.record(z.string().regex(/^(ok|failed|http_[1-5][0-9][0-9])$/, 'branch must be ok, failed or http_<status>'), Branch).default({}),
      }),
    )
    .min(1, 'a pipeline needs at least one step'),
});
export type PipelineSpec = z.infer<typeof PipelineSpec>;

export const InterruptSpec = z.strictObject({
  id: Key,
  when: z.string().min(1),
  to: Ref,
  keywords: z.array(z.string().min(1)).default([]),
});

const IntentSpec = z.strictObject({
  enabled: z.boolean().default(true),
  /** Spoken before acting. */
  say: z.string().optional(),
  /** Rules-mode trigger phrases, added to the built-in ones. */
  keywords: z.array(z.string().min(1)).default([]),
});

export const Intents = z.strictObject({
  /** "Let me talk to a person": say the line, then transfer to `transfer_to`. */
  talk_to_human: IntentSpec.extend({ transfer_to: z.string().default('human') }).default({ enabled: true, keywords: [], transfer_to: 'human' }),
  /** "Goodbye": say the line, then end the call. */
  goodbye: IntentSpec.extend({ outcome: z.string().default('caller_ended') }).default({ enabled: true, keywords: [], outcome: 'caller_ended' }),
});

export const Guidelines = z.strictObject({
  channel: z.enum(['voice', 'text']).default('voice'),
  tone: z.enum(['professional', 'casual']).default('professional'),
  language: z.union([z.string(), z.array(z.string()).min(1)]).default('en'),
  call_type: z.enum(['sales', 'support', 'booking']).nullable().default(null),
  timezone: z.string().default('UTC'),
  gender: z.enum(['male', 'female', 'neutral']).default('neutral'),
});

/** Canned lines, localisable per playbook. */
export const Lines = z.strictObject({
  filler: z.string().default('One moment, let me check that.'),
  hold: z.string().default('Sorry, this is taking a little longer than usual. Please bear with me.'),
  recovery: z.string().default('Sorry, could you say that again?'),
  transfer: z.string().default('Let me connect you with a member of our team.'),
  goodbye: z.string().default('Thank you for calling. Goodbye!'),
  /** Rules mode: prefixed to the re-ask when nothing in the caller's words could be used. */
  not_understood: z.string().default("Sorry, I didn't quite catch that."),
});

export const Policies = z.strictObject({
  silence: z
    .strictObject({ max_prompts: z.number().int().min(0).default(2), prompts: z.array(z.string()).default([]), then: Ref.optional() })
    .optional(),
  /** How long a gated turn waits for the Director before the filler line. */
  barrier_ms: z.number().int().min(0).default(400),
  /** After the filler, how long more before the hold line. */
  hold_ms: z.number().int().positive().default(4000),
});

export const PlaybookSchema = z.strictObject({
  name: z.string().default(''),
  persona: z.string().default(''),
  guidelines: Guidelines.default(Guidelines.parse({})),
  lines: Lines.default(Lines.parse({})),
  journeys: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'journey names must not contain "."'), Journey).refine((j) => Object.keys(j).length > 0, 'at least one journey is needed'),
  /** Intent -> checkpoint table, for authors and reviewers; validated, never consulted at runtime. */
  dispatch: z.array(z.strictObject({ intent: z.string().min(1), to: Ref, requires: z.array(Key).default([]) })).default([]),
  tools: z.array(ToolSpec).default([]),
  pipelines: z.array(PipelineSpec).default([]),
  handlers: z.array(z.strictObject({ id: Key, on: z.string().regex(/^(webhook|timer)\.[A-Za-z0-9_-]+$/, 'must be webhook.<name> or timer.<name>'), pipeline: Key })).default([]),
  interrupts: z.array(InterruptSpec).default([]),
  intents: Intents.default(Intents.parse({})),
  policies: Policies.default(Policies.parse({})),
  middleware: z.strictObject({ on_status: z.number().int().default(401), refresh_with: Key }).nullable().default(null),
  env: z.record(Key, z.string()).default({}),
  /** env keys the Talker may read (as `env.KEY`); every other env value stays invisible to it. */
  expose_env: z.array(Key).default([]),
  views: z.record(Key, z.string()).default({}),
  knowledge_base: z.string().default(''),
  initial: Ref.nullable().default(null),
});
export type PlaybookSpec = z.infer<typeof PlaybookSchema>;
export type PlaybookInput = z.input<typeof PlaybookSchema>;
