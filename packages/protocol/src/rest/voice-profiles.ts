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
