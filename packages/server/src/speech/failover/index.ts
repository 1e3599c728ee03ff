/** Voice-profile failover: chains of STT/TTS adapters behind one adapter surface, circuit breakers, usage. */
export { BreakerBoard, CircuitBreaker, nodeBreakers, type BreakerPolicy, type BreakerState } from './breaker.js';
export { ChainPlanner } from './chain.js';
export { CallSpeech, type SpeechTurnInfo } from './call-speech.js';
export { FailoverStt } from './failover-stt.js';
export { FailoverSttStream } from './failover-stt-stream.js';
export { FailoverTts } from './failover-tts.js';
export { MalformedResultError, failoverOptions, type ChainLink, type FailoverContext, type FailoverEvent, type FailoverOptions, type FailoverReason } from './types.js';
export { UsageMeter, type ProviderUsage } from './usage.js';
