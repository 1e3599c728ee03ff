import { randomUUID } from 'node:crypto';
import type { PcmChunk } from '../../contracts/audio.js';
import type { TtsCapabilities, TtsSegmentContext, TtsVoice } from '../../contracts/tts.js';
import { CloudTtsAdapter, type CloudTtsOptions } from './cloud-tts-adapter.js';
import { malformed, statusError } from './errors.js';
import { decodeBase64Audio, Pcm16Assembler } from './pcm.js';
import { earlyCloseError, openVendorSocket } from './ws.js';

const RATES_HZ = [8000, 16_000, 22_050, 24_000, 44_100, 48_000];

/** API version sent in `Cartesia-Version`. */
export const CARTESIA_VERSION = '2025-04-16';

const VOICES: [string, 'female' | 'male'][] = [
  ['a0e99841-438c-4a64-b679-ae501e7d6091', 'male'],
  ['6ccbfb76-1fc6-48f7-b71d-91ac6298247b', 'female'],
  ['f786b574-daa5-4673-aa0c-cbe3e8534c02', 'female'],
];

/** Options of {@link CartesiaTts}. */
export interface CartesiaTtsOptions extends CloudTtsOptions {
  /** `sonic-2` (default), `sonic-turbo`, `sonic-3`... */
  model?: string | undefined;
}

/**
 * Cartesia Sonic over its WebSocket (`/tts/websocket`, `X-API-Key` and `Cartesia-Version`
 * headers). One socket and one `context_id` per segment; audio comes as base64 raw `pcm_s16le` in
 * `chunk` messages until `done`; an `error` message carries a status code. Cancelling sends
 * `{ context_id, cancel: true }` before closing.
 */
export class CartesiaTts extends CloudTtsAdapter {
  readonly provider = 'cartesia';
  readonly capabilities: TtsCapabilities = {
    streaming: true,
    segmentation: 'none',
    nativeSampleRatesHz: RATES_HZ,
    voices: VOICES.map(([id, gender]): TtsVoice => ({ id, language: 'en', gender, sampleRateHz: 16_000 })),
    languages: ['en', 'es', 'fr', 'de', 'pt', 'zh', 'ja', 'hi', 'it', 'ko', 'nl', 'pl', 'ru', 'sv', 'tr'],
  };
  private readonly model: string;

  constructor(options: CartesiaTtsOptions) {
    super('cartesia', 'wss://api.cartesia.ai', { ...options, defaultVoice: options.defaultVoice ?? 'a0e99841-438c-4a64-b679-ae501e7d6091' });
    this.model = options.model ?? 'sonic-2';
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    const rate = this.pickSampleRate(context.requestedSampleRateHz);
    const contextId = randomUUID();
    const socket = await openVendorSocket({
      provider: this.provider,
      url: this.endpoint('/tts/websocket', {}, 'ws'),
      headers: { 'x-api-key': this.apiKey(), 'cartesia-version': CARTESIA_VERSION },
      signal: context.signal,
      cancelMessage: () => ({ context_id: contextId, cancel: true }),
    });
    let done = false;
    try {
      socket.send({
        model_id: this.model,
        transcript: text,
        voice: { mode: 'id', id: context.voice.id },
        language: context.language.split('-')[0]!.toLowerCase(),
        context_id: contextId,
        output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: rate },
        continue: false,
      });
      const assembler = new Pcm16Assembler();
      for await (const message of socket.messages) {
        if (message['context_id'] !== undefined && message['context_id'] !== contextId) continue;
        switch (message['type']) {
          case 'chunk': {
            const samples = assembler.push(decodeBase64Audio(message['data'], this.provider, 'chunk data'));
            if (samples.length > 0) yield { samples, sampleRateHz: rate };
            break;
          }
          case 'done':
            done = true;
            return;
          case 'error': {
            done = true;
            const status = typeof message['status_code'] === 'number' ? message['status_code'] : 500;
            const detail = [message['title'], message['message'], message['error']].filter((v) => typeof v === 'string').join(': ');
            throw statusError(this.provider, status, detail);
          }
          case 'timestamps':
          case 'phoneme_timestamps':
          case 'flush_done':
            break;
          default:
            throw malformed(this.provider, `unknown message type ${JSON.stringify(message['type'])?.slice(0, 40) ?? 'undefined'}`);
        }
      }
      throw earlyCloseError(this.provider, socket.closeInfo);
    } finally {
      if (!done) socket.send({ context_id: contextId, cancel: true });
      socket.close();
    }
  }
}
