import type { Context, Hono, Next } from 'hono';
import { metrics } from './metrics.js';
import type { Readiness } from './readiness.js';

/**
 * Operations endpoints, outside `/v1` and without auth (a load balancer and Prometheus call them):
 * `GET /healthz` (the process answers), `GET /readyz` (dependencies; 503 when one is down) and
 * `GET /metrics` (Prometheus text format). Keep them off the public internet at the load balancer.
 */
export function mountOpsRoutes(app: Hono<any>, deps: { nodeId: string; readiness: Readiness | undefined; startedAtMs: number }): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  app.get('/healthz', (c) => c.json({ status: 'ok', node_id: deps.nodeId, uptime_s: Math.round((Date.now() - deps.startedAtMs) / 1000) }));
  app.get('/readyz', async (c) => {
    if (!deps.readiness) return c.json({ status: 'not_ready', node_id: deps.nodeId, error: 'readiness is not wired on this app' }, 503);
    const report = await deps.readiness.check();
    return c.json(report, report.status === 'ready' ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    const { contentType, body } = await metrics.scrape();
    return c.body(body, 200, { 'content-type': contentType });
  });
}

/** Middleware timing every request into `unpod_http_request_duration_seconds` by route pattern. */
export async function httpMetrics(c: Context, next: Next): Promise<void> {
  const started = performance.now();
  await next();
  // After next(), routePath is the pattern of the last handler run (`/v1/calls/:id`); requests
  // no route matched end on a catch-all middleware and share one label.
  const pattern = c.req.routePath;
  const route = pattern === '*' || pattern === '/*' || pattern === '/v1/*' ? 'unmatched' : pattern;
  metrics.httpRequest(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
}
