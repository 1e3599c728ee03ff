import { readPcmWav } from './behaviour.js';
import { sendJson, type HttpExchange } from './http-fake.js';
import { ScriptedHttpVendor } from './scripted-http-vendor.js';

/** A transcription request as the fake parsed it. */
export interface OpenAiTranscriptionRequest {
  model: string;
  language: string | null;
  stream: boolean;
  prompt: string | null;
  responseFormat: string | null;
}

/**
 * A local server speaking OpenAI's transcription endpoint (`POST /v1/audio/transcriptions`,
 * multipart form with `file`, `model`, optional `language`, `prompt`, `response_format`,
 * `stream`, which `whisper-1` ignores). Auth is `Authorization: Bearer <key>`; errors are
 * `{ error: { message, type, param, code } }` with the status (401 `invalid_api_key`, 429
 * `rate_limit_exceeded`, 500 `server_error`). The file must be a PCM16 WAV. Without `stream`
 * the answer is `{ text }`; with `stream=true` it is `text/event-stream` with one
 * `transcript.text.delta` event per word and a closing `transcript.text.done` `{ text }`.
 * `close-mid-stream` sends the first delta and drops the connection.
 */
export class FakeOpenAiStt extends ScriptedHttpVendor<string> {
  readonly parsed: OpenAiTranscriptionRequest[] = [];

  private constructor(apiKey: string) {
    super(apiKey, 'Hello from OpenAI.');
  }

  static start(options: { apiKey?: string } = {}): Promise<FakeOpenAiStt> {
    return new FakeOpenAiStt(options.apiKey ?? 'sk-openai-test').listen();
  }

  /** API root for the adapter, including `/v1`. */
  override get baseUrl(): string {
    return `${this.http.origin}/v1`;
  }

  protected async handle({ req, res, body, url, behaviour, record }: HttpExchange): Promise<void> {
    const error = (status: number, message: string, type: string, code: string | null, param: string | null = null): void =>
      sendJson(res, status, { error: { message, type, param, code } });
    if (req.method !== 'POST' || url.pathname !== '/v1/audio/transcriptions') return error(404, 'Unknown request URL', 'invalid_request_error', 'unknown_url');
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    if (behaviour.mode === 'http-error') {
      const s = behaviour.status;
      return error(s, 'Scripted failure.', s === 429 ? 'requests' : s >= 500 ? 'server_error' : 'invalid_request_error', s === 429 ? 'rate_limit_exceeded' : null);
    }
    let form: FormData;
    try {
      form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body }).formData();
    } catch {
      return error(400, 'Could not parse multipart form', 'invalid_request_error', null);
    }
    const file = form.get('file');
    const model = form.get('model');
    if (typeof model !== 'string' || model === '') return error(400, "you must provide a model parameter", 'invalid_request_error', null, 'model');
    if (file === null || typeof file === 'string') return error(400, "you must provide a file parameter", 'invalid_request_error', null, 'file');
    const wav = readPcmWav(new Uint8Array(await file.arrayBuffer()));
    if (wav === null) return error(400, 'Invalid file format.', 'invalid_request_error', null, 'file');
    record.audioBytes = wav.dataBytes;
    record.sampleRateHz = wav.sampleRateHz;
    // Documented: "Streaming is not supported for the whisper-1 model and will be ignored."
    const stream = form.get('stream') === 'true' && model !== 'whisper-1';
    const str = (k: string): string | null => {
      const v = form.get(k);
      return typeof v === 'string' ? v : null;
    };
    this.parsed.push({ model, language: str('language'), stream, prompt: str('prompt'), responseFormat: str('response_format') });
    const text = this.script.next();
    if (!stream) {
      if (behaviour.mode === 'garbage') return sendJson(res, 200, { transcript: 42 });
      if (behaviour.mode === 'close-mid-stream') return void res.socket?.destroy();
      return sendJson(res, 200, { text, usage: { type: 'duration', seconds: Math.ceil(wav.dataBytes / 2 / wav.sampleRateHz) } });
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    const event = (data: unknown): void => {
      const json = typeof data === 'string' ? data : JSON.stringify(data);
      res.write(`event: ${(data as { type?: string }).type ?? 'message'}\ndata: ${json}\n\n`);
    };
    const pieces = text.split(/(?<=\s)/).filter((p) => p !== '');
    if (behaviour.mode === 'garbage') {
      res.write('data: {not json\n\n');
      return void res.end();
    }
    for (const [i, delta] of pieces.entries()) {
      event({ type: 'transcript.text.delta', delta });
      if (behaviour.mode === 'close-mid-stream' && i === 0) return void res.socket?.destroy();
    }
    event({ type: 'transcript.text.done', text, usage: { type: 'tokens', input_tokens: 10, output_tokens: pieces.length, total_tokens: 10 + pieces.length } });
    res.end();
  }
}
