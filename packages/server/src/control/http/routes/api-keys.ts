import { ApiKey, ApiKeyCreate, ApiKeyCreated, PageQuery, page } from '@unpod/protocol';
import { notFound } from '../../errors.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

export function apiKeyRoutes({ store }: ControlDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/api-keys',
      summary: "List the space's API keys (masked).",
      tag: 'api-keys',
      query: PageQuery,
      response: page(ApiKey),
      handler: async ({ spaceId, query }) => ({ body: await store.apiKeys.list(spaceId, query) }),
    }),
    route({
      method: 'post',
      path: '/v1/api-keys',
      summary: 'Create an API key in the caller\'s space; the raw key is returned once.',
      tag: 'api-keys',
      body: ApiKeyCreate,
      response: ApiKeyCreated,
      status: 201,
      handler: async ({ spaceId, body }) => ({ body: await store.apiKeys.create(spaceId, body.name) }),
    }),
    route({
      method: 'get',
      path: '/v1/api-keys/:id',
      summary: 'Get one API key (masked).',
      tag: 'api-keys',
      response: ApiKey,
      handler: async ({ spaceId, params }) => {
        const key = await store.apiKeys.get(spaceId, params.id!);
        if (!key) throw notFound('API key');
        return { body: key };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/api-keys/:id',
      summary: 'Revoke an API key; requests with it fail at once.',
      tag: 'api-keys',
      response: ApiKey,
      handler: async ({ spaceId, params }) => {
        const key = await store.apiKeys.revoke(spaceId, params.id!);
        if (!key) throw notFound('API key');
        return { body: key };
      },
    }),
  ];
}
