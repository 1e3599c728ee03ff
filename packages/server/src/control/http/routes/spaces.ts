import { PageQuery, Space, SpaceUpdate, page } from '@unpod/protocol';
import { ApiError, notFound } from '../../errors.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

/** A key belongs to one space, so the list holds exactly the caller's space. */
export function spaceRoutes({ store }: ControlDeps) {
  const own = async (spaceId: string, id: string) => {
    if (id !== spaceId) throw notFound('space');
    const space = await store.spaces.get(id);
    if (!space) throw notFound('space');
    return space;
  };
  return [
    route({
      method: 'get',
      path: '/v1/spaces',
      summary: "The caller's space (a key belongs to exactly one).",
      tag: 'spaces',
      query: PageQuery,
      response: page(Space),
      handler: async ({ spaceId, query }) => {
        // The list has one item and never issues a cursor, so any cursor sent is not one of ours.
        if (query.cursor !== undefined) throw new ApiError('invalid_cursor', 'cursor is not valid for this list', 'cursor');
        return { body: { data: [await own(spaceId, spaceId)], next_cursor: null } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/spaces/:id',
      summary: 'Get the caller\'s space.',
      tag: 'spaces',
      response: Space,
      handler: async ({ spaceId, params }) => ({ body: await own(spaceId, params.id!) }),
    }),
    route({
      method: 'patch',
      path: '/v1/spaces/:id',
      summary: 'Rename the caller\'s space.',
      tag: 'spaces',
      body: SpaceUpdate,
      response: Space,
      handler: async ({ spaceId, params, body }) => {
        await own(spaceId, params.id!);
        return { body: await store.spaces.rename(spaceId, body.name) };
      },
    }),
  ];
}
