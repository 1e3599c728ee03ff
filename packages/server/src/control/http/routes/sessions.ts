import { SessionToken, SessionTokenCreate } from '@unpod/protocol';
import { ApiError } from '../../errors.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

export function sessionRoutes({ store }: ControlDeps) {
  return [
    route({
      method: 'post',
      path: '/v1/sessions/token',
      summary: 'Mint a short-lived, single-use token a browser uses to join a pipe without the API key.',
      tag: 'sessions',
      body: SessionTokenCreate,
      response: SessionToken,
      status: 201,
      handler: async ({ spaceId, body }) => {
        if (!(await store.pipes.get(spaceId, body.pipe_id))) throw new ApiError('pipe_not_found', `no pipe "${body.pipe_id}" in this space`, 'pipe_id');
        return { body: await store.sessionTokens.create(spaceId, body.pipe_id, body.metadata ?? {}, body.ttl_s) };
      },
    }),
  ];
}
