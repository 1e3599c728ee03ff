import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ServerConfig } from '../../config.js';
import { httpMetrics, mountOpsRoutes } from '../../ops/http.js';
import type { Readiness } from '../../ops/readiness.js';
import type { RecordingStore } from '../../ops/recordings/index.js';
import { ApiError } from '../errors.js';
import { InMemoryLiveEventHub, type LiveEventHub } from '../live-events.js';
import { LoginLinks } from '../login-links.js';
import type { LiveCalls, WorkerDirectory } from '../services.js';
import type { VoiceSampler } from '../../speech/voice-sample.js';
import type { Store } from '../store/store.js';
import { bodyLimit } from './body.js';
import { errorBody, mountRoutes, type AppEnv, type RouteSpec } from './route.js';
import { buildOpenApi } from './openapi.js';
import { mountDashboard } from './dashboard-static.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { callRoutes } from './routes/calls.js';
import { credentialRoutes } from './routes/credentials.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { numberRoutes } from './routes/numbers.js';
import { pipeRoutes } from './routes/pipes.js';
import { sessionRoutes } from './routes/sessions.js';
import { spaceRoutes } from './routes/spaces.js';
import { trunkRoutes } from './routes/trunks.js';
import { usageRoutes } from './routes/usage.js';
import { voiceProfileRoutes } from './routes/voice-profiles.js';
import { workerRoutes } from './routes/workers.js';

/** Everything the REST layer depends on. */
export interface ControlDeps {
  store: Store;
  config: ServerConfig;
  logger: Logger;
  liveCalls: LiveCalls;
  workers: WorkerDirectory;
  startedAtMs: number;
  /** Backs `GET /readyz`; without it the endpoint answers 503. */
  readiness?: Readiness | undefined;
  /** Where recordings are read from; default: the `<dataDir>/recordings` directory. */
  recordings?: RecordingStore | undefined;
  /** Live events for the SSE routes; default: a private in-process hub. */
  events?: LiveEventHub;
  /** One-time dashboard login links; default: a private set (no link can be issued). */
  loginLinks?: LoginLinks;
  /** Speaks voice-profile samples; without it the sample route answers 503. */
  voiceSamples?: VoiceSampler;
  /** A built dashboard (`index.html` and assets) to serve at `/`; none when unset. */
  dashboardDir?: string;
}

/** All REST routes, in documentation order. */
export function allRoutes(deps: ControlDeps): RouteSpec[] {
  return [
    ...healthRoutes(deps),
    ...apiKeyRoutes(deps),
    ...spaceRoutes(deps),
    ...voiceProfileRoutes(deps),
    ...credentialRoutes(deps),
    ...pipeRoutes(deps),
    ...trunkRoutes(deps),
    ...numberRoutes(deps),
    ...callRoutes(deps),
    ...sessionRoutes(deps),
    ...workerRoutes(deps),
    ...usageRoutes(deps),
    ...eventRoutes({ ...deps, events: deps.events! }),
    ...dashboardRoutes({ ...deps, loginLinks: deps.loginLinks! }),
  ];
}

/** Build the REST app. Testable in-process with `app.request()`; no port needed. */
export function createControlApp(given: ControlDeps): Hono<AppEnv> {
  const deps: ControlDeps = { ...given, events: given.events ?? new InMemoryLiveEventHub(), loginLinks: given.loginLinks ?? new LoginLinks() };
  const app = new Hono<AppEnv>();
  const routes = allRoutes(deps);
  const openapi = buildOpenApi(routes);
  const publicPaths = new Set(routes.filter((r) => r.auth === false).map((r) => r.path));

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    const started = performance.now();
    // Set before the response exists: adding a header to a finished response makes the Node
    // adapter rebuild it as a web Response. Responses a handler builds itself get it after.
    c.header('X-Request-Id', requestId);
    await next();
    if (!c.res.headers.has('x-request-id')) c.header('X-Request-Id', requestId);
    if (deps.logger.isLevelEnabled('debug')) {
      deps.logger.debug(
        { requestId, method: c.req.method, path: new URL(c.req.url).pathname, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 },
        'http request',
      );
    }
  });

  app.use('*', httpMetrics);
  mountOpsRoutes(app, { nodeId: deps.config.nodeId, readiness: deps.readiness, startedAtMs: deps.startedAtMs });

  app.use(
    '*',
    bodyLimit(deps.config.maxBodyBytes, (c) =>
      c.json(errorBody(new ApiError('payload_too_large', `request body exceeds ${deps.config.maxBodyBytes} bytes`)), 413),
    ),
  );

  app.use('/v1/*', async (c, next) => {
    if (publicPaths.has(c.req.routePath) || publicPaths.has(new URL(c.req.url).pathname)) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const identity = match ? await deps.store.apiKeys.authenticate(match[1]!) : undefined;
    if (!identity) {
      throw new ApiError('unauthorized', match ? 'API key is invalid or revoked' : 'missing API key: send Authorization: Bearer sk_...');
    }
    c.set('identity', identity);
    return next();
  });

  app.get('/openapi.json', (c) => c.json(openapi));
  mountRoutes(app, routes, deps.store);
  if (deps.dashboardDir !== undefined) mountDashboard(app, deps.dashboardDir);

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = routes.filter((r) => matchPath(r.path, path)).map((r) => r.method.toUpperCase());
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '));
      return c.json(errorBody(new ApiError('method_not_allowed', `${c.req.method} is not allowed on ${path}`)), 405);
    }
    return c.json(errorBody(new ApiError('not_found', `no route for ${c.req.method} ${path}`)), 404);
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err), err.status as 400);
    deps.logger.error({ err, requestId: c.get('requestId'), path: new URL(c.req.url).pathname }, 'unhandled error in request');
    return c.json(errorBody(new ApiError('internal', 'internal server error; see server logs for request id ' + c.get('requestId'))), 500);
  });

  return app;
}

function matchPath(pattern: string, path: string): boolean {
  const re = new RegExp('^' + pattern.replace(/:[^/]+/g, '[^/]+') + '/?$');
  return re.test(path);
}
