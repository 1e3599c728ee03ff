import type { IncomingMessage, ServerResponse } from 'node:http';
import { wavFile } from './audio.js';
import { FakeTtsVendor, type FakeTtsVendorOptions } from './fake-vendor.js';
import { sendJson } from './reply.js';

const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

/**
 * Google Cloud Text-to-Speech as documented for `POST /v1/text:synthesize`: API key in
 * `X-Goog-Api-Key` (or `?key=`), JSON `{ input: { text }, voice: { languageCode, name },
 * audioConfig: { audioEncoding, sampleRateHertz } }`, answered with `{ audioContent }` — base64
 * LINEAR16 including its WAV header. Errors are `{ error: { code, message, status } }`. Only
 * LINEAR16 is spoken. The response is one document, so `close_mid_stream` and `stall` cut or stop
 * it half way and a hold pauses half way.
 */
export class FakeGoogleTts extends FakeTtsVendor {
  static start(options: FakeTtsVendorOptions = {}): Promise<FakeGoogleTts> {
    return new FakeGoogleTts(options).listen();
  }

  protected async handleHttp(req: IncomingMessage, url: URL, body: string, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || url.pathname !== '/v1/text:synthesize') return error(res, 404, 'Not found');
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key');
    if (this.badKey(key)) return error(res, 403, 'API key not valid. Please pass a valid API key.');
    let parsed: { input?: { text?: unknown }; voice?: { languageCode?: unknown; name?: unknown }; audioConfig?: { audioEncoding?: unknown; sampleRateHertz?: unknown } };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return error(res, 400, 'Invalid JSON payload received.');
    }
    const live = this.begin(req, url, parsed);
    const failure = live.plan.failure;
    if (failure?.kind === 'status') {
      live.settle('failed');
      return error(res, failure.status, failure.message ?? 'injected failure');
    }
    const text = parsed.input?.text;
    const rate = typeof parsed.audioConfig?.sampleRateHertz === 'number' ? parsed.audioConfig.sampleRateHertz : 24_000;
    const problem =
      typeof text !== 'string' || text.length === 0
        ? 'input.text is required'
        : typeof parsed.voice?.languageCode !== 'string'
          ? 'voice.languageCode is required'
          : parsed.audioConfig?.audioEncoding !== 'LINEAR16'
            ? 'this fake only renders LINEAR16'
            : null;
    if (problem !== null) {
      live.settle('failed');
      return error(res, 400, problem);
    }
    const samples = await this.render(live, text as string, rate);
    if (failure?.kind === 'garbage') {
      live.settle('completed');
      return sendJson(res, 200, { audioContent: Buffer.from('this is not a wave file at all').toString('base64') });
    }
    const gone = new Promise<void>((resolve) => res.on('close', () => resolve()));
    void gone.then(() => live.settle(res.writableFinished ? 'completed' : 'client_aborted'));
    const document = JSON.stringify({ audioContent: wavFile(samples, rate).toString('base64') });
    const half = Math.floor(document.length / 2);
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.write(document.slice(0, half));
    live.record.chunksSent++;
    if (failure?.kind === 'close_mid_stream') {
      live.settle('failed');
      // Let the first half leave before dropping the connection.
      await new Promise<void>((resolve) => res.socket?.write('', () => resolve()) ?? resolve());
      res.socket?.destroy();
      return;
    }
    if (failure?.kind === 'stall') return void (await gone);
    if (live.plan.hold) await this.waitForRelease(gone);
    if (res.destroyed) return;
    res.end(document.slice(half));
    live.record.chunksSent++;
  }
}

function error(res: ServerResponse, code: number, message: string): void {
  sendJson(res, code, { error: { code, message, status: STATUS_NAMES[code] ?? 'UNKNOWN' } });
}
