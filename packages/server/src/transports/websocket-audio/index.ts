export { AudioGateway, type AudioGatewayDeps } from './audio-gateway.js';
export { WebSocketAudioTransport, type AudioTransportOptions } from './audio-transport.js';
export { AUDIO_SAMPLE_RATES_HZ, DEFAULT_AUDIO_SAMPLE_RATE_HZ, MAX_AUDIO_FRAME_MS, checkAudioFrame, parseSampleRate } from './audio-frames.js';
export { resolveVoice, DEFAULT_VOICE_PROFILE, type VoiceSettings } from './voice-setup.js';
