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
  /** The pipe's speech hints, used for every turn the runner gives none of its own. */
  sttHints: readonly string[] | undefined;
}

/** Options of {@link resolveVoice}. */
export interface ResolveVoiceOptions {
  /** Circuit breakers shared by the calls of this node (default: the process's board). */
  breakers?: BreakerBoard | undefined;
}

/**
 * Resolves a call's voice: its pipe's voice profile (the embedded English one without a pipe),
 * each chain's steps this node can serve for the call's space (cloud steps are skipped when no
 * adapter is registered or no credential resolves, in the space or the server's env) wrapped in
 * the profile's failover settings, and the pipe's turn-taking, idle and recording settings. A
 * profile with no usable step in a chain fails with `unsupported`.
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
  const scope = { spaceId: call.space_id };
  const sttSteps = await usable(profile.stt_chain, (p) => registry.canServe('stt', p, scope), profile, 'speech-to-text');
  const ttsSteps = await usable(profile.tts_chain, (p) => registry.canServe('tts', p, scope), profile, 'text-to-speech');
  const stt = await links(sttSteps, (step) => registry.sttFor(step, scope));
  const tts = await links(ttsSteps, (step) => registry.ttsFor(step, scope));
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
    sttHints: pipe?.stt_hints ?? undefined,
  };
}

/**
 * Adapters for `steps`, skipping steps whose adapter cannot be built (a credential that cannot be
 * read): the rest of the chain still serves the call. Fails with the first step's error when none can.
 */
async function links<A>(steps: readonly ProviderStep[], make: (step: ProviderStep) => Promise<A>): Promise<Array<{ step: ProviderStep; adapter: A }>> {
  const out: Array<{ step: ProviderStep; adapter: A }> = [];
  let firstError: unknown;
  for (const step of steps) {
    try {
      out.push({ step, adapter: await make(step) });
    } catch (err) {
      firstError ??= err;
    }
  }
  if (out.length === 0) throw firstError;
  return out;
}

/** The steps of `chain` this node can serve for the call, in order; `unsupported` when there are none. */
async function usable(chain: readonly ProviderStep[], canServe: (provider: string) => Promise<boolean>, profile: VoiceProfile, what: string): Promise<ProviderStep[]> {
  const steps: ProviderStep[] = [];
  for (const candidate of chain) if (await canServe(candidate.provider)) steps.push(candidate);
  if (steps.length === 0) {
    const wanted = chain.map((s) => s.provider).join(', ');
    throw new SpeechError('unsupported', `voice profile ${profile.id}: no ${what} provider of its chain (${wanted}) is available on this node (or has a credential)`);
  }
  return steps;
}
