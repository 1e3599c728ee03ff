import { PageQuery, Trunk, TrunkCreate, TrunkSyncResult, TrunkUpdate, page } from '@unpod/protocol';
import { notFound } from '../../errors.js';
import { publicTrunk, trunkValues } from '../../store/repos/trunks.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

export function trunkRoutes({ store }: ControlDeps) {
  const load = async (spaceId: string, id: string) => {
    const trunk = await store.trunks.get(spaceId, id);
    if (!trunk) throw notFound('trunk');
    return trunk;
  };
  return [
    route({
      method: 'get',
      path: '/v1/trunks',
      summary: 'List SIP trunks (passwords never returned).',
      tag: 'trunks',
      query: PageQuery,
      response: page(Trunk),
      handler: async ({ spaceId, query }) => {
        const result = await store.trunks.list(spaceId, query);
        return { body: { data: result.data.map(publicTrunk), next_cursor: result.next_cursor } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/trunks',
      summary: 'Create a SIP trunk.',
      tag: 'trunks',
      body: TrunkCreate,
      response: Trunk,
      status: 201,
      handler: async ({ spaceId, body }) => ({ body: publicTrunk(await store.trunks.create(spaceId, body)) }),
    }),
    route({
      method: 'get',
      path: '/v1/trunks/:id',
      summary: 'Get a trunk.',
      tag: 'trunks',
      response: Trunk,
      handler: async ({ spaceId, params }) => ({ body: publicTrunk(await load(spaceId, params.id!)) }),
    }),
    route({
      method: 'patch',
      path: '/v1/trunks/:id',
      summary: 'Update some fields of a trunk; `password: null` clears the password.',
      tag: 'trunks',
      body: TrunkUpdate,
      response: Trunk,
      handler: async ({ spaceId, params, body }) => {
        const current = await load(spaceId, params.id!);
        const changes = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
        const updated = await store.trunks.update(spaceId, current.id, { ...trunkValues(current), ...changes });
        if (!updated) throw notFound('trunk');
        return { body: publicTrunk(updated) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/trunks/:id',
      summary: 'Delete a trunk; its numbers stay registered without a trunk.',
      tag: 'trunks',
      status: 204,
      handler: async ({ spaceId, params }) => {
        if (!(await store.trunks.delete(spaceId, params.id!))) throw notFound('trunk');
        return { status: 204, body: null };
      },
    }),
    route({
      method: 'post',
      path: '/v1/trunks/:id/sync',
      summary: "Import the trunk's DIDs as numbers (new ones created, existing ones re-pointed).",
      tag: 'trunks',
      response: TrunkSyncResult,
      handler: async ({ spaceId, params }) => {
        const trunk = await load(spaceId, params.id!);
        const result = await store.numbers.syncFromTrunk(spaceId, trunk.id, trunk.dids);
        return { body: { trunk_id: trunk.id, synced: result.synced, new: result.created, numbers: result.numbers } };
      },
    }),
  ];
}
