import { readPcmWav, TranscriptScript, type VendorBehaviour, type VendorRequest } from './behaviour.js';
import { HttpVendorServer, sendJson, type HttpExchange } from './http-fake.js';

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
export class FakeOpenAiStt {
  readonly parsed: OpenAiTranscriptionRequest[] = [];
  private readonly script = new TranscriptScript<string>('Hello from OpenAI.');

  private constructor(
    private readonly http: HttpVendorServer,
    readonly apiKey: string,
  ) {}

  static async start(options: { apiKey?: string } = {}): Promise<FakeOpenAiStt> {
    const ref: { fake?: FakeOpenAiStt } = {};
    const http = await HttpVendorServer.start((ex) => ref.fake!.handle(ex));
    const fake = new FakeOpenAiStt(http, options.apiKey ?? 'sk-openai-test');
    ref.fake = fake;
    return fake;
  }

  /** API root for the adapter, including `/v1`. */
  get baseUrl(): string {
    return `${this.http.origin}/v1`;
  }

  get requests(): VendorRequest[] {
    return this.http.requests;
  }

  scriptUtterances(...texts: string[]): void {
    this.script.push(...texts);
  }

  behave(behaviour: VendorBehaviour): void {
    this.http.behave(behaviour);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async handle({ req, res, body, url, behaviour, record }: HttpExchange): Promise<void> {
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
