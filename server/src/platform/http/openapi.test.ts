// /v1/openapi.json describes every route the server answers, with the scope it enforces
// (checked against real requests) and its parameters; /metrics exposes the counters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectOk } from '../../testing/http.js';

type Json = Record<string, unknown>;
type Parameter = { name: string; in: string; required: boolean; schema: Json };
type Operation = {
  operationId: string; summary: string; tags: string[]; security: unknown[]; 'x-atrium-scope': string | null;
  parameters: Parameter[]; requestBody?: { content: Record<string, { schema: Json }> }; responses: Record<string, Json>;
};
type Doc = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>>; components: Json };

/** The ledger and platform surface of the foundation, with the scope each route must enforce. */
const EXPECTED: [string, string, string | null][] = [
  ['get', '/healthz', null], ['get', '/readyz', null], ['get', '/v1/openapi.json', null],
  ['get', '/v1/diffs', 'read'], ['post', '/v1/diffs', 'write'], ['get', '/v1/diffs/{id}', 'read'],
  ['get', '/v1/diffs/{id}/annotations', 'read'], ['post', '/v1/diffs/{id}/annotations', 'write'],
  ['get', '/v1/annotations', 'read'], ['get', '/v1/entities/{type}/{id}/history', 'read'], ['get', '/v1/entities/{type}/{id}/state', 'read'],
  ['get', '/v1/export/diffs.csv', 'read'], ['get', '/v1/export/diffs.jsonl', 'read'], ['get', '/v1/stream', 'read'],
];
/** Routes deliberately outside the API document. */
// GET /* serves the web app (platform/http/static.ts), not an API operation.
const UNDOCUMENTED = new Set(['GET /metrics', 'GET *']);

let t: TestApp;
let a: TestTenant;
let doc: Doc;
let readOnly: string;
const operations = (): [string, string, Operation][] =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => [m, path, op] as [string, string, Operation]));

/** Method + path of every route Fastify serves, rebuilt from its route tree (HEAD left out). */
function servedRoutes(): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of t.app.http.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = full;
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.add(`${method} ${full}`);
  }
  return out;
}

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('OpenAPI A');
  readOnly = (await t.app.identity.issueToken({ tenantId: a.tenantId, userId: null, kind: 'api_key', scopes: ['read'] })).token;
  const res = await t.client().raw('GET', '/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});
afterAll(() => t?.stop());

describe('GET /v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document, public, with info, paths and components', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Atrium API', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(operations().length).toBeGreaterThanOrEqual(EXPECTED.length);
  });

  it('lists every route the server answers, and only those', () => {
    const served = servedRoutes();
    expect(served.size).toBeGreaterThan(EXPECTED.length);
    const documented = new Set(operations().map(([m, p]) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`));
    expect([...served].filter((r) => !documented.has(r) && !UNDOCUMENTED.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
  });

  it('names the scope of each ledger and platform route', () => {
    for (const [method, path, scope] of EXPECTED) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op!['x-atrium-scope'], `${method} ${path}`).toBe(scope);
      expect(op!.security, `${method} ${path}`).toEqual(scope ? [{ bearer: [] }] : []);
    }
  });

  it('every operation is well formed: unique operationId, path parameters declared, responses, resolvable $refs', () => {
    const seen = new Set<string>();
    for (const [method, path, op] of operations()) {
      const where = `${method} ${path}`;
      expect(seen.has(op.operationId), where).toBe(false);
      seen.add(op.operationId);
      expect(op.summary.length, where).toBeGreaterThan(0);
      expect(op.tags.length, where).toBeGreaterThan(0);
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name).sort(), where).toEqual(inPath.sort());
      for (const p of op.parameters) {
        expect(['path', 'query'], where).toContain(p.in);
        if (p.in === 'path') expect(p.required, `${where} ${p.name}`).toBe(true);
      }
      expect(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), where).toBe(true);
      expect(op.responses.default, where).toEqual({ $ref: '#/components/responses/Error' });
    }
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = ref!.split('/').reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
    const codes = (doc.components as { schemas: { ErrorCode: { enum: string[] } } }).schemas.ErrorCode.enum;
    expect(codes).toEqual(expect.arrayContaining(['BAD_JSON', 'VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'WHY_REQUIRED', 'PAYLOAD_TOO_LARGE', 'BAD_CURSOR']));
  });

  it('documents the parameters and body of the ledger routes as they are validated', () => {
    const list = doc.paths['/v1/diffs']!.get!;
    expect(list.parameters.map((p) => p.name).sort()).toEqual(['actor_id', 'cursor', 'entity_id', 'entity_type', 'event', 'limit', 'namespace', 'since', 'until']);
    expect(list.parameters.every((p) => p.in === 'query' && !p.required)).toBe(true);
    expect(list.parameters.find((p) => p.name === 'limit')!.schema).toMatchObject({ minimum: 1, maximum: 200, default: 50 });
    expect(doc.paths['/v1/entities/{type}/{id}/state']!.get!.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['path:id', 'path:type', 'query:at']);
    expect(doc.paths['/v1/annotations']!.get!.parameters.find((p) => p.name === 'q')!.required).toBe(true);
    const body = doc.paths['/v1/diffs']!.post!.requestBody!.content['application/json']!.schema as { required: string[]; additionalProperties: boolean; properties: Json };
    expect(body.required.sort()).toEqual(['entity_id', 'entity_type', 'event', 'namespace']);
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['why', 'sentiment', 'before', 'after', 'metadata', 'causation_id', 'correlation_id']));
    expect(Object.keys(doc.paths['/v1/diffs']!.post!.responses)).toContain('201');
    expect(Object.keys(doc.paths['/v1/export/diffs.csv']!.get!.responses['200']!.content as Json)).toEqual(['text/csv']);
  });

  it('the documented scope is the one enforced: 401 without credentials, 403 with too little scope', async () => {
    for (const [method, path] of EXPECTED) {
      const op = doc.paths[path]![method]!;
      const url = path.replace(/\{(\w+)\}/g, 'x');
      const scope = op['x-atrium-scope'];
      const anon = await fetch(`${t.baseUrl}${url}`, { method: method.toUpperCase() });
      await anon.body?.cancel();
      expect(anon.status === 401, `${method} ${path} without credentials answered ${anon.status}`).toBe(scope !== null);
      const ro = await fetch(`${t.baseUrl}${url}`, { method: method.toUpperCase(), headers: { authorization: `Bearer ${readOnly}` } });
      await ro.body?.cancel();
      expect(ro.status === 403, `${method} ${path} with a read key answered ${ro.status}`).toBe(scope === 'write' || scope === 'admin');
    }
  });
});

describe('documented answers', () => {
  type ErrorResponse = { content: { 'application/json': { schema: { allOf: [unknown, { properties: { error: { properties: { code: { enum: string[] } } } } }] } } } };
  const codesAt = (op: Operation, status: string): string[] =>
    (op.responses[status] as ErrorResponse | undefined)?.content['application/json'].schema.allOf[1].properties.error.properties.code.enum ?? [];

  it('every authenticated write documents 202 (a rule may hold it for approval) and its 4xx by status', () => {
    for (const [method, path, op] of operations()) {
      const where = `${method} ${path}`;
      expect(codesAt(op, '400'), where).toContain('BAD_URL');
      if (op['x-atrium-scope'] === null) continue;
      expect(codesAt(op, '401'), where).toEqual(['UNAUTHENTICATED']);
      expect(codesAt(op, '403'), where).toContain('FORBIDDEN');
      expect(codesAt(op, '429'), where).toEqual(['RATE_LIMITED']);
      if (path.includes('{')) expect(codesAt(op, '404'), where).toEqual(['NOT_FOUND']);
      if (method === 'get') continue;
      expect(op.responses['202'], where).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/HeldEnvelope' } } } });
      expect(codesAt(op, '409'), where).toEqual(expect.arrayContaining(['VERSION_CONFLICT', 'BLOCKED_BY_RULE']));
      expect(codesAt(op, '422'), where).toContain('WHY_REQUIRED');
    }
  });

  it('every documented code is one the ErrorCode enum declares', () => {
    const declared = new Set((doc.components as { schemas: { ErrorCode: { enum: string[] } } }).schemas.ErrorCode.enum);
    for (const [method, path, op] of operations()) {
      for (const status of Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s))) {
        for (const code of codesAt(op, status)) expect(declared.has(code), `${method} ${path} ${status} ${code}`).toBe(true);
      }
    }
  });
});

describe('GET /metrics', () => {
  const counter = (text: string, route: string, status: string) => {
    const line = text.split('\n').find((l) => l.startsWith('atrium_http_requests_total{') && l.includes(`route="${route}"`) && l.includes(`status="${status}"`) && l.includes('method="GET"'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  it('is Prometheus text with request counters that count, and the job queue depth', async () => {
    const before = await (await t.client().raw('GET', '/metrics')).text();
    for (let i = 0; i < 3; i++) await expectOk(await t.client().raw('GET', '/healthz'));
    await a.client.raw('GET', '/v1/diffs/dif_999999999').then((r) => r.body?.cancel());
    const res = await t.client().raw('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const after = await res.text();
    expect(counter(after, '/healthz', '200') - counter(before, '/healthz', '200')).toBe(3);
    expect(counter(after, '/v1/diffs/:id', '404') - counter(before, '/v1/diffs/:id', '404')).toBe(1);
    expect(after).toContain('# TYPE atrium_http_requests_total counter');
    expect(after).toMatch(/^atrium_job_queue_depth\{queue="ledger\.snapshot"\} \d+$/m);
    expect(after).toMatch(/^atrium_rules_backlog_diffs \d+$/m);
    expect(after).toMatch(/^atrium_ai_metering_pending_calls \d+$/m);
    expect(after).toMatch(/^atrium_ai_metering_dropped_calls 0$/m);
    expect(after).toContain('atrium_http_request_duration_seconds_bucket');
  });
});
