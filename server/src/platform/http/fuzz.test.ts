// A fuzz of every operation in /v1/openapi.json, as an outside probe would run it: requests
// shaped by each operation's own schemas (valid, nearly valid and garbage values, real and
// bogus ids, other tenants' ids) must never get a 5xx, and every answer — success or error —
// is in the envelope with a documented code. The seed is fixed, so a failure replays.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { documentedErrorCodes } from '../errors.js';

type Json = Record<string, unknown>;
type Operation = { operationId: string; parameters: { name: string; in: string; required: boolean; schema: Json }[]; requestBody?: { content: Record<string, { schema: Json }> } };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Json> } };

const RUNS_PER_OPERATION = 25;
const SEED = 20_261_202;
/** Answers that hold the connection open by design; their headers are checked, then the request is dropped. */
const STREAMING = 'text/event-stream';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let doc: Doc;
const ids: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Fuzz A');
  b = await t.tenant('Fuzz B');
  doc = (await (await t.client().raw('GET', '/v1/openapi.json')).json()) as Doc;
  // Real ids of both tenants, so fuzzed paths reach the handlers, not only the 404 branch.
  for (const tenant of [a, b]) {
    const wf = (await (await tenant.client.raw('POST', '/v1/workflows', { body: { name: 'Fuzz flow' } })).json()) as { data: { id: string } };
    const task = (await (await tenant.client.raw('POST', `/v1/workflows/${wf.data.id}/tasks`, { body: { name: 'One' } })).json()) as { data: { id: string } };
    ids.push(wf.data.id, task.data.id);
    const diffs = (await (await tenant.client.raw('GET', '/v1/diffs', { query: { limit: 3 } })).json()) as { data: { id: string }[] };
    ids.push(...diffs.data.map((d) => d.id));
  }
  ids.push(a.userId, b.userId, a.tenantId);
}, 120_000);
afterAll(() => t?.stop());

function resolveRef(schema: Json): Json {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  return doc.components.schemas[ref.split('/').pop()!] ?? {};
}

const garbage = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(''), fc.constant('\u0000'), fc.string({ unit: 'grapheme', maxLength: 20 }));

/** Values for a JSON Schema: mostly of the declared shape, sometimes not. */
function valueFor(raw: Json, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolveRef(raw);
  if (depth > 4) return garbage;
  const options: fc.Arbitrary<unknown>[] = [];
  const anyOf = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (anyOf) options.push(...anyOf.map((s) => valueFor(s, depth + 1)));
  if (Array.isArray(schema.enum)) options.push(fc.constantFrom(...(schema.enum as unknown[])));
  if ('const' in schema) options.push(fc.constant(schema.const));
  switch (schema.type) {
    case 'string':
      options.push(
        fc.string({ minLength: Number(schema.minLength ?? 0), maxLength: Math.min(Number(schema.maxLength ?? 60), 200) }),
        fc.constantFrom(...ids, 'x', '2026-01-01', '2026-01-01T00:00:00Z', 'a@b.c', '*/5 * * * *', 'http://169.254.169.254/', 'https://example.test/hook'),
      );
      break;
    case 'integer':
    case 'number':
      options.push(fc.integer({ min: -5, max: 1_000 }), fc.constantFrom(0, -1, 2 ** 31, Number.MAX_SAFE_INTEGER, 1.5));
      break;
    case 'boolean':
      options.push(fc.boolean());
      break;
    case 'array':
      options.push(fc.array(valueFor((schema.items as Json) ?? {}, depth + 1), { maxLength: 4 }));
      break;
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Json>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const shape = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valueFor(s, depth + 1)]));
      if (Object.keys(shape).length > 0) options.push(fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) }), fc.record(shape, { requiredKeys: [] }));
      options.push(fc.constant({}), fc.dictionary(fc.string({ maxLength: 8 }), garbage, { maxKeys: 3 }));
      break;
    }
  }
  options.push(garbage);
  return fc.oneof(...options);
}

type Case = { path: Record<string, unknown>; query: Record<string, unknown>; body: unknown; bodyKind: 'json' | 'text' | 'none'; as: 'a' | 'b' | 'anonymous' };

function caseFor(op: Operation): fc.Arbitrary<Case> {
  const byPlace = (place: string) =>
    Object.fromEntries(op.parameters.filter((p) => p.in === place).map((p) => [p.name, fc.oneof(valueFor(p.schema), fc.constantFrom(...ids))]));
  const bodySchema = op.requestBody?.content['application/json']?.schema;
  return fc.record({
    path: fc.record(byPlace('path')),
    query: fc.record(byPlace('query'), { requiredKeys: [] }),
    body: bodySchema ? valueFor(bodySchema) : fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
    bodyKind: fc.constantFrom('json', 'json', 'json', 'text', 'none'),
    as: fc.constantFrom('a', 'a', 'a', 'b', 'anonymous'),
  }) as fc.Arbitrary<Case>;
}

const toText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

function urlOf(template: string, path: Record<string, unknown>, query: Record<string, unknown>): string {
  const filled = template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(toText(path[name] ?? 'x')));
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, toText(v));
  const q = qs.toString();
  return q ? `${filled}?${q}` : filled;
}

type Finding = { request: string; status: number; problem: string };

async function probe(method: string, template: string, c: Case, n: number): Promise<Finding | null> {
  const url = urlOf(template, c.path, c.query);
  const token = c.as === 'a' ? a.token : c.as === 'b' ? b.token : undefined;
  // A new client address for each request: the per-IP brake on sign-up and login would
  // otherwise turn most of this fuzz into 429s.
  const headers: Record<string, string> = { 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (method !== 'GET' && c.bodyKind !== 'none' && c.body !== undefined) {
    headers['content-type'] = c.bodyKind === 'json' ? 'application/json' : 'text/plain';
    body = c.bodyKind === 'json' ? JSON.stringify(c.body) : toText(c.body);
  }
  const controller = new AbortController();
  const res = await fetch(`${t.baseUrl}${url}`, { method, headers, body, signal: controller.signal });
  const request = `${method} ${url} ${body ?? ''}`.slice(0, 400);
  const type = res.headers.get('content-type') ?? '';
  if (res.status >= 500) return { request, status: res.status, problem: await res.text() };
  if (type.startsWith(STREAMING)) {
    controller.abort();
    await res.body?.cancel().catch(() => undefined);
    return null;
  }
  // Exports (CSV, JSON lines) and the OpenAPI document itself are the success bodies outside the envelope.
  if (res.ok && (!type.startsWith('application/json') || template === '/v1/openapi.json')) {
    await res.text();
    return null;
  }
  const text = await res.text();
  let env: { data?: unknown; meta?: { request_id?: string }; error?: { code?: string } | null };
  try {
    env = JSON.parse(text) as typeof env;
  } catch {
    return { request, status: res.status, problem: `not JSON: ${text.slice(0, 200)}` };
  }
  if (!env || typeof env !== 'object' || !('data' in env) || !('error' in env) || typeof env.meta?.request_id !== 'string') {
    return { request, status: res.status, problem: `outside the envelope: ${text.slice(0, 200)}` };
  }
  if (!res.ok && !(env.error?.code && env.error.code in documentedErrorCodes())) return { request, status: res.status, problem: `undocumented code ${env.error?.code}` };
  return null;
}

describe('fuzz over the OpenAPI document', () => {
  it('no operation answers 5xx or outside the envelope to any input', { timeout: 600_000 }, async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => ({ method: m.toUpperCase(), path, op })));
    expect(operations.length).toBeGreaterThan(80);
    const findings: Finding[] = [];
    let n = 0;
    for (const { method, path, op } of operations) {
      // Logging out or revoking would end the sessions the rest of the fuzz uses.
      if (/logout|sessions|api-keys\/\{id\}/.test(path) && method !== 'GET') continue;
      await fc.assert(
        fc.asyncProperty(caseFor(op), async (c) => {
          const found = await probe(method, path, c, ++n);
          if (found) findings.push(found);
          return true;
        }),
        { numRuns: RUNS_PER_OPERATION, seed: SEED, endOnFailure: true },
      );
    }
    expect(n).toBeGreaterThan(operations.length * (RUNS_PER_OPERATION - 1));
    const distinct = [...new Map(findings.map((f) => [`${f.request.split(' ').slice(0, 2).join(' ').split('?')[0]} ${f.status}`, f])).values()];
    expect(distinct, JSON.stringify(distinct.slice(0, 20), null, 2)).toEqual([]);
  });
});
