import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeTtsVendor, type FakeTtsVendorOptions } from './fake-vendor.js';
import { streamRawPcm } from './raw-stream.js';
import { sendJson } from './reply.js';

/**
 * OpenAI speech as documented for `POST /v1/audio/speech`: bearer key, JSON body with `model`,
 * `input`, `voice`, `response_format`; with `response_format: "pcm"` the body is raw 24 kHz 16-bit
 * LE mono, streamed. Errors are `{ error: { message, type, param, code } }`. Only `pcm` is spoken.
 */
export class FakeOpenAiTts extends FakeTtsVendor {
  static start(options: FakeTtsVendorOptions = {}): Promise<FakeOpenAiTts> {
    return new FakeOpenAiTts(options).listen();
  }

  protected async handleHttp(req: IncomingMessage, url: URL, body: string, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || url.pathname !== '/v1/audio/speech') return error(res, 404, 'Not found', 'invalid_request_error');
    if (this.badKey(req.headers.authorization?.replace(/^Bearer /, ''))) return error(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return error(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
    }
    const live = this.begin(req, url, parsed);
    const failure = live.plan.failure;
    if (failure?.kind === 'status') {
      live.settle('failed');
      return error(res, failure.status, failure.message ?? 'injected failure', failure.status === 429 ? 'rate_limit_exceeded' : 'server_error');
    }
    for (const field of ['model', 'input', 'voice']) {
      if (typeof parsed[field] !== 'string' || (parsed[field] as string).length === 0) {
        live.settle('failed');
        return error(res, 400, `Missing required parameter: '${field}'.`, 'invalid_request_error');
      }
    }
    if (parsed['response_format'] !== 'pcm') {
      live.settle('failed');
      return error(res, 400, 'this fake only renders response_format "pcm"', 'invalid_request_error');
    }
    const samples = await this.render(live, parsed['input'] as string, 24_000);
    await streamRawPcm({ live, req, res, samples, sampleRateHz: 24_000, chunkMs: this.chunkMs, contentType: 'audio/pcm', waitForRelease: (g) => this.waitForRelease(g) });
  }
}

function error(res: ServerResponse, status: number, message: string, type: string, code: string | null = null): void {
  sendJson(res, status, { error: { message, type, param: null, code } });
}
