// Idempotency-Key on POST: a retry gets the stored answer (success or error) and does
// nothing twice; the same key with another body is refused; keys are per caller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumClient, Diff } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk } from '../../testing/http.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let key2: AtriumClient;
/** Flipped by tests: whether a "deal.lost" needs a why right now. */
let strict = true;

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Idem A');
  b = await t.tenant('Idem B');
  key2 = t.client((await t.app.identity.issueToken({ tenantId: a.tenantId, userId: null, kind: 'api_key', scopes: ['read', 'write'] })).token);
  t.app.ledger.requireWhy({ namespace: 'idem', event: 'deal.lost', when: () => strict });
});
afterAll(() => t?.stop());

const body = (entity_id: string, extra: Record<string, unknown> = {}) => ({ namespace: 'idem', entity_type: 'deal', entity_id, event: 'deal.updated', after: { n: 1 }, ...extra });
const post = (client: AtriumClient, key: string | undefined, b: unknown, path = '/v1/diffs') =>
  client.raw('POST', path, { body: b, headers: key === undefined ? {} : { 'idempotency-key': key } });
const count = async (client: AtriumClient, entity_id: string) => (await client.diffs.list({ namespace: 'idem', entity_id, limit: 200 })).items.length;

describe('Idempotency-Key on POST /v1/diffs', () => {
  it('the same key and body returns the same response, and records one diff', async () => {
    const first = await expectOk<Diff>(await post(a.client, 'k-same', body('d1')), 201);
    const second = await expectOk<Diff>(await post(a.client, 'k-same', body('d1')), 201);
    const third = await expectOk<Diff>(await post(a.client, 'k-same', body('d1')), 201);
    expect(second.data).toEqual(first.data);
    expect(third.data).toEqual(first.data);
    expect(first.meta.idempotent_replay).toBeUndefined();
    expect(second.meta.idempotent_replay).toBe(true);
    expect(second.meta.request_id).not.toBe(first.meta.request_id);
    expect(await count(a.client, 'd1')).toBe(1);
  });

  it('without a key, the same body twice records twice (the key is what deduplicates)', async () => {
    await expectOk(await post(a.client, undefined, body('d2')), 201);
    await expectOk(await post(a.client, undefined, body('d2')), 201);
    expect(await count(a.client, 'd2')).toBe(2);
  });

  it('the same key with a different body: 422 IDEMPOTENCY_KEY_REUSED, nothing recorded', async () => {
    const first = await expectOk<Diff>(await post(a.client, 'k-reuse', body('d3')), 201);
    await expectError(await post(a.client, 'k-reuse', body('d3', { after: { n: 2 } })), 422, 'IDEMPOTENCY_KEY_REUSED');
    await expectError(await post(a.client, 'k-reuse', body('d3-other')), 422, 'IDEMPOTENCY_KEY_REUSED');
    // …and on another endpoint, where the request differs by its path.
    await expectError(await post(a.client, 'k-reuse', { why: 'x' }, `/v1/diffs/${first.data.id}/annotations`), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await count(a.client, 'd3')).toBe(1);
    expect(await count(a.client, 'd3-other')).toBe(0);
    expect((await a.client.diffs.get(first.data.id)).annotations).toEqual([]);
    // The original still replays.
    expect((await expectOk<Diff>(await post(a.client, 'k-reuse', body('d3')), 201)).data.id).toBe(first.data.id);
  });

  it('an error response replays too, even once the same request would now succeed', async () => {
    const lost = body('d4', { event: 'deal.lost' });
    strict = true;
    const env = await expectError(await post(a.client, 'k-error', lost), 422, 'WHY_REQUIRED');
    strict = false;
    try {
      const replay = await expectError(await post(a.client, 'k-error', lost), 422, 'WHY_REQUIRED');
      expect(replay.error).toEqual(env.error);
      expect(await count(a.client, 'd4')).toBe(0);
      // Without the key (or with a fresh one) the request is evaluated anew.
      await expectOk(await post(a.client, 'k-error-2', lost), 201);
      expect(await count(a.client, 'd4')).toBe(1);
    } finally {
      strict = true;
    }
  });

  it('keys belong to one caller: another token or tenant with the same key runs its own request', async () => {
    const mine = await expectOk<Diff>(await post(a.client, 'k-shared', body('d5')), 201);
    const other = await expectOk<Diff>(await post(key2, 'k-shared', body('d5')), 201);
    const theirs = await expectOk<Diff>(await post(b.client, 'k-shared', body('d5')), 201);
    expect(new Set([mine.data.id, other.data.id, theirs.data.id]).size).toBe(3);
    expect(other.meta.idempotent_replay).toBeUndefined();
    expect(theirs.meta.idempotent_replay).toBeUndefined();
    expect(await count(a.client, 'd5')).toBe(2);
    expect(await count(b.client, 'd5')).toBe(1);
  });

  it('concurrent retries with one key record exactly one diff', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => post(a.client, 'k-race', body('d6'))));
    const outcomes = await Promise.all(results.map(async (r) => ({ status: r.status, body: (await r.json()) as { data: Diff | null; error: { code: string } | null } })));
    for (const o of outcomes) {
      expect([201, 409]).toContain(o.status);
      if (o.status === 409) expect(o.body.error?.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    }
    const ids = new Set(outcomes.filter((o) => o.status === 201).map((o) => o.body.data!.id));
    expect(ids.size).toBe(1);
    expect(await count(a.client, 'd6')).toBe(1);
    const after = await expectOk<Diff>(await post(a.client, 'k-race', body('d6')), 201);
    expect(ids.has(after.data.id)).toBe(true);
  });

  it('applies to annotations too', async () => {
    const diff = await a.client.diffs.record(body('d7'));
    const first = await expectOk<{ id: string }>(await post(a.client, 'k-ann', { why: 'once' }, `/v1/diffs/${diff.id}/annotations`), 201);
    const again = await expectOk<{ id: string }>(await post(a.client, 'k-ann', { why: 'once' }, `/v1/diffs/${diff.id}/annotations`), 201);
    expect(again.data.id).toBe(first.data.id);
    expect((await a.client.diffs.annotations(diff.id)).map((x) => x.why)).toEqual(['once']);
  });

  it('refuses a key longer than 200 characters (400), accepts 200', async () => {
    await expectError(await post(a.client, 'k'.repeat(201), body('d8')), 400, 'VALIDATION_FAILED');
    expect(await count(a.client, 'd8')).toBe(0);
    await expectOk(await post(a.client, 'k'.repeat(200), body('d8')), 201);
  });

  it('a request refused before it runs (validation, auth) does not burn the key', async () => {
    await expectError(await post(a.client, 'k-invalid', { ...body('d9'), entity_id: 5 }), 400, 'VALIDATION_FAILED');
    await expectOk(await post(a.client, 'k-invalid', body('d9')), 201);
    await expectError(await post(t.client(), 'k-anon', body('d10')), 401, 'UNAUTHENTICATED');
    await expectOk(await post(a.client, 'k-anon', body('d10')), 201);
  });
});
