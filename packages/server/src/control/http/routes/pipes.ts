import { Pipe, PipeCreate, PipeListQuery, PipeUpdate, page } from '@unpod/protocol';
import { ApiError, notFound } from '../../errors.js';
import type { PipeValues } from '../../store/repos/pipes.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

export function pipeRoutes({ store }: ControlDeps) {
  /** Voice profile id or case-insensitive name -> id; unknown -> 422 voice_profile_not_found. */
  const resolveProfile = async (spaceId: string, ref: string): Promise<string> => {
    const profile = await store.voiceProfiles.resolve(spaceId, ref);
    if (!profile) throw new ApiError('voice_profile_not_found', `no voice profile with id or name "${ref}"`, 'voice_profile');
    return profile.id;
  };
  const load = async (spaceId: string, id: string) => {
    const pipe = await store.pipes.get(spaceId, id);
    if (!pipe) throw notFound('pipe');
    return pipe;
  };

  return [
    route({
      method: 'get',
      path: '/v1/pipes',
      summary: 'List pipes, optionally by agent_id.',
      tag: 'pipes',
      query: PipeListQuery,
      response: page(Pipe),
      handler: async ({ spaceId, query }) => ({ body: await store.pipes.list(spaceId, query, { agent_id: query.agent_id }) }),
    }),
    route({
      method: 'post',
      path: '/v1/pipes',
      summary: 'Create a pipe binding a voice profile and an agent_id.',
      tag: 'pipes',
      body: PipeCreate,
      response: Pipe,
      status: 201,
      handler: async ({ spaceId, body }) => {
        const values: PipeValues = { ...body, voice_profile: await resolveProfile(spaceId, body.voice_profile) };
        return { body: await store.pipes.create(spaceId, values) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/pipes/:id',
      summary: 'Get a pipe with its attached numbers.',
      tag: 'pipes',
      response: Pipe,
      handler: async ({ spaceId, params }) => ({ body: await load(spaceId, params.id!) }),
    }),
    route({
      method: 'patch',
      path: '/v1/pipes/:id',
      summary: 'Update some fields of a pipe; `endpointing` merges key by key.',
      tag: 'pipes',
      body: PipeUpdate,
      response: Pipe,
      handler: async ({ spaceId, params, body }) => {
        const current = await load(spaceId, params.id!);
        const { numbers: _n, id: _i, created_at: _c, updated_at: _u, ...currentValues } = current;
        const next: PipeValues = {
          ...currentValues,
          ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)),
          endpointing: { ...current.endpointing, ...Object.fromEntries(Object.entries(body.endpointing ?? {}).filter(([, v]) => v !== undefined)) },
          voice_profile: body.voice_profile !== undefined ? await resolveProfile(spaceId, body.voice_profile) : current.voice_profile,
        };
        const updated = await store.pipes.update(spaceId, current.id, next);
        if (!updated) throw notFound('pipe');
        return { body: updated };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/pipes/:id',
      summary: 'Delete a pipe; its numbers are detached and become available.',
      tag: 'pipes',
      status: 204,
      handler: async ({ spaceId, params }) => {
        if (!(await store.pipes.delete(spaceId, params.id!))) throw notFound('pipe');
        return { status: 204, body: null };
      },
    }),
  ];
}
