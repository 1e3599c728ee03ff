import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeTtsVendor, type FakeTtsVendorOptions } from './fake-vendor.js';
import { streamRawPcm } from './raw-stream.js';
import { sendJson } from './reply.js';

const RATES_HZ = [8000, 16_000, 24_000, 32_000, 48_000];

/**
 * Deepgram Aura as documented for `POST /v1/speak?model=…&encoding=linear16&sample_rate=…`:
 * `Authorization: Token <key>`, JSON body `{ "text": … }`, audio streamed as it renders. Errors are
 * `{ err_code, err_msg, request_id }`. Only `encoding=linear16` with `container=none` is spoken
 * (linear16 otherwise defaults to a WAV container).
 */
export class FakeDeepgramTts extends FakeTtsVendor {
  static start(options: FakeTtsVendorOptions = {}): Promise<FakeDeepgramTts> {
    return new FakeDeepgramTts(options).listen();
  }

  protected async handleHttp(req: IncomingMessage, url: URL, body: string, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || url.pathname !== '/v1/speak') return error(res, 404, 'NOT_FOUND', 'Not found');
    if (this.badKey(req.headers.authorization?.replace(/^Token /, ''))) return error(res, 401, 'INVALID_AUTH', 'Invalid credentials.');
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return error(res, 400, 'INVALID_QUERY_PARAMETER', 'Could not parse the request body');
    }
    const live = this.begin(req, url, parsed);
    const failure = live.plan.failure;
    if (failure?.kind === 'status') {
      live.settle('failed');
      return error(res, failure.status, failure.status === 429 ? 'TOO_MANY_REQUESTS' : 'INTERNAL_SERVER_ERROR', failure.message ?? 'injected failure');
    }
    const rate = Number(url.searchParams.get('sample_rate') ?? '24000');
    const problem =
      typeof parsed['text'] !== 'string' || parsed['text'].length === 0
        ? 'text is required'
        : url.searchParams.get('encoding') !== 'linear16'
          ? 'this fake only renders encoding=linear16'
          : url.searchParams.get('container') !== 'none'
            ? 'this fake only renders container=none'
            : !RATES_HZ.includes(rate)
              ? `sample_rate ${rate} is not valid for linear16`
              : null;
    if (problem !== null) {
      live.settle('failed');
      return error(res, 400, 'INVALID_QUERY_PARAMETER', problem);
    }
    const samples = await this.render(live, parsed['text'] as string, rate);
    await streamRawPcm({ live, req, res, samples, sampleRateHz: rate, chunkMs: this.chunkMs, contentType: 'audio/l16', waitForRelease: (g) => this.waitForRelease(g) });
  }
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { err_code: code, err_msg: message, request_id: '00000000-0000-0000-0000-000000000000' });
}
