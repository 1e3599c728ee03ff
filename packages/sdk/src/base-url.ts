/**
 * One knob reaches every Unpod endpoint: `UNPOD_BASE_URL` (or the `baseUrl` option) names the
 * server. It accepts a bare host (`localhost:7700`) or an `http://`, `https://`, `ws://` or
 * `wss://` URL; `http`/`ws` keep the derived URLs insecure, anything else derives `https`/`wss`.
 * A bare host is treated as insecure only when it is a loopback address.
 */
export interface BaseUrls {
  /** e.g. `http://127.0.0.1:7700` (no trailing slash); REST paths such as `/v1/pipes` are appended. */
  http: string;
  /** e.g. `ws://127.0.0.1:7700`; socket paths such as `/v1/internal/workers` are appended. */
  ws: string;
}

/** Where a self-hosted stack listens by default (`unpod dev`). */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:7700';

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$)/i;

/**
 * Derive the HTTP and WebSocket bases from an explicit value, `UNPOD_BASE_URL`, or the default.
 * A comma-separated list (several nodes of one cluster) yields its first entry; runners use
 * {@link resolveBaseUrlList} to rotate through all of them.
 */
export function resolveBaseUrls(explicit?: string, env: NodeJS.ProcessEnv = process.env): BaseUrls {
  const listed = (explicit ?? env.UNPOD_BASE_URL ?? '').split(',').map((s) => s.trim()).find((s) => s !== '');
  return resolveOne(listed ?? DEFAULT_BASE_URL);
}

/**
 * Every base of a cluster, in order: `explicit` (an array, or a comma-separated string), else
 * `UNPOD_BASE_URL` split on commas, else the default. Throws `TypeError` on an invalid entry or
 * an empty array.
 */
export function resolveBaseUrlList(explicit?: string | readonly string[], env: NodeJS.ProcessEnv = process.env): BaseUrls[] {
  const raw = Array.isArray(explicit) ? explicit : ((explicit as string | undefined) ?? env.UNPOD_BASE_URL ?? '').split(',');
  if (Array.isArray(explicit) && explicit.length === 0) throw new TypeError('baseUrls must name at least one Unpod server');
  const entries = raw.map((s) => String(s).trim()).filter((s) => s !== '');
  if (Array.isArray(explicit) && entries.length !== explicit.length) throw new TypeError('baseUrls must not contain empty entries');
  return (entries.length > 0 ? entries : [DEFAULT_BASE_URL]).map(resolveOne);
}

function resolveOne(value: string): BaseUrls {
  const raw = value.trim() || DEFAULT_BASE_URL;
  const match = /^(https?|wss?):\/\/(.*)$/i.exec(raw);
  let secure: boolean;
  let rest: string;
  if (match) {
    const scheme = match[1]!.toLowerCase();
    secure = scheme === 'https' || scheme === 'wss';
    rest = match[2]!;
  } else {
    rest = raw;
    secure = !LOOPBACK.test(raw);
  }
  rest = rest.replace(/\/+$/, '');
  if (!rest) throw new TypeError(`invalid Unpod base URL: "${raw}"`);
  return { http: `${secure ? 'https' : 'http'}://${rest}`, ws: `${secure ? 'wss' : 'ws'}://${rest}` };
}
