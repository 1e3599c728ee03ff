/**
 * The speech engine layer: adapter contracts (one abstract base per capability), the embedded
 * offline engines, and the registry that maps a voice profile's provider steps to adapters.
 */
export type { NarrowbandUpsampling, PcmChunk, ResamplerFactory, StreamResampler } from './contracts/audio.js';
export { SpeechError, isSpeechError, type SpeechErrorCode } from './contracts/errors.js';
export type { SpeechMetrics, SpeechMetricsSink, SttUtteranceMetrics, TtsSynthesisMetrics, VadStreamMetrics } from './contracts/metrics.js';
export { SttAdapter } from './contracts/stt-adapter.js';
export type { SttService, TtsService } from './contracts/service.js';
export type {
  SttAdapterOptions,
  SttCapabilities,
  SttEngineSession,
  SttEngineSink,
  SttEvent,
  SttFinalEvent,
  SttHints,
  SttPartialEvent,
  SttSessionContext,
  SttStream,
  SttStreamOptions,
  SttWord,
} from './contracts/stt.js';
export { TtsAdapter } from './contracts/tts-adapter.js';
export type { TtsAdapterOptions, TtsCapabilities, TtsChunk, TtsSegmentContext, TtsSynthesizeOptions, TtsVoice } from './contracts/tts.js';
export { VadAdapter } from './contracts/vad-adapter.js';
export type { VadAdapterOptions, VadCapabilities, VadEngineState, VadEvent, VadFrame, VadResult, VadStream, VadStreamOptions } from './contracts/vad.js';
export type { RetryPolicy } from './util/retry.js';
export { SentenceChunker, splitSentences } from './text/sentences.js';
export {
  SpeechRegistry,
  type ProviderRegistration,
  type SpeechFactoryContext,
  type SpeechScope,
  type SttFactory,
  type TtsFactory,
  type VadFactory,
} from './registry.js';
export { SpaceThenEnvCredentials, type CredentialResolver, type ResolvedCredential, type SpaceCredentialSource } from './credentials.js';
export { CLOUD_STT_PROVIDERS, registerCloudProviders, type CloudProviderDeps, type CloudSttProvider } from './cloud/index.js';
export { DeepgramStt, type DeepgramSttOptions } from './cloud/stt/deepgram.js';
export { OpenAiStt, type OpenAiSttOptions } from './cloud/stt/openai.js';
export { GoogleStt, type GoogleSttOptions } from './cloud/stt/google.js';
export { AzureStt, type AzureSttOptions } from './cloud/stt/azure.js';
export { createEmbeddedSpeechRegistry, type EmbeddedSpeechOptions } from './embedded.js';
export { createNodeSpeechRegistry, type NodeSpeechOptions } from './node-registry.js';
export { PocketsphinxStt, type PocketsphinxSttOptions } from './engines/pocketsphinx/pocketsphinx-stt.js';
export { FliteTts } from './engines/flite/flite-tts.js';
export { EspeakTts, type EspeakTtsOptions } from './engines/espeak/espeak-tts.js';
export { SileroVad, type SileroVadOptions } from './engines/silero/silero-vad.js';
export { EnergyVadAdapter, type EnergyVadAdapterOptions } from './engines/energy/energy-vad.js';
export {
  AzureTts,
  CartesiaTts,
  CloudTtsAdapter,
  DeepgramTts,
  ElevenLabsTts,
  GoogleTts,
  OpenAiTts,
  CLOUD_TTS_KEY_ENV,
  envKeyResolver,
  registerCloudTts,
  type CloudKeyResolver,
  type CloudTtsKey,
  type CloudTtsOptions,
} from './cloud/tts/index.js';
export { registerSherpaOnnx, SherpaOnnxStt, SherpaOnnxTts, type SherpaOnnxRegistration } from './local/sherpa/index.js';
export * from './failover/index.js';
export { applySpeechPlugins, loadSpeechPlugins, type SpeechPluginModule } from './plugins.js';
