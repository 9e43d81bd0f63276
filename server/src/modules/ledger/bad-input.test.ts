// Every ledger endpoint facing bad input: no or bad credentials, too little scope,
// malformed or oversized bodies, wrong types, unknown fields, other tenants' ids.
// Each answer is a 4xx error envelope — never a 5xx, never another tenant's data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diff } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { detailPaths, expectError, expectOk } from '../../testing/http.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let aDiff: Diff;
let readOnly: string;

type Endpoint = { method: 'GET' | 'POST'; path: () => string; query?: Record<string, string>; body?: unknown; scope: 'read' | 'write'; stream?: boolean };
const validDiff = { namespace: 'bad_input', entity_type: 'thing', entity_id: 'thing_1', event: 'thing.created', after: { ok: true } };
const endpoints: Endpoint[] = [
  { method: 'GET', path: () => '/v1/diffs', scope: 'read' },
  { method: 'POST', path: () => '/v1/diffs', body: validDiff, scope: 'write' },
  { method: 'GET', path: () => `/v1/diffs/${aDiff.id}`, scope: 'read' },
  { method: 'GET', path: () => `/v1/diffs/${aDiff.id}/annotations`, scope: 'read' },
  { method: 'POST', path: () => `/v1/diffs/${aDiff.id}/annotations`, body: { why: 'because' }, scope: 'write' },
  { method: 'GET', path: () => '/v1/annotations', query: { q: 'because' }, scope: 'read' },
  { method: 'GET', path: () => '/v1/entities/thing/thing_1/history', scope: 'read' },
  { method: 'GET', path: () => '/v1/entities/thing/thing_1/state', scope: 'read' },
  { method: 'GET', path: () => '/v1/export/diffs.csv', scope: 'read', stream: true },
  { method: 'GET', path: () => '/v1/export/diffs.jsonl', scope: 'read', stream: true },
  { method: 'GET', path: () => '/v1/stream', scope: 'read', stream: true },
];
const label = (e: Endpoint) => `${e.method} ${e.path().replace(/dif_\d+/, ':id')}`;
const call = (token: string | undefined, e: Endpoint, headers: Record<string, string> = {}) =>
  t.client(token).raw(e.method, e.path(), { query: e.query, body: e.body, headers });

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Bad input A');
  b = await t.tenant('Bad input B');
  aDiff = await a.client.diffs.record({ ...validDiff, why: 'seed' });
  readOnly = (await t.app.identity.issueToken({ tenantId: a.tenantId, userId: null, kind: 'api_key', scopes: ['read'] })).token;
});
afterAll(() => t?.stop());

const countOf = async (entity_id: string) => (await a.client.diffs.list({ namespace: 'bad_input', entity_id, limit: 200 })).items.length;

describe('credentials', () => {
  it('every ledger endpoint answers 401 UNAUTHENTICATED without a token', async () => {
    for (const e of endpoints) {
      const env = await expectError(await call(undefined, e), 401, 'UNAUTHENTICATED');
      expect(env.error.message, label(e)).toBeTruthy();
    }
  });

  it('every ledger endpoint answers 401 for an unknown, malformed or non-bearer credential', async () => {
    const bad: Record<string, string>[] = [
      { authorization: 'Bearer atr_0000000000000000000000000000000000000000000' },
      { authorization: 'Bearer short' },
      { authorization: 'Bearer ' },
      { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      { authorization: a.token }, // the right secret without the scheme
    ];
    for (const e of endpoints) for (const headers of bad) await expectError(await call(undefined, e, headers), 401, 'UNAUTHENTICATED');
    expect(await countOf('thing_1')).toBe(1);
  });

  it('a read-only key reads every endpoint but is refused every write with 403 naming the scope', async () => {
    for (const e of endpoints) {
      if (e.scope === 'read') {
        const res = await call(readOnly, e);
        expect(res.status, label(e)).toBe(200);
        await res.body?.cancel();
        continue;
      }
      const env = await expectError(await call(readOnly, e), 403, 'FORBIDDEN');
      expect(env.error.message, label(e)).toContain('"write"');
      expect(env.error.details, label(e)).toEqual([expect.objectContaining({ scope: 'write' })]);
    }
    expect(await countOf('thing_1')).toBe(1);
    expect((await a.client.diffs.get(aDiff.id)).annotations).toHaveLength(1);
  });
});

describe('bodies', () => {
  const posts = endpoints.filter((e) => e.method === 'POST');

  it('malformed JSON, an empty JSON body, or a prototype-polluting one: 400 BAD_JSON', async () => {
    for (const e of posts) {
      for (const body of ['{"namespace": ', '{namespace: 1}', "{'a': 1}", '[1,]', '', '{"__proto__": {"x": 1}}']) {
        await expectError(await a.client.raw('POST', e.path(), { body, headers: { 'content-type': 'application/json' } }), 400, 'BAD_JSON');
      }
    }
    expect(await countOf('thing_1')).toBe(1);
  });

  it('no body, or a body that is not an object: 400 VALIDATION_FAILED at "body"', async () => {
    for (const e of posts) {
      const noBody = await expectError(await a.client.raw('POST', e.path()), 400, 'VALIDATION_FAILED');
      expect(detailPaths(noBody), label(e)).toEqual(['body']);
      for (const body of ['null', '[]', '"text"', '42']) {
        const env = await expectError(await a.client.raw('POST', e.path(), { body, headers: { 'content-type': 'application/json' } }), 400, 'VALIDATION_FAILED');
        expect(detailPaths(env), `${label(e)} ${body}`).toEqual(['body']);
      }
    }
  });

  it('wrong types and shapes: 400 VALIDATION_FAILED naming each field path', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ entity_id: 5 }, ['body.entity_id']],
      [{ entity_id: '' }, ['body.entity_id']],
      [{ entity_id: 'x'.repeat(201) }, ['body.entity_id']],
      [{ namespace: 'Bad Namespace!' }, ['body.namespace']],
      [{ event: '   ' }, ['body.event']],
      [{ entity_type: ['thing'] }, ['body.entity_type']],
      [{ metadata: [1, 2] }, ['body.metadata']],
      [{ sentiment: 3 }, ['body.sentiment']],
      [{ why: '' }, ['body.why']],
      [{ causation_id: 'not-a-diff' }, ['body.causation_id']],
      [{ entity_id: 7, event: 8 }, ['body.entity_id', 'body.event']],
      [{ after: { deep: 'a\u0000b' } }, ['body.after.deep']],
      [{ entity_id: 'nul\u0000byte' }, ['body.entity_id']],
    ];
    for (const [override, paths] of cases) {
      const env = await expectError(await a.client.raw('POST', '/v1/diffs', { body: { ...validDiff, entity_id: 'typed', ...override } }), 400, 'VALIDATION_FAILED');
      expect(detailPaths(env).sort(), JSON.stringify(override).slice(0, 80)).toEqual(paths);
    }
    const missing = await expectError(await a.client.raw('POST', '/v1/diffs', { body: { namespace: 'bad_input' } }), 400, 'VALIDATION_FAILED');
    expect(detailPaths(missing).sort()).toEqual(['body.entity_id', 'body.entity_type', 'body.event']);
    expect(await countOf('typed')).toBe(0);
  });

  it('unknown fields are refused, the field named in the message', async () => {
    for (const [e, body] of [[posts[0]!, { ...validDiff, actor_id: 'usr_forged' }], [posts[1]!, { why: 'x', diff_id: 'dif_1' }]] as const) {
      const env = await expectError(await a.client.raw('POST', e.path(), { body }), 400, 'VALIDATION_FAILED');
      expect(detailPaths(env)).toEqual(['body']);
      expect(JSON.stringify(env.error.details)).toMatch(/actor_id|diff_id/);
    }
    expect((await a.client.diffs.list({ actor_id: 'usr_forged' })).items).toEqual([]);
  });

  it('nesting deeper than the limit is a 400, not a stack overflow', async () => {
    let deep = '1';
    for (let i = 0; i < 20_000; i++) deep = `[${deep}]`;
    const body = `{"namespace":"bad_input","entity_type":"thing","entity_id":"deep","event":"thing.created","after":${deep}}`;
    const env = await expectError(await a.client.raw('POST', '/v1/diffs', { body }), 400, 'VALIDATION_FAILED');
    expect(detailPaths(env)[0]).toMatch(/^body\.after/);
    let fine: unknown = 1;
    for (let i = 0; i < 50; i++) fine = [fine];
    await expectOk(await a.client.raw('POST', '/v1/diffs', { body: { ...validDiff, entity_id: 'deep', after: { fine } } }), 201);
  });

  it('a body over 1 MiB: 413 PAYLOAD_TOO_LARGE; just under it is accepted', async () => {
    const big = 'x'.repeat(1024 * 1024);
    for (const e of posts) {
      await expectError(await a.client.raw('POST', e.path(), { body: { ...(e.body as object), metadata: { big } } }), 413, 'PAYLOAD_TOO_LARGE');
    }
    expect(await countOf('thing_1')).toBe(1);
    await expectOk(await a.client.raw('POST', '/v1/diffs', { body: { ...validDiff, entity_id: 'big', after: { big: big.slice(0, 1000 * 1000) } } }), 201);
  });

  it('a body in another media type: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    await expectError(
      await a.client.raw('POST', '/v1/diffs', { body: '<diff/>', headers: { 'content-type': 'application/xml' } }), 415, 'UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describe('queries, routes and ids', () => {
  it('unknown query parameters, repeated ones and out-of-range instants: 400 naming the parameter', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['/v1/diffs', { entity: 'x' }, 'query'],
      ['/v1/diffs?namespace=a&namespace=b', {}, 'query.namespace'],
      ['/v1/diffs', { since: '-010000-01-01T00:00:00Z' }, 'query.since'],
      ['/v1/diffs', { until: '+275000-01-01T00:00:00Z' }, 'query.until'],
      ['/v1/diffs', { namespace: 'a\u0000' }, 'query.namespace'],
      ['/v1/annotations', { q: 'x\u0000' }, 'query.q'],
      ['/v1/entities/thing/thing_1/state', { at: '0000-06-01T00:00:00Z' }, 'query.at'],
      ['/v1/entities/thing%00/thing_1/history', {}, 'params.type'],
    ];
    for (const [path, query, where] of cases) {
      const env = await expectError(await a.client.raw('GET', path, { query }), 400, 'VALIDATION_FAILED');
      expect(detailPaths(env), path).toEqual([where]);
    }
  });

  it('another tenant’s ids answer 404 NOT_FOUND, exactly like ids that do not exist', async () => {
    const probes: [string, string, unknown?][] = [
      ['GET', `/v1/diffs/${aDiff.id}`],
      ['GET', `/v1/diffs/${aDiff.id}/annotations`],
      ['POST', `/v1/diffs/${aDiff.id}/annotations`, { why: 'intrusion' }],
      ['GET', '/v1/entities/thing/thing_1/history'],
      ['GET', '/v1/entities/thing/thing_1/state'],
    ];
    for (const [method, path, body] of probes) {
      const theirs = await expectError(await b.client.raw(method, path, { body }), 404, 'NOT_FOUND');
      const none = await expectError(await b.client.raw(method, path.replace(aDiff.id, 'dif_999999999').replace('thing_1', 'nope'), { body }), 404, 'NOT_FOUND');
      expect(theirs.error.message).toBe(none.error.message);
    }
    expect((await a.client.diffs.get(aDiff.id)).annotations.map((x) => x.why)).toEqual(['seed']);
  });

  it('unknown routes: 404 envelope; a known path with another method: 405 with Allow — with or without credentials', async () => {
    for (const [method, path] of [['GET', '/v1/nope'], ['GET', '/v2/diffs']] as const) {
      const env = await expectError(await a.client.raw(method, path), 404, 'NOT_FOUND');
      expect(env.error.message).toContain(path.split('?')[0]!);
      await expectError(await t.client().raw(method, path), 404, 'NOT_FOUND');
    }
    for (const [method, path, allow] of [['DELETE', `/v1/diffs/${aDiff.id}`, 'GET, HEAD'], ['PUT', '/v1/diffs', 'GET, POST, HEAD']] as const) {
      for (const client of [a.client, t.client()]) {
        const res = await client.raw(method, path);
        expect(res.headers.get('allow')).toBe(allow);
        expect((await expectError(res, 405, 'METHOD_NOT_ALLOWED')).error.message).toContain(path);
      }
    }
    expect((await a.client.diffs.get(aDiff.id)).id).toBe(aDiff.id);
  });
});
