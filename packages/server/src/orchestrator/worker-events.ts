import type { LiveEventHub } from '../control/live-events.js';
import { nowIso } from '../control/ids.js';
import type { RunnerRegistry } from './registry.js';

/**
 * Wrap a registry so runner registrations and explicit removals are published as
 * `worker.changed` live events. Entries that expire by TTL are not announced: subscribers that
 * show workers re-read `GET /v1/workers` on any change and on a timer.
 */
export function publishWorkerChanges(registry: RunnerRegistry, hub: LiveEventHub): RunnerRegistry {
  return {
    async register(reg) {
      await registry.register(reg);
      hub.publish(reg.spaceId, { type: 'worker.changed', at: nowIso(), worker_id: reg.workerId, agent_id: reg.agentId, change: 'registered' });
    },
    heartbeat: (spaceId, workerId, link, beat) => registry.heartbeat(spaceId, workerId, link, beat),
    async unregister(spaceId, workerId, link) {
      const before = (await registry.list(spaceId, {})).find((w) => w.worker_id === workerId);
      await registry.unregister(spaceId, workerId, link);
      const after = (await registry.list(spaceId, {})).some((w) => w.worker_id === workerId);
      if (before && !after) hub.publish(spaceId, { type: 'worker.changed', at: nowIso(), worker_id: workerId, agent_id: before.agent_id, change: 'removed' });
    },
    reserve: (spaceId, agentId, exclude) => registry.reserve(spaceId, agentId, exclude),
    list: (spaceId, filter) => registry.list(spaceId, filter),
    close: (code, reason) => registry.close(code, reason),
  };
}
