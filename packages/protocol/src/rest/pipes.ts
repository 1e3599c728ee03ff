import { z } from 'zod';
import { E164, Timestamp } from './common.js';

/** Agent ids name the rendezvous between pipes, numbers and runners: keep them URL- and log-safe. */
export const AgentId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/, 'letters, digits and _ . : @ - only, starting with a letter or digit');

/** Turn-taking settings of a pipe. */
export const Endpointing = z.strictObject({
  /** Caller silence that ends a user turn. */
  silence_ms: z.number().int().min(100).max(5000).default(600),
  /** Hard cap on one user turn. */
  max_turn_s: z.number().int().min(1).max(300).default(30),
  /** Whether caller speech interrupts agent playout. */
  barge_in: z.boolean().default(true),
  /** Speech needed before it counts as a barge-in. */
  barge_in_min_ms: z.number().int().min(0).max(3000).default(250),
});
export type Endpointing = z.infer<typeof Endpointing>;

const ENDPOINTING_DEFAULTS: Endpointing = { silence_ms: 600, max_turn_s: 30, barge_in: true, barge_in_min_ms: 250 };

/**
 * PATCH form of `Endpointing`: every key optional and without defaults, so omitted keys keep their
 * stored values. (zod 4's `.partial()` keeps inner `.default()`s and would reset them.)
 */
const EndpointingPatch = z.strictObject({
  silence_ms: Endpointing.shape.silence_ms.unwrap().optional(),
  max_turn_s: Endpointing.shape.max_turn_s.unwrap().optional(),
  barge_in: Endpointing.shape.barge_in.unwrap().optional(),
  barge_in_min_ms: Endpointing.shape.barge_in_min_ms.unwrap().optional(),
});

/** A number prefix for the transfer allowlist: `+` and 1-15 digits. */
const E164Prefix = z.string().regex(/^\+\d{1,15}$/, 'must be `+` followed by digits');

/** A pipe binds a voice profile, an `agent_id` and call behaviour; numbers attach to it. */
export const Pipe = z.object({
  id: z.string(),
  name: z.string(),
  voice_profile: z.string(),
  agent_id: z.string(),
  greeting: z.string().nullable(),
  first_speaker: z.enum(['agent', 'user']),
  instructions: z.string().nullable(),
  recording: z.boolean(),
  max_call_duration_s: z.number().int(),
  idle_timeout_s: z.number().int(),
  silence_timeout_s: z.number().int(),
  endpointing: Endpointing,
  /** null = any number may be a transfer target; [] = none. Union with the prefixes. */
  transfer_allowed_numbers: z.array(z.string()).nullable(),
  transfer_allowed_prefixes: z.array(z.string()).nullable(),
  transfer_refusal_phrase: z.string(),
  /**
   * Phrases callers of this pipe are likely to say (menu options, names, yes/no). Engines that
   * support hints (pocketsphinx: decoded as a grammar first, open vocabulary when it fits poorly)
   * use them for every turn the runner does not give hints of its own. null = none.
   */
  stt_hints: z.array(z.string()).nullable(),
  /** E.164 numbers currently attached to this pipe. */
  numbers: z.array(z.string()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Pipe = z.infer<typeof Pipe>;

export const DEFAULT_TRANSFER_REFUSAL = "I'm sorry, I can't transfer you to that number.";

const pipeFields = {
  name: z.string().trim().min(1).max(100),
  /** A voice profile id or (case-insensitive) name; resolved to the id. */
  voice_profile: z.string().trim().min(1).max(100),
  agent_id: AgentId,
  greeting: z.string().max(2000).nullable(),
  first_speaker: z.enum(['agent', 'user']),
  instructions: z.string().max(20000).nullable(),
  recording: z.boolean(),
  max_call_duration_s: z.number().int().min(10).max(86400),
  idle_timeout_s: z.number().int().min(5).max(3600),
  silence_timeout_s: z.number().int().min(1).max(600),
  endpointing: Endpointing,
  transfer_allowed_numbers: z.array(E164).max(1000).nullable(),
  transfer_allowed_prefixes: z.array(E164Prefix).max(1000).nullable(),
  transfer_refusal_phrase: z.string().trim().min(1).max(500),
  stt_hints: z.array(z.string().trim().min(1).max(200)).max(500).nullable(),
};

export const PipeCreate = z.strictObject({
  name: pipeFields.name,
  voice_profile: pipeFields.voice_profile.default('VP_embedded_en'),
  agent_id: pipeFields.agent_id,
  greeting: pipeFields.greeting.default(null),
  first_speaker: pipeFields.first_speaker.default('agent'),
  instructions: pipeFields.instructions.default(null),
  recording: pipeFields.recording.default(false),
  max_call_duration_s: pipeFields.max_call_duration_s.default(3600),
  idle_timeout_s: pipeFields.idle_timeout_s.default(30),
  silence_timeout_s: pipeFields.silence_timeout_s.default(8),
  endpointing: pipeFields.endpointing.default(ENDPOINTING_DEFAULTS),
  transfer_allowed_numbers: pipeFields.transfer_allowed_numbers.default(null),
  transfer_allowed_prefixes: pipeFields.transfer_allowed_prefixes.default(null),
  transfer_refusal_phrase: pipeFields.transfer_refusal_phrase.default(DEFAULT_TRANSFER_REFUSAL),
  stt_hints: pipeFields.stt_hints.default(null),
});
export type PipeCreate = z.input<typeof PipeCreate>;

/** PATCH body: any subset of the create fields. */
export const PipeUpdate = z.strictObject({
  name: pipeFields.name.optional(),
  voice_profile: pipeFields.voice_profile.optional(),
  agent_id: pipeFields.agent_id.optional(),
  greeting: pipeFields.greeting.optional(),
  first_speaker: pipeFields.first_speaker.optional(),
  instructions: pipeFields.instructions.optional(),
  recording: pipeFields.recording.optional(),
  max_call_duration_s: pipeFields.max_call_duration_s.optional(),
  idle_timeout_s: pipeFields.idle_timeout_s.optional(),
  silence_timeout_s: pipeFields.silence_timeout_s.optional(),
  endpointing: EndpointingPatch.optional(),
  transfer_allowed_numbers: pipeFields.transfer_allowed_numbers.optional(),
  transfer_allowed_prefixes: pipeFields.transfer_allowed_prefixes.optional(),
  transfer_refusal_phrase: pipeFields.transfer_refusal_phrase.optional(),
  stt_hints: pipeFields.stt_hints.optional(),
});
export type PipeUpdate = z.input<typeof PipeUpdate>;

export const PipeListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
  agent_id: z.string().max(128).optional(),
});
export type PipeListQuery = z.infer<typeof PipeListQuery>;
