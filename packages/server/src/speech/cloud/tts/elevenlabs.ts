import type { PcmChunk } from '../../contracts/audio.js';
import { type SpeechError } from '../../contracts/errors.js';
import type { TtsCapabilities, TtsSegmentContext, TtsVoice } from '../../contracts/tts.js';
import { CloudTtsAdapter, type CloudTtsOptions } from './cloud-tts-adapter.js';
import { malformed, statusError } from './errors.js';
import { decodeBase64Audio, Pcm16Assembler } from './pcm.js';
import { earlyCloseError, openVendorSocket } from './ws.js';

const RATES_HZ = [8000, 16_000, 22_050, 24_000, 44_100, 48_000];

const VOICES: [string, 'female' | 'male'][] = [
  ['21m00Tcm4TlvDq8ikWAM', 'female'],
  ['EXAVITQu4vr4xnSDxMaL', 'female'],
  ['pNInz6obpgDQGcFmaJgB', 'male'],
  ['JBFqnCBsd6RMkjVDRZzb', 'male'],
];

/** Options of {@link ElevenLabsTts}. */
export interface ElevenLabsTtsOptions extends CloudTtsOptions {
  /** `eleven_flash_v2_5` (default), `eleven_turbo_v2_5`, `eleven_multilingual_v2`. */
  model?: string | undefined;
  /** Sent in the first message (`stability`, `similarity_boost`, `speed`...). */
  voiceSettings?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * ElevenLabs input-streaming WebSocket (`/v1/text-to-speech/{voice_id}/stream-input`, key in the
 * `xi-api-key` header). One socket per segment: a `" "` first message, the text, then `""` to end
 * input; base64 PCM arrives in `audio` fields until a message with `isFinal: true`.
 */
export class ElevenLabsTts extends CloudTtsAdapter {
  readonly provider = 'elevenlabs';
  readonly capabilities: TtsCapabilities = {
    streaming: true,
    segmentation: 'none',
    nativeSampleRatesHz: RATES_HZ,
    voices: VOICES.map(([id, gender]): TtsVoice => ({ id, language: 'en', gender, sampleRateHz: 16_000 })),
    languages: ['en', 'es', 'fr', 'de', 'it', 'pt', 'pl', 'hi', 'ja', 'ko', 'zh', 'ar', 'nl', 'tr', 'ru'],
  };
  private readonly model: string;
  private readonly voiceSettings: Readonly<Record<string, unknown>> | undefined;

  constructor(options: ElevenLabsTtsOptions) {
    super('elevenlabs', 'wss://api.elevenlabs.io', { ...options, defaultVoice: options.defaultVoice ?? '21m00Tcm4TlvDq8ikWAM' });
    this.model = options.model ?? 'eleven_flash_v2_5';
    this.voiceSettings = options.voiceSettings;
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    const rate = this.pickSampleRate(context.requestedSampleRateHz);
    const socket = await openVendorSocket({
      provider: this.provider,
      url: this.endpoint(`/v1/text-to-speech/${encodeURIComponent(context.voice.id)}/stream-input`, { model_id: this.model, output_format: `pcm_${rate}` }, 'ws'),
      headers: { 'xi-api-key': this.apiKey() },
      signal: context.signal,
    });
    try {
      socket.send(this.voiceSettings === undefined ? { text: ' ' } : { text: ' ', voice_settings: this.voiceSettings });
      socket.send({ text: `${text} `, flush: true });
      socket.send({ text: '' });
      const assembler = new Pcm16Assembler();
      for await (const message of socket.messages) {
        if (typeof message['error'] === 'string' || (message['audio'] === undefined && typeof message['message'] === 'string')) {
          throw vendorError(this.provider, message);
        }
        const audio = message['audio'];
        if (audio !== undefined && audio !== null) {
          const samples = assembler.push(decodeBase64Audio(audio, this.provider, 'audio'));
          if (samples.length > 0) yield { samples, sampleRateHz: rate };
        }
        if (message['isFinal'] === true) return;
        if (audio === undefined && message['isFinal'] === undefined) throw malformed(this.provider, 'message has neither audio nor isFinal');
      }
      throw earlyCloseError(this.provider, socket.closeInfo);
    } finally {
      socket.close();
    }
  }
}

function vendorError(provider: string, message: Record<string, unknown>): SpeechError {
  const text = [message['error'], message['message']].filter((v) => typeof v === 'string').join(': ');
  const code = message['code'];
  if (typeof code === 'number' && code >= 400 && code < 600) return statusError(provider, code, text);
  if (/api.?key|unauthori[sz]ed|auth/i.test(text)) return statusError(provider, 401, text);
  if (/quota|rate.?limit|too many|concurren/i.test(text)) return statusError(provider, 429, text);
  return statusError(provider, 400, text);
}
