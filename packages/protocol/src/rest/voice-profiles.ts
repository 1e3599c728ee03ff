import { z } from 'zod';
import { Timestamp } from './common.js';

/** One provider in an ordered failover chain: the first healthy step serves the call. */
export const ProviderStep = z.object({
  provider: z.string().min(1),
  model: z.string().nullable().default(null),
  voice: z.string().nullable().default(null),
  language: z.string().nullable().default(null),
  options: z.record(z.string(), z.unknown()).default({}),
});
export type ProviderStep = z.infer<typeof ProviderStep>;

/**
 * How a profile's chains fail over (issue 8). Every field has a default, so profiles stored
 * before these settings existed keep working unchanged.
 */
export const FailoverSettings = z.object({
  /**
   * STT: a provider that returns no result for this long while caller audio keeps flowing is
   * replaced by the next step (only while a next step exists).
   */
  stall_timeout_ms: z.number().int().min(100).max(60_000).default(3000),
  /** STT: bound from the end of an utterance to its final before failing over (only while a next step exists). */
  final_timeout_ms: z.number().int().min(100).max(120_000).default(5000),
  /** TTS: bound from asking for a sentence to its first audio, and between audio chunks. */
  tts_timeout_ms: z.number().int().min(100).max(60_000).default(5000),
  /** Failures within `breaker_window_s` that open a provider's circuit breaker on this node. */
  breaker_failures: z.number().int().min(1).max(1000).default(3),
  breaker_window_s: z.number().int().min(1).max(86_400).default(60),
  /** How long an open breaker refuses a provider before one half-open probe is let through. */
  breaker_cooldown_s: z.number().int().min(1).max(86_400).default(30),
  /** After a failover a call stays on the fallback this long before trying earlier steps again (0: next utterance). */
  stay_on_fallback_s: z.number().int().min(0).max(86_400).default(300),
});
export type FailoverSettings = z.infer<typeof FailoverSettings>;

/** A voice profile: how a call hears (STT chain) and speaks (TTS chain). Read-only catalog. */
export const VoiceProfile = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  /** Primary language, BCP-47 (`en`, `en-US`, `hi`). */
  language: z.string(),
  /** Every language the profile serves, primary first. */
  languages: z.array(z.string()),
  gender: z.enum(['female', 'male', 'neutral']).nullable(),
  quality: z.enum(['embedded', 'standard', 'hd']),
  /** True when both chains run on embedded engines with no network and no keys. */
  offline: z.boolean(),
  stt_chain: z.array(ProviderStep).min(1),
  tts_chain: z.array(ProviderStep).min(1),
  /** Expected p95 voice-to-voice contribution of STT + TTS, ms. */
  latency_ms: z.number().int().nonnegative(),
  cost_per_min_usd: z.number().nonnegative(),
  greeting: z.string().nullable(),
  /** Failover and circuit-breaker settings of both chains (defaults when the profile sets none). */
  failover: FailoverSettings.prefault({}),
  created_at: Timestamp,
});
export type VoiceProfile = z.infer<typeof VoiceProfile>;

export const VoiceProfileListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
  language: z.string().trim().min(2).max(35).optional(),
  offline: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
export type VoiceProfileListQuery = z.infer<typeof VoiceProfileListQuery>;
