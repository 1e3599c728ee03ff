import type { ProviderStep } from '@unpod/protocol';
import type { VoiceProfilesTable } from './schema.js';
import type { VoiceProfilesRepo } from './repos/voice-profiles.js';

/**
 * The global voice-profile catalog, refreshed on every `unpod migrate` / boot. Embedded profiles
 * run offline with no keys; cloud profiles need the vendor key (env or per-space credentials).
 * Chains are ordered failover lists: the first healthy provider serves the call.
 */
interface SeedProfile {
  id: string;
  name: string;
  description: string;
  languages: string[];
  gender: 'female' | 'male' | 'neutral' | null;
  quality: 'embedded' | 'standard' | 'hd';
  offline: boolean;
  stt: ProviderStep[];
  tts: ProviderStep[];
  latency_ms: number;
  cost_per_min_usd: number;
  greeting?: string;
}

const step = (provider: string, model: string | null, voice: string | null = null, language: string | null = null, options: Record<string, unknown> = {}): ProviderStep => ({
  provider,
  model,
  voice,
  language,
  options,
});

// The energy VAD decides alone by default. Silero (`options.vad: 'silero'`, behind the energy
// gate) measured a 1.2 s barge-in reaction in the voice e2e test against 0.2 s for energy alone,
// so it is opt-in per profile (speech/README.md).
const POCKETSPHINX_EN = step('pocketsphinx', 'en-us', null, 'en-US');

export const SEED_PROFILES: SeedProfile[] = [
  {
    id: 'VP_embedded_en',
    name: 'Embedded English',
    description: 'Offline English: pocketsphinx STT, flite TTS (slt voice), espeak-ng as TTS fallback. No keys, no network.',
    languages: ['en', 'en-US'],
    gender: 'female',
    quality: 'embedded',
    offline: true,
    stt: [POCKETSPHINX_EN],
    tts: [step('flite', null, 'slt', 'en-US'), step('espeak-ng', null, 'en-us', 'en-US')],
    latency_ms: 400,
    cost_per_min_usd: 0,
  },
  {
    id: 'VP_embedded_en_male',
    name: 'Embedded English (male)',
    description: 'Offline English with the flite kal voice; espeak-ng as TTS fallback.',
    languages: ['en', 'en-US'],
    gender: 'male',
    quality: 'embedded',
    offline: true,
    stt: [POCKETSPHINX_EN],
    tts: [step('flite', null, 'kal', 'en-US'), step('espeak-ng', null, 'en-us', 'en-US')],
    latency_ms: 400,
    cost_per_min_usd: 0,
  },
  {
    id: 'VP_openai_alloy',
    name: 'Alloy',
    description: 'OpenAI transcription and OpenAI TTS (alloy); Deepgram and Cartesia as fallbacks.',
    languages: ['en', 'es', 'fr', 'de', 'hi', 'pt', 'it'],
    gender: 'neutral',
    quality: 'hd',
    offline: false,
    stt: [step('openai', 'gpt-4o-transcribe'), step('deepgram', 'nova-3')],
    tts: [step('openai', 'gpt-4o-mini-tts', 'alloy'), step('cartesia', 'sonic-2', 'a0e99841-438c-4a64-b679-ae501e7d6091')],
    latency_ms: 900,
    cost_per_min_usd: 0.09,
  },
  {
    id: 'VP_openai_nova',
    name: 'Nova',
    description: 'OpenAI transcription and OpenAI TTS (nova); Deepgram and flite as fallbacks.',
    languages: ['en', 'es', 'fr', 'de'],
    gender: 'female',
    quality: 'hd',
    offline: false,
    stt: [step('openai', 'gpt-4o-transcribe'), step('deepgram', 'nova-3')],
    tts: [step('openai', 'gpt-4o-mini-tts', 'nova'), step('flite', null, 'slt', 'en-US')],
    latency_ms: 900,
    cost_per_min_usd: 0.09,
  },
  {
    id: 'VP_deepgram_thalia',
    name: 'Thalia',
    description: 'Deepgram Nova-3 streaming STT and Deepgram Aura-2 TTS; embedded engines as fallback.',
    languages: ['en', 'en-US'],
    gender: 'female',
    quality: 'standard',
    offline: false,
    stt: [step('deepgram', 'nova-3', null, 'en-US'), POCKETSPHINX_EN],
    tts: [step('deepgram', 'aura-2-thalia-en'), step('flite', null, 'slt', 'en-US')],
    latency_ms: 500,
    cost_per_min_usd: 0.03,
  },
  {
    id: 'VP_elevenlabs_rachel',
    name: 'Rachel',
    description: 'Deepgram STT with ElevenLabs Flash v2.5 streaming TTS (Rachel); OpenAI TTS as fallback.',
    languages: ['en', 'es', 'fr', 'de', 'hi', 'it', 'pt'],
    gender: 'female',
    quality: 'hd',
    offline: false,
    stt: [step('deepgram', 'nova-3'), step('openai', 'gpt-4o-transcribe')],
    tts: [step('elevenlabs', 'eleven_flash_v2_5', '21m00Tcm4TlvDq8ikWAM'), step('openai', 'gpt-4o-mini-tts', 'shimmer')],
    latency_ms: 600,
    cost_per_min_usd: 0.12,
  },
  {
    id: 'VP_cartesia_sonic',
    name: 'Sonic',
    description: 'Deepgram STT with Cartesia Sonic streaming TTS; Deepgram Aura as fallback.',
    languages: ['en', 'es', 'fr', 'de', 'hi', 'ja', 'pt', 'zh'],
    gender: 'male',
    quality: 'hd',
    offline: false,
    stt: [step('deepgram', 'nova-3'), step('openai', 'gpt-4o-transcribe')],
    tts: [step('cartesia', 'sonic-2', 'a0e99841-438c-4a64-b679-ae501e7d6091'), step('deepgram', 'aura-2-thalia-en')],
    latency_ms: 450,
    cost_per_min_usd: 0.08,
  },
  {
    id: 'VP_google_en',
    name: 'Google Neural English',
    description: 'Google Speech-to-Text streaming and Google Neural2 TTS.',
    languages: ['en', 'en-US'],
    gender: 'female',
    quality: 'standard',
    offline: false,
    stt: [step('google', 'latest_long', null, 'en-US'), step('deepgram', 'nova-3')],
    tts: [step('google', null, 'en-US-Neural2-F', 'en-US'), step('flite', null, 'slt', 'en-US')],
    latency_ms: 700,
    cost_per_min_usd: 0.05,
  },
  {
    id: 'VP_azure_en',
    name: 'Azure Jenny',
    description: 'Azure Speech STT and Azure neural TTS (en-US-JennyNeural).',
    languages: ['en', 'en-US'],
    gender: 'female',
    quality: 'standard',
    offline: false,
    stt: [step('azure', null, null, 'en-US'), step('deepgram', 'nova-3')],
    tts: [step('azure', null, 'en-US-JennyNeural', 'en-US'), step('flite', null, 'slt', 'en-US')],
    latency_ms: 700,
    cost_per_min_usd: 0.05,
  },
  {
    id: 'VP_azure_hi',
    name: 'Azure Swara (Hindi)',
    description: 'Hindi: Azure Speech STT and Azure neural TTS (hi-IN-SwaraNeural); Google as fallback.',
    languages: ['hi', 'hi-IN', 'en'],
    gender: 'female',
    quality: 'standard',
    offline: false,
    stt: [step('azure', null, null, 'hi-IN'), step('google', 'latest_long', null, 'hi-IN')],
    tts: [step('azure', null, 'hi-IN-SwaraNeural', 'hi-IN'), step('google', null, 'hi-IN-Neural2-A', 'hi-IN')],
    latency_ms: 800,
    cost_per_min_usd: 0.05,
  },
];

const SEED_CREATED_AT = '2026-01-01T00:00:00.000Z';

function toRow(p: SeedProfile): VoiceProfilesTable {
  return {
    id: p.id,
    space_id: null,
    name: p.name,
    description: p.description,
    language: p.languages[0]!,
    languages: JSON.stringify(p.languages),
    gender: p.gender,
    quality: p.quality,
    offline: p.offline ? 1 : 0,
    stt_chain: JSON.stringify(p.stt),
    tts_chain: JSON.stringify(p.tts),
    latency_ms: p.latency_ms,
    cost_per_min_usd: p.cost_per_min_usd,
    greeting: p.greeting ?? null,
    failover: null,
    created_at: SEED_CREATED_AT,
  };
}

/** Insert or refresh the global catalog. */
export function seedVoiceProfiles(repo: VoiceProfilesRepo): Promise<void> {
  return repo.upsertGlobal(SEED_PROFILES.map(toRow));
}
