/**
 * Local fake TTS vendors speaking each vendor's documented wire protocol, with failure injection
 * (see {@link FakeTtsVendor} for the control API).
 */
export { pcmBytes, toneSpeech, wavFile, type FakeSpeech } from './audio.js';
export { FakeTtsVendor, type FakeTtsFailure, type FakeTtsOutcome, type FakeTtsRequest, type FakeTtsVendorOptions } from './fake-vendor.js';
export { FakeAzureTts } from './azure.js';
export { FakeCartesiaTts } from './cartesia.js';
export { FakeDeepgramTts } from './deepgram.js';
export { FakeElevenLabsTts } from './elevenlabs.js';
export { FakeGoogleTts } from './google.js';
export { FakeOpenAiTts } from './openai.js';
