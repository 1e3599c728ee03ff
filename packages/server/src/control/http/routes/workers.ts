import { WorkerListQuery, WorkerView, page } from '@unpod/protocol';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';
import { paginateInMemory } from './in-memory-page.js';

export function workerRoutes({ workers }: ControlDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/workers',
      summary: 'Live agent runners of the space with capacity, in-flight calls and heartbeat age.',
      tag: 'workers',
      query: WorkerListQuery,
      response: page(WorkerView),
      handler: async ({ spaceId, query }) => {
        const list = (await workers.list(spaceId, { agent_id: query.agent_id })).sort((a, b) => (a.worker_id < b.worker_id ? -1 : 1));
        return { body: paginateInMemory(list, (w) => w.worker_id, query) };
      },
    }),
  ];
}
