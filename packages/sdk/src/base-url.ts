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

/** Derive the HTTP and WebSocket bases from an explicit value, `UNPOD_BASE_URL`, or the default. */
export function resolveBaseUrls(explicit?: string, env: NodeJS.ProcessEnv = process.env): BaseUrls {
  const raw = (explicit ?? env.UNPOD_BASE_URL ?? '').trim() || DEFAULT_BASE_URL;
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
