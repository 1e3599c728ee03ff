import { Health } from '@unpod/protocol';
import { VERSION } from '../../../version.js';
import { pingDb } from '../../store/db.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

export function healthRoutes(deps: ControlDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/health',
      summary: 'Liveness and database reachability (no auth).',
      tag: 'health',
      auth: false,
      response: Health,
      handler: async () => {
        const dbOk = await pingDb(deps.store.db);
        return {
          status: dbOk ? 200 : 503,
          body: {
            status: dbOk ? 'ok' : 'degraded',
            version: VERSION,
            node_id: deps.config.nodeId,
            database: deps.store.db.kind,
            uptime_s: Math.round((Date.now() - deps.startedAtMs) / 1000),
          },
        };
      },
    }),
  ];
}
