import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeTtsVendor, type FakeTtsVendorOptions } from './fake-vendor.js';
import { streamRawPcm } from './raw-stream.js';

const FORMATS: Record<string, number> = {
  'raw-8khz-16bit-mono-pcm': 8000,
  'raw-16khz-16bit-mono-pcm': 16_000,
  'raw-24khz-16bit-mono-pcm': 24_000,
  'raw-48khz-16bit-mono-pcm': 48_000,
};

/**
 * Azure AI Speech text to speech REST as documented for `POST /cognitiveservices/v1`:
 * `Ocp-Apim-Subscription-Key`, `Content-Type: application/ssml+xml`, `X-Microsoft-OutputFormat`
 * and `User-Agent` headers, an SSML body naming the voice. Errors carry only a status (Azure sends
 * no body for most). Only the raw 16-bit mono PCM formats are spoken.
 */
export class FakeAzureTts extends FakeTtsVendor {
  static start(options: FakeTtsVendorOptions = {}): Promise<FakeAzureTts> {
    return new FakeAzureTts(options).listen();
  }

  protected async handleHttp(req: IncomingMessage, url: URL, body: string, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || url.pathname !== '/cognitiveservices/v1') return status(res, 404, '');
    if (this.badKey(req.headers['ocp-apim-subscription-key'])) return status(res, 401, 'Access denied due to invalid subscription key.');
    const live = this.begin(req, url, body);
    const failure = live.plan.failure;
    if (failure?.kind === 'status') {
      live.settle('failed');
      return status(res, failure.status, failure.message ?? '');
    }
    const format = String(req.headers['x-microsoft-outputformat'] ?? '');
    const rate = FORMATS[format];
    const voice = /<voice\s+name="([^"]+)"/.exec(body)?.[1];
    const text = /<voice[^>]*>([\s\S]*)<\/voice>/.exec(body)?.[1];
    const problem =
      !String(req.headers['content-type'] ?? '').startsWith('application/ssml+xml')
        ? 'content type must be application/ssml+xml'
        : rate === undefined
          ? `unsupported output format "${format}"`
          : voice === undefined || text === undefined || !body.startsWith('<speak')
            ? 'SSML must be <speak><voice name="…">text</voice></speak>'
            : req.headers['user-agent'] === undefined
              ? 'User-Agent is required'
              : null;
    if (problem !== null) {
      live.settle('failed');
      return status(res, 400, problem);
    }
    const plain = text!.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    const samples = await this.render(live, plain, rate!);
    await streamRawPcm({ live, req, res, samples, sampleRateHz: rate!, chunkMs: this.chunkMs, contentType: 'audio/x-wav', waitForRelease: (g) => this.waitForRelease(g) });
  }
}

function status(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'content-type': 'text/plain' });
  res.end(message);
}
