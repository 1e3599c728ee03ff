import { UsageQuery, UsageReport } from '@unpod/protocol';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

const DEFAULT_RANGE_MS = 30 * 24 * 3600 * 1000;

export function usageRoutes({ store }: ControlDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/usage',
      summary:
        'Speech usage of the space per capability and provider (STT audio seconds in, TTS characters and audio out, requests, calls) for calls created in [from, to). Default: the last 30 days.',
      tag: 'usage',
      query: UsageQuery,
      response: UsageReport,
      handler: async ({ spaceId, query }) => {
        const to = query.to !== undefined ? new Date(query.to) : new Date();
        const from = query.from !== undefined ? new Date(query.from) : new Date(to.getTime() - DEFAULT_RANGE_MS);
        const range = { from: from.toISOString(), to: to.toISOString() };
        return { body: { ...range, data: await store.usage.speechUsage(spaceId, range.from, range.to) } };
      },
    }),
  ];
}
