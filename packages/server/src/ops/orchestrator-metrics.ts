import type { Store } from '../control/store/store.js';
import type { JobDispatcher } from '../orchestrator/dispatcher.js';
import type { RunnerRegistry } from '../orchestrator/registry.js';
import { metrics, type RunnerTotals } from './metrics.js';

/**
 * A dispatcher that records each dispatch's duration (call routed -> `call.started` at the runner,
 * or the failure) in `unpod_dispatch_duration_seconds`. Wraps the seam rather than the internals,
 * so any dispatcher (in-memory, cross-node) is measured the same way.
 */
export function timedDispatcher(inner: JobDispatcher): JobDispatcher {
  return {
    async dispatch(request) {
      const started = performance.now();
      const result = await inner.dispatch(request);
      metrics.dispatchObserved((performance.now() - started) / 1000, result.ok ? 'ok' : result.reason);
      return result;
    },
  };
}

/**
 * Runners connected to node `nodeId`, summed over every space. The registry lists per space; a
 * cluster-wide registry lists other nodes' runners too, which are left to their own node's scrape.
 */
export async function runnerTotals(registry: RunnerRegistry, store: Store, nodeId: string): Promise<RunnerTotals> {
  const spaces = await store.db.kysely.selectFrom('spaces').select('id').execute();
  const totals: RunnerTotals = { connected: 0, capacity: 0, inFlight: 0 };
  for (const { id } of spaces) {
    for (const worker of await registry.list(id, {})) {
      if (worker.node_id !== nodeId) continue;
      totals.connected += 1;
      totals.capacity += worker.max_concurrent;
      totals.inFlight += worker.in_flight;
    }
  }
  return totals;
}
