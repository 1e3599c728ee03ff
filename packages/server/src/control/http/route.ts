import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { KeyIdentity } from '../store/repos/api-keys.js';
import type { Store } from '../store/store.js';
import { ApiError } from '../errors.js';
import { readBodyText } from './body.js';

/** Per-request values set by middleware. */
export interface AppEnv {
  Variables: {
    identity: KeyIdentity;
    requestId: string;
  };
}

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

/** Parsed, validated input handed to a route handler. */
export interface RouteInput<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  spaceId: string;
  c: Context<AppEnv>;
}

/** What a handler returns: a JSON body with status, or a raw Response (binary, 204). */
export type RouteResult = { status?: number; body: unknown } | Response;

/**
 * One REST route, declared once: the same schemas validate requests and generate `/openapi.json`.
 */
export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** Hono path syntax, e.g. `/v1/pipes/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** Default true: requires `Authorization: Bearer sk_...`. */
  auth?: boolean;
  body?: B;
  query?: Q;
  response?: z.ZodType;
  /** Success status, default 200. */
  status?: number;
  /** POSTs that create or act honour `Idempotency-Key` unless this is false. */
  idempotent?: boolean;
  handler: (input: RouteInput<z.output<B>, z.output<Q>>) => Promise<RouteResult>;
}

/** Define a route with inference of its body and query types. */
export function route<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined>(spec: RouteSpec<B, Q>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** Turn the first zod issue into an ApiError naming the offending field. */
export function validationError(error: z.ZodError, prefix?: string): ApiError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const field = [...issue.path.map(String), key].join('.');
    return new ApiError('validation_failed', `unknown field "${field}"`, prefix ? `${prefix}.${field}` : field);
  }
  const field = issue.path.map(String).join('.');
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  const full = prefix && field ? `${prefix}.${field}` : prefix || field || undefined;
  return new ApiError('validation_failed', full ? `${full}: ${message}` : message, full);
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  // zod 4 records an issue's `input` only when asked; `validationError` needs it to tell a
  // missing field from a wrong-typed one.
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}

async function readJsonBody(c: Context<AppEnv>): Promise<{ raw: string; value: unknown }> {
  const raw = await readBodyText(c);
  if (raw.trim() === '') return { raw, value: {} };
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError('unsupported_media_type', 'request body must be JSON (Content-Type: application/json)');
  }
  try {
    return { raw, value: JSON.parse(raw) };
  } catch {
    throw new ApiError('invalid_json', 'request body is not valid JSON');
  }
}

function queryObject(c: Context<AppEnv>): Record<string, string> {
  const url = new URL(c.req.url);
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) out[k] = v;
  return out;
}

const MAX_IDEMPOTENCY_KEY = 255;

const NO_BODY = z.strictObject({});

/**
 * PostgreSQL text cannot hold NUL (SQLite can), so a NUL anywhere in a request is refused at the
 * edge and both engines answer alike. Returns the dotted path of the first string or key holding
 * one ('' for a bare string), or undefined. Iterative with parent links: linear for any nesting.
 */
function nulPath(value: unknown): string | undefined {
  const nodes: Array<{ value: unknown; parent: number; key: string }> = [{ value, parent: -1, key: '' }];
  const pathOf = (index: number, last?: string): string => {
    const keys = last === undefined ? [] : [last];
    for (let i = index; i > 0; i = nodes[i]!.parent) keys.unshift(nodes[i]!.key);
    return keys.join('.');
  };
  for (let i = 0; i < nodes.length; i++) {
    const v = nodes[i]!.value;
    if (typeof v === 'string') {
      if (v.includes('\0')) return pathOf(i);
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v)) {
        if (key.includes('\0')) return pathOf(i, key);
        nodes.push({ value: child, parent: i, key });
      }
    }
  }
  return undefined;
}

function refuseNul(c: Context<AppEnv>, body: unknown, query: Record<string, string>): void {
  // No id contains NUL, so such a path names nothing.
  if (Object.values(c.req.param() as Record<string, string>).some((p) => p.includes('\0'))) throw new ApiError('not_found', 'not found');
  for (const [name, v] of Object.entries(query)) {
    if (!name.includes('\0') && !v.includes('\0')) continue;
    if (name === 'cursor') throw new ApiError('invalid_cursor', 'cursor is not valid for this list', 'cursor');
    throw new ApiError('validation_failed', 'query parameters must not contain NUL characters', name);
  }
  const field = nulPath(body);
  if (field !== undefined) throw new ApiError('validation_failed', `${field || 'body'}: must not contain NUL characters`, field || undefined);
}

/** Register routes on the app, wrapping each with validation and idempotency. */
export function mountRoutes(app: Hono<AppEnv>, routes: RouteSpec[], store: Store): void {
  for (const spec of routes) {
    app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      const takesBody = spec.method === 'post' || spec.method === 'patch';
      const { raw, value } = takesBody ? await readJsonBody(c) : { raw: '', value: undefined };
      refuseNul(c, value, queryObject(c));
      // Routes without a body schema accept no body or `{}`, and refuse anything else rather than
      // silently ignore it.
      const body = spec.body ? parseWith(spec.body, value) : takesBody ? (parseWith(NO_BODY, value), undefined) : undefined;
      const query = spec.query ? parseWith(spec.query, queryObject(c)) : undefined;
      const identity = spec.auth === false ? undefined : c.get('identity');
      const input = { body, query, params: c.req.param() as Record<string, string>, spaceId: identity?.spaceId ?? '', c };

      const idemKey = c.req.header('idempotency-key');
      if (spec.method === 'post' && spec.idempotent !== false && idemKey !== undefined && identity) {
        return runIdempotent(c, store, identity.spaceId, idemKey, raw, () => spec.handler(input), spec.status);
      }
      return toResponse(c, await spec.handler(input), spec.status);
    });
  }
}

function toResponse(c: Context<AppEnv>, result: RouteResult, defaultStatus = 200): Response {
  if (result instanceof Response) return result;
  const status = result.status ?? defaultStatus;
  if (status === 204) return c.body(null, 204);
  return c.json(result.body as object, status as 200);
}

async function runIdempotent(
  c: Context<AppEnv>,
  store: Store,
  spaceId: string,
  key: string,
  rawBody: string,
  run: () => Promise<RouteResult>,
  defaultStatus?: number,
): Promise<Response> {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiError('validation_failed', `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY} visible ASCII characters`, 'Idempotency-Key');
  }
  const path = new URL(c.req.url).pathname;
  const bodyHash = createHash('sha256').update(rawBody).digest('hex');
  const claim = await store.idempotency.claim(spaceId, key, 'POST', path, bodyHash);
  if (claim.kind === 'replay') {
    c.header('Idempotent-Replayed', 'true');
    return new Response(claim.body, { status: claim.status, headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' } });
  }
  if (claim.kind === 'mismatch') {
    throw new ApiError('idempotency_key_reused', 'this Idempotency-Key was used with a different request', 'Idempotency-Key');
  }
  if (claim.kind === 'in_progress') {
    throw new ApiError('idempotency_in_progress', 'a request with this Idempotency-Key is still in progress; retry shortly', 'Idempotency-Key');
  }
  try {
    const response = toResponse(c, await run(), defaultStatus);
    const text = await response.clone().text();
    if (response.status < 500) await store.idempotency.complete(spaceId, key, response.status, text);
    else await store.idempotency.release(spaceId, key);
    return response;
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) {
      await store.idempotency.complete(spaceId, key, err.status, JSON.stringify(errorBody(err)));
    } else {
      await store.idempotency.release(spaceId, key);
    }
    throw err;
  }
}

/** The JSON error body for an ApiError. */
export function errorBody(err: ApiError): { error: { code: string; message: string; field?: string } } {
  return { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
}
