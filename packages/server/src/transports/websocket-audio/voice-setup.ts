import type { Endpointing, Pipe, ProviderStep, VoiceProfile } from '@unpod/protocol';
import type { CallRecord } from '../../control/store/repos/calls.js';
import type { Store } from '../../control/store/store.js';
import type { IdleOptions } from '../../pipeline/idle-monitor.js';
import type { VoiceEngines } from '../../pipeline/voice-pipeline.js';
import { CallSpeech, SpeechError, nodeBreakers, type BreakerBoard, type SpeechRegistry, type SttAdapter, type TtsAdapter } from '../../speech/index.js';

/** The profile a call without a pipe speaks with. */
export const DEFAULT_VOICE_PROFILE = 'VP_embedded_en';

const DEFAULT_ENDPOINTING: Endpointing = { silence_ms: 600, max_turn_s: 30, barge_in: true, barge_in_min_ms: 250 };
const DEFAULT_IDLE: IdleOptions = { silenceTimeoutMs: 8000, idleTimeoutMs: 30_000 };

/** Everything a call's voice pipeline takes from its pipe and voice profile. */
export interface VoiceSettings {
  profileId: string;
  /** The pipeline's engines: the call's failover chains (see `speech/failover`). */
  engines: VoiceEngines;
  /** The call's chains, usage meter and failover events. */
  speech: CallSpeech;
  /** The adapters of the chains usable on this node, in chain order. */
  adapters: { stt: SttAdapter[]; tts: TtsAdapter[] };
  endpointing: Endpointing;
  idle: IdleOptions;
  recording: boolean;
}

/** Options of {@link resolveVoice}. */
export interface ResolveVoiceOptions {
  /** Circuit breakers shared by the calls of this node (default: the process's board). */
  breakers?: BreakerBoard | undefined;
}

/**
 * Resolves a call's voice: its pipe's voice profile (the embedded English one without a pipe),
 * each chain's steps whose provider this node has (cloud steps are skipped while no adapter for
 * them is registered) wrapped in the profile's failover settings, and the pipe's turn-taking,
 * idle and recording settings. A profile with no usable step in a chain fails with `unsupported`.
 */
export async function resolveVoice(
  store: Store,
  registry: SpeechRegistry,
  call: CallRecord,
  pipe: Pipe | undefined,
  options: ResolveVoiceOptions = {},
): Promise<VoiceSettings> {
  const wanted = pipe?.voice_profile ?? DEFAULT_VOICE_PROFILE;
  const profile = (await store.voiceProfiles.get(call.space_id, wanted)) ?? (await store.voiceProfiles.get(call.space_id, DEFAULT_VOICE_PROFILE));
  if (!profile) throw new SpeechError('unsupported', `voice profile "${wanted}" does not exist`);
  const sttSteps = usable(profile.stt_chain, registry.providers('stt'), profile, 'speech-to-text');
  const ttsSteps = usable(profile.tts_chain, registry.providers('tts'), profile, 'text-to-speech');
  const stt = links(sttSteps, (step) => registry.stt(step));
  const tts = links(ttsSteps, (step) => registry.tts(step));
  const speech = new CallSpeech({ stt, tts }, profile.failover, options.breakers ?? nodeBreakers);
  const firstStt = stt[0]!.step;
  const firstTts = tts[0]!.step;
  const vadName = firstStt.options['vad'];
  return {
    profileId: profile.id,
    engines: {
      stt: speech.stt,
      sttLanguage: firstStt.language ?? profile.language,
      tts: speech.tts,
      ttsVoice: firstTts.voice,
      ttsLanguage: firstTts.language ?? profile.language,
      vad: vadName === 'silero' ? registry.vad('silero') : undefined,
    },
    speech,
    adapters: { stt: stt.map((l) => l.adapter), tts: tts.map((l) => l.adapter) },
    endpointing: pipe?.endpointing ?? DEFAULT_ENDPOINTING,
    idle: pipe ? { silenceTimeoutMs: pipe.silence_timeout_s * 1000, idleTimeoutMs: pipe.idle_timeout_s * 1000 } : DEFAULT_IDLE,
    recording: pipe?.recording ?? false,
  };
}

/**
 * Adapters for `steps`, skipping steps whose adapter cannot be built (a vendor without a key):
 * the rest of the chain still serves the call. Fails with the first step's error when none can.
 */
function links<A>(steps: readonly ProviderStep[], make: (step: ProviderStep) => A): Array<{ step: ProviderStep; adapter: A }> {
  const out: Array<{ step: ProviderStep; adapter: A }> = [];
  let firstError: unknown;
  for (const step of steps) {
    try {
      out.push({ step, adapter: make(step) });
    } catch (err) {
      firstError ??= err;
    }
  }
  if (out.length === 0) throw firstError;
  return out;
}

/** The steps of `chain` this node can serve, in order; `unsupported` when there are none. */
function usable(chain: readonly ProviderStep[], available: readonly string[], profile: VoiceProfile, what: string): ProviderStep[] {
  const steps = chain.filter((s) => available.includes(s.provider));
  if (steps.length === 0) {
    const wanted = chain.map((s) => s.provider).join(', ');
    throw new SpeechError('unsupported', `voice profile ${profile.id}: no ${what} provider of its chain (${wanted}) is available on this node`);
  }
  return steps;
}
