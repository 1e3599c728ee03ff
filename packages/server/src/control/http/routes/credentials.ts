import { Credential, CredentialCreate, PageQuery, page } from '@unpod/protocol';
import { notFound } from '../../errors.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

/**
 * Vendor credentials of the caller's space (cloud speech keys). Write-only: responses carry the
 * provider, the field names and a last-4 hint, never a secret.
 */
export function credentialRoutes({ store }: ControlDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/credentials',
      summary: "List the space's vendor credentials (provider, fields, last-4 hint; never the secret).",
      tag: 'credentials',
      query: PageQuery,
      response: page(Credential),
      handler: async ({ spaceId, query }) => ({ body: await store.credentials.list(spaceId, query) }),
    }),
    route({
      method: 'post',
      path: '/v1/credentials',
      summary: "Store a vendor credential for the caller's space, encrypted; replaces the space's previous one for that provider.",
      tag: 'credentials',
      body: CredentialCreate,
      response: Credential,
      status: 201,
      // The idempotency record would keep a digest of the body, which holds the secret.
      idempotent: false,
      handler: async ({ spaceId, body }) => ({ body: await store.credentials.put(spaceId, body) }),
    }),
    route({
      method: 'get',
      path: '/v1/credentials/:id',
      summary: 'Get one vendor credential (without its secret).',
      tag: 'credentials',
      response: Credential,
      handler: async ({ spaceId, params }) => {
        const found = await store.credentials.get(spaceId, params.id!);
        if (!found) throw notFound('credential');
        return { body: found };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/credentials/:id',
      summary: 'Delete a vendor credential; new calls fall back to the server-wide key, if any.',
      tag: 'credentials',
      response: Credential,
      handler: async ({ spaceId, params }) => {
        const found = await store.credentials.delete(spaceId, params.id!);
        if (!found) throw notFound('credential');
        return { body: found };
      },
    }),
  ];
}
