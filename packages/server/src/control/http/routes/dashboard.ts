import { Analytics, AnalyticsQuery, LoginLinkExchange, LoginSession, Me } from '@unpod/protocol';
import { computeAnalytics } from '../../analytics.js';
import { ApiError } from '../../errors.js';
import type { LoginLinks } from '../../login-links.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

/** Routes the Platform dashboard needs beyond the resource APIs: sign-in, identity, analytics. */
export function dashboardRoutes({ store, logger, loginLinks }: ControlDeps & { loginLinks: LoginLinks }) {
  return [
    route({
      method: 'post',
      path: '/v1/auth/login-link',
      summary:
        'Exchange a one-time login token (`ll_...`, printed by `unpod dev`, valid 10 minutes, usable once) for a new API key of its space, which the dashboard keeps in session storage.',
      tag: 'auth',
      auth: false,
      idempotent: false,
      body: LoginLinkExchange,
      response: LoginSession,
      status: 201,
      handler: async ({ body }) => {
        const spaceId = loginLinks.consume(body.token);
        const space = spaceId ? await store.spaces.get(spaceId) : undefined;
        if (!space) throw new ApiError('unauthorized', 'this login link is invalid, expired or already used; run `unpod dev` again for a new one');
        const created = await store.apiKeys.create(space.id, `dashboard login ${new Date().toISOString().slice(0, 16)}Z`);
        logger.info({ space_id: space.id, key_id: created.id }, 'dashboard login link exchanged');
        return { body: { api_key: created.key, key_id: created.id, space_id: space.id, space_name: space.name } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/me',
      summary: 'The space and key id the presented API key belongs to.',
      tag: 'auth',
      response: Me,
      handler: async ({ c }) => {
        const identity = c.get('identity');
        const space = await store.spaces.get(identity.spaceId);
        return { body: { space_id: identity.spaceId, space_name: space?.name ?? '', key_id: identity.keyId } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/analytics',
      summary: 'Calls per UTC day, durations, outcomes (end reasons) and voice-to-voice latency percentiles for calls created from `from` to `to` (dates, inclusive, at most 366 days).',
      tag: 'analytics',
      query: AnalyticsQuery,
      response: Analytics,
      handler: async ({ spaceId, query }) => {
        const to = query.to ?? new Date().toISOString().slice(0, 10);
        const from = query.from ?? new Date(Date.parse(to) - 29 * 86_400_000).toISOString().slice(0, 10);
        if (from > to) throw new ApiError('validation_failed', 'from must not be after to', 'from');
        if (Date.parse(to) - Date.parse(from) > 365 * 86_400_000) throw new ApiError('validation_failed', 'the range must not exceed 366 days', 'from');
        return { body: await computeAnalytics(store.db.kysely, spaceId, from, to) };
      },
    }),
  ];
}
