import { readPcmWav } from './behaviour.js';
import { sendJson, type HttpExchange } from './http-fake.js';
import { ScriptedHttpVendor } from './scripted-http-vendor.js';

/**
 * A scripted short-audio answer: a transcript (`''` answers `NoMatch`), or an explicit
 * `RecognitionStatus` (`InitialSilenceTimeout`, `BabbleTimeout`, `Error`).
 */
export type AzureUtterance = string | { status: string };

/**
 * A local server speaking Azure AI Speech's REST API for short audio:
 * `POST /speech/recognition/conversation/cognitiveservices/v1?language=..&format=simple|detailed`
 * with `Ocp-Apim-Subscription-Key` (else 401) and
 * `Content-Type: audio/wav; codecs=audio/pcm; samplerate=16000` (other formats: 400). The answer
 * is `{ RecognitionStatus, Offset, Duration, DisplayText }` (simple) or `{ RecognitionStatus,
 * Offset, Duration, NBest: [{ Confidence, Lexical, ITN, MaskedITN, Display }] }` (detailed),
 * times in 100-ns ticks.
 */
export class FakeAzureStt extends ScriptedHttpVendor<AzureUtterance> {

  private constructor(apiKey: string) {
    super(apiKey, 'Hello from Azure.');
  }

  static start(options: { apiKey?: string } = {}): Promise<FakeAzureStt> {
    return new FakeAzureStt(options.apiKey ?? 'azure-test-key').listen();
  }

  protected handle({ req, res, body, url, behaviour, record }: HttpExchange): void {
    if (req.method !== 'POST' || url.pathname !== '/speech/recognition/conversation/cognitiveservices/v1') return void res.writeHead(404).end();
    if (req.headers['ocp-apim-subscription-key'] !== this.apiKey) {
      return sendJson(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } });
    }
    if (behaviour.mode === 'http-error') return void res.writeHead(behaviour.status).end();
    const language = url.searchParams.get('language');
    const type = req.headers['content-type'] ?? '';
    const wav = readPcmWav(new Uint8Array(body));
    if (!language || !/audio\/wav/.test(type) || !/samplerate=16000/.test(type) || wav === null || wav.sampleRateHz !== 16_000) {
      return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad request: language, audio/wav 16 kHz PCM required');
    }
    record.audioBytes = wav.dataBytes;
    record.sampleRateHz = wav.sampleRateHz;
    if (behaviour.mode === 'close-mid-stream') return void res.socket?.destroy();
    if (behaviour.mode === 'garbage') return sendJson(res, 200, { Status: 'ok' });
    const scripted = this.script.next();
    const ticks = Math.round((wav.dataBytes / 2 / 16_000) * 1e7);
    if (typeof scripted !== 'string' || scripted === '') {
      return sendJson(res, 200, { RecognitionStatus: typeof scripted === 'string' ? 'NoMatch' : scripted.status, Offset: 0, Duration: ticks });
    }
    if (url.searchParams.get('format') !== 'detailed') return sendJson(res, 200, { RecognitionStatus: 'Success', DisplayText: scripted, Offset: 0, Duration: ticks });
    const lexical = scripted.toLowerCase().replace(/[^\p{L}\p{N}'\s]/gu, '');
    sendJson(res, 200, {
      RecognitionStatus: 'Success',
      Offset: 0,
      Duration: ticks,
      NBest: [{ Confidence: 0.88, Lexical: lexical, ITN: lexical, MaskedITN: lexical, Display: scripted }],
    });
  }
}
