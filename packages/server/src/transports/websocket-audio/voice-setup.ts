import type { Endpointing, Pipe, ProviderStep, VoiceProfile } from '@unpod/protocol';
import type { CallRecord } from '../../control/store/repos/calls.js';
import type { Store } from '../../control/store/store.js';
import type { IdleOptions } from '../../pipeline/idle-monitor.js';
import type { VoiceEngines } from '../../pipeline/voice-pipeline.js';
import { SpeechError, type SpeechRegistry } from '../../speech/index.js';

/** The profile a call without a pipe speaks with. */
export const DEFAULT_VOICE_PROFILE = 'VP_embedded_en';

const DEFAULT_ENDPOINTING: Endpointing = { silence_ms: 600, max_turn_s: 30, barge_in: true, barge_in_min_ms: 250 };
const DEFAULT_IDLE: IdleOptions = { silenceTimeoutMs: 8000, idleTimeoutMs: 30_000 };

/** Everything a call's voice pipeline takes from its pipe and voice profile. */
export interface VoiceSettings {
  profileId: string;
  engines: VoiceEngines;
  endpointing: Endpointing;
  idle: IdleOptions;
  recording: boolean;
  /** The pipe's speech hints, used for every turn the runner gives none of its own. */
  sttHints: readonly string[] | undefined;
}

/**
 * Resolves a call's voice: its pipe's voice profile (the embedded English one without a pipe),
 * the first step of each chain whose provider this node can serve for the call's space (cloud
 * steps are skipped when no adapter is registered or no credential resolves, in the space or the
 * server's env), and the pipe's turn-taking, idle and recording settings.
 * A profile with no usable step fails with `unsupported`.
 */
export async function resolveVoice(store: Store, registry: SpeechRegistry, call: CallRecord, pipe: Pipe | undefined): Promise<VoiceSettings> {
  const wanted = pipe?.voice_profile ?? DEFAULT_VOICE_PROFILE;
  const profile = (await store.voiceProfiles.get(call.space_id, wanted)) ?? (await store.voiceProfiles.get(call.space_id, DEFAULT_VOICE_PROFILE));
  if (!profile) throw new SpeechError('unsupported', `voice profile "${wanted}" does not exist`);
  const scope = { spaceId: call.space_id };
  const sttStep = await usable(profile.stt_chain, (p) => registry.canServe('stt', p, scope), profile, 'speech-to-text');
  const ttsStep = await usable(profile.tts_chain, (p) => registry.canServe('tts', p, scope), profile, 'text-to-speech');
  const vadName = sttStep.options['vad'];
  return {
    profileId: profile.id,
    engines: {
      stt: await registry.sttFor(sttStep, scope),
      sttLanguage: sttStep.language ?? profile.language,
      tts: await registry.ttsFor(ttsStep, scope),
      ttsVoice: ttsStep.voice,
      ttsLanguage: ttsStep.language ?? profile.language,
      vad: vadName === 'silero' ? registry.vad('silero') : undefined,
    },
    endpointing: pipe?.endpointing ?? DEFAULT_ENDPOINTING,
    idle: pipe ? { silenceTimeoutMs: pipe.silence_timeout_s * 1000, idleTimeoutMs: pipe.idle_timeout_s * 1000 } : DEFAULT_IDLE,
    recording: pipe?.recording ?? false,
    sttHints: pipe?.stt_hints ?? undefined,
  };
}

async function usable(chain: readonly ProviderStep[], canServe: (provider: string) => Promise<boolean>, profile: VoiceProfile, what: string): Promise<ProviderStep> {
  let step: ProviderStep | undefined;
  for (const candidate of chain) {
    if (await canServe(candidate.provider)) {
      step = candidate;
      break;
    }
  }
  if (!step) {
    const wanted = chain.map((s) => s.provider).join(', ');
    throw new SpeechError('unsupported', `voice profile ${profile.id}: no ${what} provider of its chain (${wanted}) is available on this node (or has a credential)`);
  }
  return step;
}
