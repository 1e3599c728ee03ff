import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { TranscriptScript, type VendorBehaviour, type VendorRequest } from './behaviour.js';

/** The `streamingConfig` of a `StreamingRecognize` call as the fake received it (proto field names in camelCase). */
export interface GoogleStreamingConfig {
  config?: Record<string, unknown>;
  interimResults?: boolean;
  singleUtterance?: boolean;
}

/**
 * How {@link FakeGoogleSttGrpc} answers: every {@link VendorBehaviour} (an `http-error` status is
 * mapped to its gRPC code: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 429
 * RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED, else INTERNAL), or `grpc-error`
 * with a gRPC status code.
 */
export type GoogleGrpcBehaviour = VendorBehaviour | { mode: 'grpc-error'; code: grpc.status; message?: string; times?: number };

const HTTP_TO_GRPC: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  429: grpc.status.RESOURCE_EXHAUSTED,
  503: grpc.status.UNAVAILABLE,
  504: grpc.status.DEADLINE_EXCEEDED,
};

const SERVICE_PATH = '/google.cloud.speech.v1.Speech/StreamingRecognize';

interface StreamingRequest {
  streamingConfig?: GoogleStreamingConfig;
  audioContent?: Buffer;
}

let cachedService: grpc.ServiceDefinition | undefined;

/**
 * `google.cloud.speech.v1.Speech`, loaded from the same `cloud_speech.proto` the client library
 * ships (its `protos.json`), so the fake and the adapter share the wire format.
 */
function speechService(): grpc.ServiceDefinition {
  if (cachedService) return cachedService;
  const require = createRequire(import.meta.url);
  const json = require('@google-cloud/speech/build/protos/protos.json') as Record<string, unknown>;
  const definition = protoLoader.fromJSON(json, { keepCase: false, longs: Number, enums: String, defaults: false, oneofs: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { google: { cloud: { speech: { v1: { Speech: { service: grpc.ServiceDefinition } } } } } };
  const service = loaded.google.cloud.speech.v1.Speech.service;
  const method = service['StreamingRecognize'] as grpc.MethodDefinition<unknown, unknown>;
  // Buffers pass through unserialised, so the `garbage` mode can send bytes that are no protobuf.
  cachedService = {
    ...service,
    StreamingRecognize: { ...method, responseSerialize: (value: unknown) => (Buffer.isBuffer(value) ? value : method.responseSerialize(value)) },
  };
  return cachedService;
}

/**
 * A local gRPC server speaking Google Cloud Speech-to-Text v1
 * `google.cloud.speech.v1.Speech/StreamingRecognize` over an insecure channel. The first request
 * carries `streamingConfig`, the rest `audioContent`. The API key is read from the
 * `x-goog-api-key` metadata (or a `authorization: Bearer <token>` with the same value); a wrong
 * one ends the call with `UNAUTHENTICATED`. For each call the fake takes the next scripted
 * transcript: with `interimResults` it answers the first audio with an interim result (the first
 * half of the words, `isFinal: false`, `stability` 0.5), and when the client half-closes it sends
 * the final (`isFinal: true`, `confidence` 0.92, word offsets, `resultEndTime`) and ends the call
 * with OK. An empty transcript is no result at all (no speech).
 *
 * Failure modes (`behave`): `http-error` / `grpc-error` end the call with that status once the
 * config arrived; `close-mid-stream` sends an interim and ends the call with OK (no final) once
 * `afterBytes` (default 1) of audio arrived; `die-after` ends the call with `UNAVAILABLE` after
 * `ms`; `stall` reads everything and never answers; `garbage` answers with bytes that are no
 * `StreamingRecognizeResponse`.
 */
export class FakeGoogleSttGrpc {
  readonly configs: GoogleStreamingConfig[] = [];
  readonly requests: VendorRequest[] = [];
  /** Calls the client cancelled (aborted) before the fake ended them. */
  cancelledCalls = 0;
  /** Calls still open. */
  openCalls = 0;
  private readonly script = new TranscriptScript<string>('hello from google');
  private behaviour: GoogleGrpcBehaviour = { mode: 'ok' };
  private remaining = Infinity;

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    readonly apiKey: string,
  ) {}

  static async start(options: { apiKey?: string } = {}): Promise<FakeGoogleSttGrpc> {
    const server = new grpc.Server();
    const ref: { fake?: FakeGoogleSttGrpc } = {};
    server.addService(speechService(), {
      StreamingRecognize: (call: grpc.ServerDuplexStream<StreamingRequest, unknown>) => ref.fake!.handle(call),
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
    const fake = new FakeGoogleSttGrpc(server, port, options.apiKey ?? 'AIza-google-test');
    ref.fake = fake;
    return fake;
  }

  /** `127.0.0.1:<port>`: the adapter's `grpcEndpoint`. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  scriptUtterances(...texts: string[]): void {
    this.script.push(...texts);
  }

  behave(behaviour: GoogleGrpcBehaviour): void {
    this.behaviour = behaviour;
    this.remaining = 'times' in behaviour && behaviour.times !== undefined ? behaviour.times : Infinity;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.forceShutdown();
      resolve();
    });
  }

  private take(): GoogleGrpcBehaviour {
    const b = this.behaviour;
    if (b.mode === 'ok') return b;
    this.remaining--;
    if (this.remaining <= 0) this.behave({ mode: 'ok' });
    return b;
  }

  private handle(call: grpc.ServerDuplexStream<StreamingRequest, unknown>): void {
    const metadata = call.metadata.getMap();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata)) headers[k] = typeof v === 'string' ? v : v.toString('base64');
    const behaviour = this.take();
    const record: VendorRequest = { method: 'POST', url: SERVICE_PATH, headers, behaviour: behaviour.mode === 'grpc-error' ? 'http-error' : behaviour.mode, audioBytes: 0, sampleRateHz: null };
    this.requests.push(record);
    this.openCalls++;
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (status?: { code: grpc.status; details: string }): void => {
      if (ended) return;
      ended = true;
      this.openCalls--;
      if (timer) clearTimeout(timer);
      if (status) call.emit('error', { code: status.code, details: status.details, metadata: new grpc.Metadata() });
      else call.end();
    };
    call.on('cancelled', () => {
      if (ended) return;
      this.cancelledCalls++;
      ended = true;
      this.openCalls--;
      if (timer) clearTimeout(timer);
    });
    call.on('error', () => undefined);

    const key = headers['x-goog-api-key'];
    const bearer = headers['authorization'];
    if ((bearer ?? '') !== `Bearer ${this.apiKey}` && key !== this.apiKey) {
      return finish({ code: grpc.status.UNAUTHENTICATED, details: 'Request had invalid authentication credentials.' });
    }
    if (behaviour.mode === 'die-after') timer = setTimeout(() => finish({ code: grpc.status.UNAVAILABLE, details: 'Connection reset.' }), behaviour.ms);

    let config: GoogleStreamingConfig | undefined;
    let text = '';
    let interimSent = false;
    call.on('data', (request: StreamingRequest) => {
      if (ended) return;
      if (config === undefined) {
        if (request.streamingConfig === undefined) return finish({ code: grpc.status.INVALID_ARGUMENT, details: 'The first StreamingRecognizeRequest must contain streaming_config.' });
        config = request.streamingConfig;
        const rc = config.config ?? {};
        if (typeof rc['languageCode'] !== 'string' || rc['encoding'] !== 'LINEAR16' || typeof rc['sampleRateHertz'] !== 'number') {
          return finish({ code: grpc.status.INVALID_ARGUMENT, details: "Invalid recognition 'config': bad encoding, sample rate or language." });
        }
        record.sampleRateHz = rc['sampleRateHertz'];
        this.configs.push(config);
        text = this.script.next();
        if (behaviour.mode === 'http-error') return finish({ code: HTTP_TO_GRPC[behaviour.status] ?? grpc.status.INTERNAL, details: 'Scripted failure.' });
        if (behaviour.mode === 'grpc-error') return finish({ code: behaviour.code, details: behaviour.message ?? 'Scripted failure.' });
        return;
      }
      if (request.streamingConfig !== undefined) return finish({ code: grpc.status.INVALID_ARGUMENT, details: 'streaming_config may only be sent in the first request.' });
      record.audioBytes += request.audioContent?.length ?? 0;
      if (behaviour.mode === 'stall' || behaviour.mode === 'die-after') return;
      if (behaviour.mode === 'garbage') {
        call.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
        return;
      }
      const words = text.split(/\s+/).filter((w) => w !== '');
      if (!interimSent && words.length > 0 && (config.interimResults === true || behaviour.mode === 'close-mid-stream')) {
        interimSent = true;
        call.write({ results: [{ alternatives: [{ transcript: words.slice(0, Math.max(1, Math.floor(words.length / 2))).join(' ') }], isFinal: false, stability: 0.5 }] });
      }
      if (behaviour.mode === 'close-mid-stream' && record.audioBytes >= (behaviour.afterBytes ?? 1)) finish();
    });
    call.on('end', () => {
      if (ended || config === undefined) return finish();
      if (behaviour.mode === 'stall' || behaviour.mode === 'die-after' || behaviour.mode === 'garbage') return;
      const words = text.split(/\s+/).filter((w) => w !== '');
      if (words.length > 0) {
        const rate = record.sampleRateHz ?? 16_000;
        const seconds = record.audioBytes / 2 / rate;
        const per = seconds / words.length;
        const duration = (s: number) => ({ seconds: Math.floor(s), nanos: Math.round((s - Math.floor(s)) * 1e9) });
        call.write({
          results: [
            {
              alternatives: [{ transcript: text, confidence: 0.92, words: words.map((word, i) => ({ word, startTime: duration(i * per), endTime: duration((i + 1) * per) })) }],
              isFinal: true,
              stability: 0,
              resultEndTime: duration(seconds),
              languageCode: String((config.config ?? {})['languageCode']).toLowerCase(),
            },
          ],
          totalBilledTime: duration(Math.ceil(seconds)),
        });
      }
      finish();
    });
  }
}
