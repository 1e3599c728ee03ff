/**
 * Local fakes of the cloud speech vendors, each speaking the vendor's documented wire protocol
 * with scripted transcripts and a `behave()` switch for failures (see `behaviour.ts`).
 */
export { BehaviourState, readPcmWav, type VendorBehaviour, type VendorRequest } from './behaviour.js';
export { FakeDeepgram, type DeepgramConnection, type DeepgramUtterance } from './deepgram.js';
export { FakeOpenAiStt, type OpenAiTranscriptionRequest } from './openai-stt.js';
export { FakeGoogleStt, type GoogleRecognitionConfig } from './google-stt.js';
export { FakeAzureStt, type AzureUtterance } from './azure-stt.js';
export { FakeGoogleSttGrpc, type GoogleGrpcBehaviour, type GoogleStreamingConfig } from './google-stt-grpc.js';
export { FakeOpenAiRealtimeStt, type OpenAiRealtimeConnection } from './openai-realtime-stt.js';
