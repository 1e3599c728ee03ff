import { z } from 'zod';
import { ErrorBody } from '@unpod/protocol';
import { VERSION } from '../../version.js';
import type { RouteSpec } from './route.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** OpenAPI 3 description generated from the same zod schemas that validate requests. */
export function buildOpenApi(routes: RouteSpec[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const params: unknown[] = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const q = schemaOf(r.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, s] of Object.entries(q.properties ?? {})) params.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema: s });
    }
    const status = String(r.status ?? 200);
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters: params,
      responses: {
        [status]: status === '204' ? { description: 'No content' } : { description: 'OK', content: r.response ? { 'application/json': { schema: schemaOf(r.response, 'output') } } : {} },
        default: { description: 'Error', content: { 'application/json': { schema: schemaOf(ErrorBody, 'output') } } },
      },
      ...(r.auth === false ? { security: [] } : {}),
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } };
    if (r.method === 'post' && r.idempotent !== false && r.auth !== false) {
      params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } });
    }
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Unpod API', version: VERSION, description: 'Management API of the Unpod Speech Stack.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API key sk_...' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
