import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import type { AppEnv } from './route.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names built assets by content hash, so they never change under the same URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The HTML shell must be revalidated so a new build is picked up at once. */
const REVALIDATE = 'no-cache';

/** `packages/dashboard/dist` next to this package in the monorepo, whether run from src or dist. */
export function defaultDashboardDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '../../../../dashboard/dist');
}

/** True when `dir` holds a built dashboard. */
export function dashboardBuilt(dir: string): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

/**
 * Serve the built dashboard at `/`: files under `dir`, and `index.html` for any other GET outside
 * the API (client-side routes), with cache headers per kind. `/v1/*` and `/openapi.json` are never
 * touched: an unknown API path still gets the JSON 404. Mount after every API route.
 */
export function mountDashboard(app: Hono<AppEnv>, dir: string): void {
  const root = path.resolve(dir);
  app.get('*', async (c) => {
    const pathname = new URL(c.req.url).pathname;
    if (pathname.startsWith('/v1/') || pathname === '/v1' || pathname === '/openapi.json') return c.notFound();
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return c.notFound();
    }
    if (decoded.includes('\0')) return c.notFound();
    const candidate = path.resolve(root, '.' + path.posix.normalize(decoded));
    const inside = candidate === root || candidate.startsWith(root + path.sep);
    const file = inside && candidate !== root && (await stat(candidate).catch(() => undefined))?.isFile() ? candidate : undefined;
    if (file) {
      const rel = path.relative(root, file);
      const cache = rel.startsWith('assets' + path.sep) ? IMMUTABLE : REVALIDATE;
      const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      return c.body(await readFile(file), 200, { 'content-type': type, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
    }
    // A missing asset is a real 404 (a stale page asking for an old hash), not the HTML shell.
    if (decoded.startsWith('/assets/') || path.extname(decoded) !== '') return c.notFound();
    const html = await readFile(path.join(root, 'index.html')).catch(() => undefined);
    if (!html) return c.notFound();
    return c.body(html, 200, { 'content-type': CONTENT_TYPES['.html']!, 'cache-control': REVALIDATE, 'x-content-type-options': 'nosniff' });
  });
}
