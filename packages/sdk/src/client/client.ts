import type { Health } from '@unpod/protocol';
import { resolveClientConfig, type ClientOptions } from './config.js';
import { ApiKeys } from './resources/api-keys.js';
import { Calls } from './resources/calls.js';
import { PhoneNumbers } from './resources/numbers.js';
import { Pipes } from './resources/pipes.js';
import { Sessions } from './resources/sessions.js';
import { Spaces } from './resources/spaces.js';
import { Trunks } from './resources/trunks.js';
import { VoiceProfiles } from './resources/voice-profiles.js';
import { Workers } from './resources/workers.js';
import { HttpTransport, type RequestOptions } from './transport.js';

/**
 * The management client for the Unpod REST API: configure pipes, numbers and trunks, place and
 * inspect calls. Every method returns a promise; list methods return a `PagePromise` that can be
 * awaited for one page or iterated across all of them.
 *
 * ```ts
 * const client = new Client(); // UNPOD_API_KEY, UNPOD_BASE_URL
 * const pipe = await client.pipes.create({ name: 'Support', agent_id: 'support', voice_profile: 'Aria' });
 * for await (const call of client.calls.list({ pipe_id: pipe.id })) console.log(call.status);
 * ```
 *
 * Transient failures (429, 5xx, connection errors, timeouts) are retried for every method but
 * `update` (PATCH); each POST carries one `Idempotency-Key` across its retries, so it takes
 * effect at most once.
 */
export class Client {
  /** `/v1/api-keys`: list, create, revoke. */
  readonly apiKeys: ApiKeys;
  /** `/v1/spaces`: list, get, update. */
  readonly spaces: Spaces;
  /** `/v1/voice-profiles`: list, get. */
  readonly voiceProfiles: VoiceProfiles;
  /** `/v1/pipes`: list, create, get, update, delete. */
  readonly pipes: Pipes;
  /** `/v1/trunks`: list, create, get, update, delete, sync. */
  readonly trunks: Trunks;
  /** `/v1/numbers`: list, get, register, update, attach, detach, release. */
  readonly numbers: PhoneNumbers;
  /** `/v1/calls`: list, get, create, hangup, recording. */
  readonly calls: Calls;
  /** `/v1/sessions`: createToken. */
  readonly sessions: Sessions;
  /** `/v1/workers`: list. */
  readonly workers: Workers;

  readonly #transport: HttpTransport;

  /**
   * @param options see `ClientOptions`; with none, the key comes from `UNPOD_API_KEY` and the
   * server from `UNPOD_BASE_URL`.
   * @throws UnpodConfigError when no API key is available or an option is out of range.
   */
  constructor(options: ClientOptions = {}) {
    const transport = new HttpTransport(resolveClientConfig(options));
    this.#transport = transport;
    this.apiKeys = new ApiKeys(transport);
    this.spaces = new Spaces(transport);
    this.voiceProfiles = new VoiceProfiles(transport);
    this.pipes = new Pipes(transport);
    this.trunks = new Trunks(transport);
    this.numbers = new PhoneNumbers(transport);
    this.calls = new Calls(transport);
    this.sessions = new Sessions(transport);
    this.workers = new Workers(transport);
  }

  /** The HTTP base requests go to, e.g. `http://127.0.0.1:7700`. */
  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  /** `GET /v1/health`: whether the server is up, its version and database. Sends no key. */
  health(options?: RequestOptions): Promise<Health> {
    return this.#transport.request({ method: 'GET', path: '/v1/health', authenticated: false }, options);
  }
}

export { Client as AsyncClient };
