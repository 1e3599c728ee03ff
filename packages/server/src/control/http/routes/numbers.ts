import { NumberAttach, NumberCreate, NumberListQuery, NumberUpdate, PhoneNumber, page } from '@unpod/protocol';
import { ApiError, notFound } from '../../errors.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

export function numberRoutes({ store }: ControlDeps) {
  const load = async (spaceId: string, id: string) => {
    const number = await store.numbers.get(spaceId, id);
    if (!number) throw notFound('number');
    return number;
  };
  const checkTrunk = async (spaceId: string, trunkId: string | null | undefined) => {
    if (trunkId && !(await store.trunks.get(spaceId, trunkId))) throw new ApiError('trunk_not_found', `no trunk "${trunkId}" in this space`, 'trunk_id');
  };
  const checkPipe = async (spaceId: string, pipeId: string | null | undefined) => {
    if (pipeId && !(await store.pipes.get(spaceId, pipeId))) throw new ApiError('pipe_not_found', `no pipe "${pipeId}" in this space`, 'pipe_id');
  };

  return [
    route({
      method: 'get',
      path: '/v1/numbers',
      summary: 'List numbers; filter by status, pipe_id, trunk_id or E.164 prefix.',
      tag: 'numbers',
      query: NumberListQuery,
      response: page(PhoneNumber),
      handler: async ({ spaceId, query }) => ({ body: await store.numbers.list(spaceId, query, query) }),
    }),
    route({
      method: 'post',
      path: '/v1/numbers',
      summary: 'Register a bring-your-own number (E.164), optionally on a trunk and attached to a pipe.',
      tag: 'numbers',
      body: NumberCreate,
      response: PhoneNumber,
      status: 201,
      handler: async ({ spaceId, body }) => {
        await checkTrunk(spaceId, body.trunk_id);
        await checkPipe(spaceId, body.pipe_id);
        return { body: await store.numbers.create(spaceId, body) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/numbers/:id',
      summary: 'Get a number.',
      tag: 'numbers',
      response: PhoneNumber,
      handler: async ({ spaceId, params }) => ({ body: await load(spaceId, params.id!) }),
    }),
    route({
      method: 'patch',
      path: '/v1/numbers/:id',
      summary: "Change a number's trunk or label.",
      tag: 'numbers',
      body: NumberUpdate,
      response: PhoneNumber,
      handler: async ({ spaceId, params, body }) => {
        await load(spaceId, params.id!);
        await checkTrunk(spaceId, body.trunk_id);
        const changes = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
        return { body: await store.numbers.update(spaceId, params.id!, changes) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/numbers/:id',
      summary: 'Release a number: it is removed from the space and stops routing.',
      tag: 'numbers',
      status: 204,
      handler: async ({ spaceId, params }) => {
        if (!(await store.numbers.delete(spaceId, params.id!))) throw notFound('number');
        return { status: 204, body: null };
      },
    }),
    route({
      method: 'post',
      path: '/v1/numbers/:id/attach',
      summary: 'Attach a number to a pipe; 409 when it is attached to another pipe.',
      tag: 'numbers',
      body: NumberAttach,
      response: PhoneNumber,
      handler: async ({ spaceId, params, body }) => {
        await load(spaceId, params.id!);
        await checkPipe(spaceId, body.pipe_id);
        const result = await store.numbers.attach(spaceId, params.id!, body.pipe_id);
        if (result === undefined) throw notFound('number');
        if (result === 'conflict') {
          throw new ApiError('number_already_attached', 'number is attached to another pipe; detach it first', 'pipe_id');
        }
        return { body: result };
      },
    }),
    route({
      method: 'post',
      path: '/v1/numbers/:id/detach',
      summary: 'Detach a number from its pipe (idempotent).',
      tag: 'numbers',
      response: PhoneNumber,
      handler: async ({ spaceId, params }) => {
        await load(spaceId, params.id!);
        return { body: await store.numbers.detach(spaceId, params.id!) };
      },
    }),
  ];
}
