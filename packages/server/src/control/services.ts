import type { LiveEvent, Pipe, WorkerView } from '@unpod/protocol';
import type { CallRecord } from './store/repos/calls.js';

/**
 * What the control plane needs from the live side of the stack (orchestrator, transports).
 * The REST layer depends on these interfaces only, never on the orchestrator's internals.
 */
export interface LiveCalls {
  /**
   * Start a freshly created call (dispatch to a runner, dial out, open a client socket...). May
   * return extra response fields such as `client_url`. Runs after the call row exists. `pipe`
   * is the call's pipe when the caller already loaded it (saves loading it again).
   */
  launch(call: CallRecord, pipe?: Pipe): Promise<{ client_url?: string }>;
  /** End a live call on behalf of the API. Resolves once the end is recorded. */
  hangup(call: CallRecord): Promise<void>;
  /**
   * The live events a call live on this node published so far (oldest first), for SSE replay;
   * undefined when the call is not live here.
   */
  liveEvents?(callId: string): readonly LiveEvent[] | undefined;
}

/** Live runners, as `GET /v1/workers` shows them. */
export interface WorkerDirectory {
  list(spaceId: string, filter: { agent_id?: string | undefined }): WorkerView[] | Promise<WorkerView[]>;
}
