import { sendJson, type HttpExchange } from './http-fake.js';
import { ScriptedHttpVendor } from './scripted-http-vendor.js';

/** The `config` of a recognize request as the fake received it. */
export type GoogleRecognitionConfig = Record<string, unknown>;

const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

/**
 * A local server speaking Google Cloud Speech-to-Text v1 REST `POST /v1/speech:recognize`:
 * `{ config: { encoding, sampleRateHertz, languageCode, ... }, audio: { content } }` with an API
 * key in `key=` or an OAuth token as `Authorization: Bearer`. A wrong API key is HTTP 400
 * `INVALID_ARGUMENT` ("API key not valid"), a wrong token 401 `UNAUTHENTICATED`; errors are
 * `{ error: { code, message, status } }`. The answer is `{ results: [{ alternatives: [{
 * transcript, confidence, words }], resultEndTime, languageCode }], totalBilledTime }`, or `{}`
 * when the scripted transcript is empty (no speech).
 */
export class FakeGoogleStt extends ScriptedHttpVendor<string> {
  readonly configs: GoogleRecognitionConfig[] = [];

  private constructor(apiKey: string) {
    super(apiKey, 'hello from google');
  }

  static start(options: { apiKey?: string } = {}): Promise<FakeGoogleStt> {
    return new FakeGoogleStt(options.apiKey ?? 'AIza-google-test').listen();
  }

  protected handle({ req, res, body, url, behaviour, record }: HttpExchange): void {
    const error = (code: number, message: string): void => sendJson(res, code, { error: { code, message, status: STATUS[code] ?? 'UNKNOWN' } });
    if (req.method !== 'POST' || url.pathname !== '/v1/speech:recognize') return error(404, 'Not found');
    const key = url.searchParams.get('key');
    const bearer = req.headers.authorization;
    if (bearer !== undefined) {
      if (bearer !== `Bearer ${this.apiKey}`) return error(401, 'Request had invalid authentication credentials.');
    } else if (key !== this.apiKey) {
      return error(400, 'API key not valid. Please pass a valid API key.');
    }
    if (behaviour.mode === 'http-error') return error(behaviour.status, 'Scripted failure.');
    let request: { config?: Record<string, unknown>; audio?: { content?: unknown } };
    try {
      request = JSON.parse(body.toString('utf8')) as typeof request;
    } catch {
      return error(400, 'Invalid JSON payload received.');
    }
    const config = request.config;
    if (config === undefined || typeof config['languageCode'] !== 'string') return error(400, 'Invalid recognition \'config\': language_code is required.');
    if (config['encoding'] !== 'LINEAR16' || typeof config['sampleRateHertz'] !== 'number') return error(400, 'Invalid recognition \'config\': bad encoding or sample rate.');
    if (typeof request.audio?.content !== 'string') return error(400, 'RecognitionAudio not set.');
    const pcm = Buffer.from(request.audio.content, 'base64');
    record.audioBytes = pcm.length;
    record.sampleRateHz = config['sampleRateHertz'];
    this.configs.push(config);
    if (behaviour.mode === 'close-mid-stream') return void res.socket?.destroy();
    if (behaviour.mode === 'garbage') return sendJson(res, 200, { results: 'none' });
    const text = this.script.next();
    if (text === '') return sendJson(res, 200, {});
    const seconds = pcm.length / 2 / config['sampleRateHertz'];
    const words = text.split(/\s+/);
    const per = seconds / words.length;
    sendJson(res, 200, {
      results: [
        {
          alternatives: [
            {
              transcript: text,
              confidence: 0.91,
              words: words.map((word, i) => ({ startTime: `${(i * per).toFixed(3)}s`, endTime: `${((i + 1) * per).toFixed(3)}s`, word })),
            },
          ],
          resultEndTime: `${seconds.toFixed(3)}s`,
          languageCode: config['languageCode'].toLowerCase(),
        },
      ],
      totalBilledTime: `${Math.ceil(seconds)}s`,
      requestId: String(this.http.requests.length),
    });
  }
}
