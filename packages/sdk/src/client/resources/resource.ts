import type { HttpTransport } from '../transport.js';

/** Base of every namespace on the client (`client.pipes`, ...): they share one transport. */
export abstract class Resource {
  /** The transport that sends this namespace's requests. */
  protected readonly transport: HttpTransport;

  /** @param transport shared with the owning client */
  constructor(transport: HttpTransport) {
    this.transport = transport;
  }
}
