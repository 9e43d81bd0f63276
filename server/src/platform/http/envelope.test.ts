// The HTTP shell as every client sees it: the envelope on success and on error, request
// ids (given or generated), security and rate-limit headers, health endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diff } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk } from '../../testing/http.js';

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Envelope A');
});
afterAll(() => t?.stop());

describe('success envelope', () => {
  it('GET: { data, meta: { request_id, timestamp }, error: null } and nothing else', async () => {
    const res = await a.client.raw('GET', '/v1/diffs', { query: { limit: 1 } });
    const env = await expectOk<Diff[]>(res);
    expect(Object.keys(env).sort()).toEqual(['data', 'error', 'meta']);
    expect(Array.isArray(env.data)).toBe(true);
    expect(env.meta.request_id).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(Math.abs(Date.parse(env.meta.timestamp) - Date.now())).toBeLessThan(60_000);
    expect(typeof env.meta.next_cursor).toBe('string'); // the tenant has 3 diffs from its creation
  });

  it('POST: 201 with the created resource in data', async () => {
    const res = await a.client.raw('POST', '/v1/diffs', { body: { namespace: 'env', entity_type: 'x', entity_id: 'x1', event: 'x.created' } });
    const env = await expectOk<Diff>(res, 201);
    expect(env.data).toMatchObject({ namespace: 'env', entity_id: 'x1' });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('security headers and the rate-limit headers of the contract are on authenticated responses', async () => {
    for (const res of [await a.client.raw('GET', '/v1/diffs'), await a.client.raw('GET', '/v1/diffs/dif_999999999')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(Number(res.headers.get('x-ratelimit-limit'))).toBeGreaterThan(0);
      expect(Number(res.headers.get('x-ratelimit-remaining'))).toBeGreaterThanOrEqual(0);
      expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
      await res.body?.cancel();
    }
  });

  it('trailing slashes are tolerated', async () => {
    await expectOk(await a.client.raw('GET', '/v1/diffs/'));
  });
});

describe('request ids', () => {
  it('a well-formed X-Request-Id from the client is echoed in the header and meta, on success and on error', async () => {
    const ok = await expectOk(await a.client.raw('GET', '/v1/diffs', { headers: { 'x-request-id': 'trace-123.abc:def_9' } }));
    expect(ok.meta.request_id).toBe('trace-123.abc:def_9');
    const err = await expectError(await a.client.raw('GET', '/v1/diffs/dif_0', { headers: { 'x-request-id': 'trace-err-1' } }), 404, 'NOT_FOUND');
    expect(err.meta.request_id).toBe('trace-err-1');
    const unauth = await expectError(await t.client().raw('GET', '/v1/diffs', { headers: { 'x-request-id': 'trace-401' } }), 401, 'UNAUTHENTICATED');
    expect(unauth.meta.request_id).toBe('trace-401');
  });

  it('a malformed or oversized X-Request-Id is replaced by a generated one', async () => {
    for (const given of ['has spaces', 'x'.repeat(101), 'semi;colon', '<script>']) {
      const env = await expectOk(await a.client.raw('GET', '/v1/diffs', { headers: { 'x-request-id': given } }));
      expect(env.meta.request_id).toMatch(/^req_/);
    }
  });

  it('generated ids differ from request to request', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await expectOk(await t.client().raw('GET', '/healthz'))).meta.request_id);
    expect(ids.size).toBe(5);
  });
});

describe('error envelope', () => {
  it('an unknown route is a 404 envelope naming the method and path', async () => {
    const env = await expectError(await t.client().raw('GET', '/v1/no-such-thing?x=1'), 404, 'NOT_FOUND');
    expect(env.error.message).toBe('No route GET /v1/no-such-thing.');
    expect(env.error.details).toEqual([]);
  });

  it('missing and invalid credentials: 401 envelope', async () => {
    await expectError(await t.client().raw('GET', '/v1/diffs'), 401, 'UNAUTHENTICATED');
    await expectError(await t.client('ats_invalid_invalid_invalid_invalid').raw('GET', '/v1/diffs'), 401, 'UNAUTHENTICATED');
  });

  it('the SDK surfaces the envelope as an AtriumError with status, code, details and request id', async () => {
    await expect(a.client.diffs.list({ limit: 0 })).rejects.toMatchObject({
      name: 'AtriumError', status: 400, code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'query.limit' })], requestId: expect.stringMatching(/^req_/),
    });
  });
});

describe('health', () => {
  it('/healthz and /readyz answer 200 without credentials', async () => {
    expect((await expectOk(await t.client().raw('GET', '/healthz'))).data).toEqual({ status: 'ok' });
    const ready = await expectOk<{ status: string; database: string }>(await t.client().raw('GET', '/readyz'));
    expect(ready.data).toEqual({ status: 'ready', database: t.databaseUrl ? 'postgres' : 'pglite' });
  });

  it('they also answer with a bogus token (public routes do not reject credentials)', async () => {
    await expectOk(await t.client('atr_bogus_bogus_bogus_bogus_bogus_bogus').raw('GET', '/healthz'));
  });
});
