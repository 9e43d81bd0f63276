// One diff, its whys (several, by several authors, with sentiment) and full-text search
// over the tenant's whys, ranked and never crossing tenants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Annotation, AnnotationHit, AtriumClient, Diff } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { detailPaths, expectError, expectOk } from '../../testing/http.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let keyId: string;
let keyClient: AtriumClient;

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Whys A');
  b = await t.tenant('Whys B');
  const key = await t.app.identity.issueToken({ tenantId: a.tenantId, userId: null, kind: 'api_key', scopes: ['read', 'write'] });
  keyId = key.id;
  keyClient = t.client(key.token);
});
afterAll(() => t?.stop());

const record = (client: AtriumClient, entity_id: string, why?: string) =>
  client.diffs.record({ namespace: 'crm', entity_type: 'deal', entity_id, event: 'deal.updated', after: { stage: 'won' }, why });

describe('GET /v1/diffs/:id', () => {
  it('returns the diff as recorded, with the same shape as in lists', async () => {
    const diff = await a.client.diffs.record({
      namespace: 'crm', entity_type: 'deal', entity_id: 'deal_1', event: 'deal.created',
      before: null, after: { amount: 1200, tags: ['vip'], nested: { ok: true } }, metadata: { source: 'import', row: 7 },
      correlation_id: 'corr-1', why: 'Signed at the fair', sentiment: 1,
    });
    const got = await expectOk<Diff>(await a.client.raw('GET', `/v1/diffs/${diff.id}`));
    expect(got.data).toEqual(diff);
    expect(got.data).toMatchObject({
      namespace: 'crm', entity_type: 'deal', entity_id: 'deal_1', event: 'deal.created', before: null,
      after: { amount: 1200, tags: ['vip'], nested: { ok: true } }, metadata: { source: 'import', row: 7 },
      actor: { type: 'user', id: a.userId }, causation_id: null, correlation_id: 'corr-1',
    });
    expect(got.data.annotations).toEqual([expect.objectContaining({ why: 'Signed at the fair', sentiment: 1, author_id: a.userId, diff_id: diff.id })]);
    const listed = (await a.client.diffs.list({ entity_id: 'deal_1' })).items;
    expect(listed).toEqual([diff]);
  });

  it('links a caused diff to its cause, and refuses a cause from another tenant', async () => {
    const cause = await record(a.client, 'deal_c');
    const effect = await a.client.diffs.record({ namespace: 'crm', entity_type: 'deal', entity_id: 'deal_c', event: 'deal.noted', causation_id: cause.id });
    expect(effect.causation_id).toBe(cause.id);
    const env = await expectError(
      await b.client.raw('POST', '/v1/diffs', { body: { namespace: 'crm', entity_type: 'deal', entity_id: 'x', event: 'deal.noted', causation_id: cause.id } }),
      400, 'VALIDATION_FAILED',
    );
    expect(detailPaths(env)).toEqual(['body.causation_id']);
    expect((await b.client.diffs.list({ namespace: 'crm' })).items).toEqual([]);
  });

  it('answers 404 NOT_FOUND for an unknown, malformed or other tenant’s id', async () => {
    const mine = await record(a.client, 'deal_404');
    for (const [client, id] of [[b.client, mine.id], [a.client, 'dif_999999999999'], [a.client, 'dif_abc'], [a.client, 'nope']] as const) {
      await expectError(await client.raw('GET', `/v1/diffs/${id}`), 404, 'NOT_FOUND');
      await expectError(await client.raw('GET', `/v1/diffs/${id}/annotations`), 404, 'NOT_FOUND');
    }
  });
});

describe('whys on a diff', () => {
  it('keeps several whys by several authors, in order, with their sentiment', async () => {
    const diff = await record(a.client, 'deal_w', 'Customer asked for it');
    const second = await keyClient.diffs.annotate(diff.id, 'The integration confirms the stage', -1);
    const third = await a.client.diffs.annotate(diff.id, 'Neutral remark');
    const fourth = await expectOk<Annotation>(
      await a.client.raw('POST', `/v1/diffs/${diff.id}/annotations`, { body: { why: '  Padded why  ', sentiment: 1 } }), 201,
    );
    expect(second).toMatchObject({ diff_id: diff.id, why: 'The integration confirms the stage', sentiment: -1, author: { type: 'api_key', id: keyId }, author_id: keyId });
    expect(third).toMatchObject({ sentiment: 0, author: { type: 'user', id: a.userId } });
    expect(fourth.data.why).toBe('Padded why');
    expect(second.id).toMatch(/^ann_/);

    const listed = await a.client.diffs.annotations(diff.id);
    expect(listed.map((x) => [x.why, x.sentiment, x.author_id])).toEqual([
      ['Customer asked for it', 0, a.userId],
      ['The integration confirms the stage', -1, keyId],
      ['Neutral remark', 0, a.userId],
      ['Padded why', 1, a.userId],
    ]);
    expect(listed.slice(1)).toEqual([second, third, fourth.data]);
    expect((await a.client.diffs.get(diff.id)).annotations).toEqual(listed);
    // The diff itself is unchanged by its annotations.
    expect({ ...(await a.client.diffs.get(diff.id)), annotations: [] }).toEqual({ ...diff, annotations: [] });
  });

  it('refuses sentiment outside -1, 0, 1 and an empty or oversized why, writing nothing', async () => {
    const diff = await record(a.client, 'deal_bad');
    const bad: [unknown, string][] = [
      [{ why: 'x', sentiment: 2 }, 'body.sentiment'],
      [{ why: 'x', sentiment: -2 }, 'body.sentiment'],
      [{ why: 'x', sentiment: 0.5 }, 'body.sentiment'],
      [{ why: 'x', sentiment: '1' }, 'body.sentiment'],
      [{ why: '   ' }, 'body.why'],
      [{ why: 'x'.repeat(5001) }, 'body.why'],
      [{ sentiment: 1 }, 'body.why'],
      [{ why: 'x', author_id: 'usr_forged' }, 'body'],
    ];
    for (const [body, path] of bad) {
      const env = await expectError(await a.client.raw('POST', `/v1/diffs/${diff.id}/annotations`, { body }), 400, 'VALIDATION_FAILED');
      expect(detailPaths(env), JSON.stringify(body)).toEqual([path]);
    }
    expect(await a.client.diffs.annotations(diff.id)).toEqual([]);
    expect((await a.client.diffs.annotate(diff.id, 'x'.repeat(5000), 1)).why).toHaveLength(5000);
  });

  it('another tenant can neither read nor annotate the diff (404), and writes nothing', async () => {
    const diff = await record(a.client, 'deal_private', 'Private reason');
    await expectError(await b.client.raw('POST', `/v1/diffs/${diff.id}/annotations`, { body: { why: 'intrusion' } }), 404, 'NOT_FOUND');
    expect((await a.client.diffs.annotations(diff.id)).map((x) => x.why)).toEqual(['Private reason']);
    expect(await b.client.annotations.search('intrusion')).toEqual([]);
  });
});

describe('GET /v1/annotations?q= (search over the tenant’s whys)', () => {
  let strong: Diff;
  let weak: Diff;
  let bDiff: Diff;

  beforeAll(async () => {
    weak = await record(a.client, 'deal_s1', 'Customer asked for a refund after the delayed shipment');
    strong = await record(a.client, 'deal_s2', 'Refund policy: a refund is due, refund approved, refund sent');
    await record(a.client, 'deal_s3', 'Price increased because supplier costs went up');
    bDiff = await record(b.client, 'deal_s1', 'Refund requested by the customer of tenant B');
  });

  it('finds matching whys, best first, with the diff they explain', async () => {
    const hits = await a.client.annotations.search('refund');
    expect(hits.map((h) => h.diff_id)).toEqual([strong.id, weak.id]);
    expect(hits[0]!.rank).toBeGreaterThan(hits[1]!.rank);
    expect(hits[0]).toMatchObject({
      why: 'Refund policy: a refund is due, refund approved, refund sent', author_id: a.userId,
      diff: { id: strong.id, namespace: 'crm', entity_type: 'deal', entity_id: 'deal_s2', event: 'deal.updated' },
    });
  });

  it('matches word forms (English stems) and the plain words', async () => {
    expect((await a.client.annotations.search('delays')).map((h) => h.diff_id)).toEqual([weak.id]);
    expect((await a.client.annotations.search('suppliers cost')).map((h) => h.diff.entity_id)).toEqual(['deal_s3']);
    expect(await a.client.annotations.search('nonexistentword')).toEqual([]);
  });

  it('is scoped to the tenant: B never sees A’s whys and A never sees B’s', async () => {
    const bHits: AnnotationHit[] = await b.client.annotations.search('refund');
    expect(bHits.map((h) => h.diff_id)).toEqual([bDiff.id]);
    expect(await b.client.annotations.search('supplier')).toEqual([]);
    expect((await a.client.annotations.search('tenant B')).map((h) => h.diff_id)).not.toContain(bDiff.id);
  });

  it('honours limit and refuses an empty query; odd syntax is not an error', async () => {
    expect(await a.client.annotations.search('refund', 1)).toHaveLength(1);
    for (const q of ['', '   ']) {
      const env = await expectError(await a.client.raw('GET', '/v1/annotations', { query: { q } }), 400, 'VALIDATION_FAILED');
      expect(detailPaths(env)).toEqual(['query.q']);
    }
    await expectError(await a.client.raw('GET', '/v1/annotations'), 400, 'VALIDATION_FAILED');
    await expectError(await a.client.raw('GET', '/v1/annotations', { query: { q: 'x', limit: 0 } }), 400, 'VALIDATION_FAILED');
    for (const q of ['!!! & | ( :* <->', '"unbalanced', 'refund -policy', 'OR OR']) {
      await expectOk(await a.client.raw('GET', '/v1/annotations', { query: { q } }));
    }
    const excluded = await a.client.annotations.search('refund -policy');
    expect(excluded.map((h) => h.diff_id)).toEqual([weak.id]);
  });
});
