import { TranscriptScript, type VendorBehaviour, type VendorRequest } from './behaviour.js';
import { HttpVendorServer, type HttpExchange } from './http-fake.js';

/**
 * The shared body of the request/response STT fakes (OpenAI, Google, Azure): a local HTTP server,
 * the key it accepts, a script of transcripts answered one per request, the request log and the
 * failure switch. A subclass answers one exchange in `handle`.
 */
export abstract class ScriptedHttpVendor<U> {
  protected readonly script: TranscriptScript<U>;
  private server: HttpVendorServer | null = null;

  protected constructor(
    readonly apiKey: string,
    defaultUtterance: U,
  ) {
    this.script = new TranscriptScript<U>(defaultUtterance);
  }

  /** Starts the server; the subclass's `start` returns this. */
  protected async listen(): Promise<this> {
    this.server = await HttpVendorServer.start((ex) => this.handle(ex));
    return this;
  }

  protected get http(): HttpVendorServer {
    if (this.server === null) throw new Error('the fake vendor is not started');
    return this.server;
  }

  /** API root for the adapter. */
  get baseUrl(): string {
    return this.http.origin;
  }

  get requests(): VendorRequest[] {
    return this.http.requests;
  }

  scriptUtterances(...utterances: U[]): void {
    this.script.push(...utterances);
  }

  behave(behaviour: VendorBehaviour): void {
    this.http.behave(behaviour);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  protected abstract handle(exchange: HttpExchange): void;
}
