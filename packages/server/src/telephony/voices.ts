import type { Pipe } from '@unpod/protocol';
import type { CallRecord } from '../control/store/repos/calls.js';
import type { Store } from '../control/store/store.js';
import type { Logger } from '../logger.js';
import { recordingTarget, type RecordingStore } from '../ops/recordings/index.js';
import { PocketsphinxStt, type SpeechRegistry } from '../speech/index.js';
import { MediaOnlyVoice } from '../transports/sip/media-only-voice.js';
import { PipelineVoice } from '../transports/sip/pipeline-voice.js';
import type { CallVoice, CallVoiceContext } from '../transports/sip/voice.js';
import { resolveVoice } from '../transports/websocket-audio/voice-setup.js';

export interface VoiceFactoryDeps {
  store: Store;
  registry: SpeechRegistry;
  logger: Logger;
  /** Where call recordings are written and kept. */
  recordings: RecordingStore;
  mode: 'pipeline' | 'media-only';
}

/**
 * Builds each SIP call's voice from its pipe's voice profile: the speech pipeline, or the
 * media-only voice of the benchmark profile. The first pipeline call pre-loads speech recognition.
 */
export function voiceFactory(deps: VoiceFactoryDeps): (call: CallRecord, pipe: Pipe | undefined, context: CallVoiceContext) => Promise<CallVoice> {
  let warmed = false;
  return async (call, pipe, context) => {
    const settings = await resolveVoice(deps.store, deps.registry, call, pipe);
    const { engines } = settings;
    if (deps.mode === 'media-only') return new MediaOnlyVoice(context, { tts: engines.tts, voice: engines.ttsVoice, language: engines.ttsLanguage });
    const pocketsphinx = settings.adapters.stt.find((a) => a instanceof PocketsphinxStt);
    if (!warmed && pocketsphinx !== undefined) {
      warmed = true;
      void pocketsphinx.warm().catch((err: unknown) => deps.logger.warn({ err }, 'pre-loading speech recognition failed'));
    }
    const target = await recordingTarget(deps.recordings, call.id, (id, key) => deps.store.calls.setRecordingPath(id, key), deps.logger);
    return PipelineVoice.create({
      ...context,
      logger: deps.logger,
      settings,
      recordingPath: target.recordingPath,
      saveRecording: target.saveRecording,
    });
  };
}
