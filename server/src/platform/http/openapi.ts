// The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with.
import { z } from 'zod';
import { documentedErrorCodes, ERROR_CODES } from '../errors.js';
import type { RegisteredRoute } from './route.js';

type JsonSchema = Record<string, unknown>;

/** Definitions shared by the whole document (components.schemas), with a normalised shape for de-duplication. */
type SharedDefs = { schemas: Record<string, JsonSchema>; shapes: Map<string, string> };

/**
 * A zod schema as JSON Schema. Recursive parts (every z.json()) come with local `$defs`
 * whose `#/$defs/…` refs would dangle once embedded in the document: they move to
 * components.schemas (identical self-contained ones shared) and the refs follow them.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output', shared: SharedDefs): JsonSchema {
  const { $schema: _drop, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  if (!$defs) return rest;
  const target = new Map<string, string>();
  const fresh: string[] = [];
  for (const [name, def] of Object.entries($defs)) {
    const shape = JSON.stringify(def).replaceAll(`"#/$defs/${name}"`, '"#self"');
    const selfContained = !shape.includes('"#/$defs/');
    const same = selfContained ? [...shared.shapes].find(([, s]) => s === shape)?.[0] : undefined;
    const key = same ?? `Schema${shared.shapes.size + fresh.length + 1}`;
    target.set(name, key);
    if (!same) fresh.push(name);
    if (!same && selfContained) shared.shapes.set(key, shape);
  }
  const rewrite = (v: unknown): JsonSchema =>
    JSON.parse(JSON.stringify(v).replace(/"#\/\$defs\/([^"]+)"/g, (_, n: string) => `"#/components/schemas/${target.get(n)}"`)) as JsonSchema;
  for (const name of fresh) shared.schemas[target.get(name)!] = rewrite($defs[name]);
  return rewrite(rest);
}

function parameters(route: RegisteredRoute, shared: SharedDefs): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const js = toSchema(schema, 'input', shared) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || !!js.required?.includes(name), schema: prop });
    }
  }
  return out;
}

type Code = keyof typeof ERROR_CODES;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The error answers an operation can give, by status, from what its route declares: scoped
 * routes authenticate and are rate-limited, inputs are validated, writes can conflict, need a
 * why, or be refused by a rule. Each status lists its codes (an enum), all in the envelope.
 */
function errorResponses(route: RegisteredRoute): Record<string, JsonSchema> {
  const byStatus: Record<string, Code[]> = { 400: ['BAD_URL', 'BAD_REQUEST'] };
  const add = (status: number, ...codes: Code[]) => (byStatus[status] ??= []).push(...codes);
  const write = WRITES.has(route.method);
  if (route.params || route.query || route.body) add(400, 'VALIDATION_FAILED');
  if (route.query) add(400, 'BAD_CURSOR');
  if (route.body) add(400, 'BAD_JSON');
  if (route.scope !== null) {
    add(401, 'UNAUTHENTICATED');
    add(403, 'FORBIDDEN', ...(write ? (['CSRF_FAILED', 'STEP_UP_REQUIRED'] as const) : []));
  }
  if (route.params) add(404, 'NOT_FOUND');
  add(414, 'URI_TOO_LONG');
  if (write && route.scope !== null) {
    add(409, 'VERSION_CONFLICT', 'CONFLICT', 'BLOCKED_BY_RULE');
    add(422, 'WHY_REQUIRED');
  }
  if (route.method === 'POST' && route.scope !== null) add(422, 'IDEMPOTENCY_KEY_REUSED'), add(409, 'IDEMPOTENCY_IN_PROGRESS');
  if (route.body) add(413, 'PAYLOAD_TOO_LARGE'), add(415, 'UNSUPPORTED_MEDIA_TYPE');
  add(431, 'HEADERS_TOO_LARGE');
  if (route.scope !== null || route.ipLimited) add(429, 'RATE_LIMITED');
  add(500, 'INTERNAL');
  if ('DATABASE_UNAVAILABLE' in ERROR_CODES) add(503, 'DATABASE_UNAVAILABLE' as Code);
  return Object.fromEntries(
    Object.entries(byStatus).map(([status, codes]) => [
      status,
      {
        description: [...new Set(codes)].join(', '),
        content: { 'application/json': { schema: { allOf: [{ $ref: '#/components/schemas/ErrorEnvelope' }, { properties: { error: { properties: { code: { enum: [...new Set(codes)] } } } } }] } } },
      },
    ]),
  );
}

/** A write any require_approval rule may hold: 202 with the approval it became. */
const HELD: JsonSchema = { description: 'Held for approval by a rule of the workspace; approving applies it as asked.', content: { 'application/json': { schema: { $ref: '#/components/schemas/HeldEnvelope' } } } };

export function buildOpenApi(routes: readonly RegisteredRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const shared: SharedDefs = { schemas: {}, shapes: new Map() };
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const status = String(route.successStatus ?? 200);
    const success: JsonSchema = route.produces
      ? { description: 'OK', content: Object.fromEntries(route.produces.map((t) => [t, { schema: { type: 'string' } }])) }
      : {
          description: 'OK',
          content: {
            'application/json': {
              schema: {
                // The registry always sends all three (route.ts), so generated clients need not
                // treat `data` as optional.
                type: 'object',
                required: ['data', 'meta', 'error'],
                properties: {
                  data: route.response ? toSchema(route.response, 'output', shared) : {},
                  meta: { $ref: '#/components/schemas/Meta' },
                  error: { type: 'null' },
                },
              },
            },
          },
        };
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      summary: route.summary,
      tags: route.tags,
      operationId: `${route.method.toLowerCase()}_${route.url.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '')}`,
      security: route.scope ? [{ bearer: [] }] : [],
      'x-atrium-scope': route.scope,
      parameters: parameters(route, shared),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input', shared) } } } } : {}),
      responses: {
        [status]: success,
        ...(WRITES.has(route.method) && route.scope !== null && status !== '202' ? { 202: HELD } : {}),
        ...errorResponses(route),
        default: { $ref: '#/components/responses/Error' },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Atrium API', version, description: 'Every change is a diff: before → after → who → why.' },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Session token or API key (atr_…)' } },
      schemas: {
        ...shared.schemas,
        Meta: {
          // Every envelope has the first two (route.ts, server.ts envelopeError); routes add
          // their own (next_cursor, total, unread_count, held…).
          type: 'object', required: ['request_id', 'timestamp'], additionalProperties: true,
          properties: { request_id: { type: 'string' }, timestamp: { type: 'string' }, next_cursor: { type: 'string' } },
        },
        ErrorCode: { type: 'string', enum: Object.keys(documentedErrorCodes()), description: JSON.stringify(documentedErrorCodes()) },
        ErrorEnvelope: {
          type: 'object', required: ['data', 'meta', 'error'],
          properties: {
            data: { type: 'null' },
            meta: { $ref: '#/components/schemas/Meta' },
            error: {
              type: 'object', required: ['code', 'message', 'details'],
              properties: { code: { $ref: '#/components/schemas/ErrorCode' }, message: { type: 'string' }, details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } },
            },
          },
        },
        HeldEnvelope: {
          type: 'object',
          properties: {
            data: { type: 'object', required: ['id', 'status', 'summary'], properties: { id: { type: 'string' }, status: { const: 'pending' }, summary: { type: 'string' }, rule_id: { type: 'string' } } },
            meta: { allOf: [{ $ref: '#/components/schemas/Meta' }, { properties: { held: { const: true }, message: { type: 'string' } } }] },
            error: { type: 'null' },
          },
        },
      },
      responses: {
        Error: {
          description: 'Error envelope',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  data: { type: 'null' },
                  meta: { $ref: '#/components/schemas/Meta' },
                  error: {
                    type: 'object',
                    properties: {
                      code: { $ref: '#/components/schemas/ErrorCode' },
                      message: { type: 'string' },
                      details: { type: 'array' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
