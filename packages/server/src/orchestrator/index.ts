import type { WorkerView } from '@unpod/protocol';
import type { LiveCalls, WorkerDirectory } from '../control/services.js';
import type { CallRecord } from '../control/store/repos/calls.js';
import type { Store } from '../control/store/store.js';
import type { HttpServer } from '../http-server.js';
import type { Logger } from '../logger.js';
import type { ServerConfig } from '../config.js';

export interface OrchestratorDeps {
  store: Store;
  config: ServerConfig;
  logger: Logger;
  http: HttpServer;
  /** Base URL runners and clients reach this node at, e.g. `http://127.0.0.1:7700`. */
  publicUrl: () => string;
}

/**
 * The live side of a node. Until the runner protocol lands, no runner can register, so every
 * call fails honestly with `no_worker_available`.
 */
export class Orchestrator implements LiveCalls, WorkerDirectory {
  constructor(private readonly deps: OrchestratorDeps) {}

  async launch(call: CallRecord): Promise<{ client_url?: string }> {
    await this.deps.store.calls.finish(call.id, 'no_worker_available', {
      code: 'no_worker_available',
      message: `no runner is registered for agent_id "${call.agent_id}"`,
    });
    return {};
  }

  async hangup(call: CallRecord): Promise<void> {
    await this.deps.store.calls.finish(call.id, 'api_hangup');
  }

  list(_spaceId: string, _filter: { agent_id?: string | undefined }): WorkerView[] {
    return [];
  }

  async close(): Promise<void> {}
}
