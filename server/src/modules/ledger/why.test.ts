// Mandatory whys: a critical change without a why is refused (422 WHY_REQUIRED) and
// nothing of its transaction survives — not the diff, not the change it describes.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTenant, type Ctx } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { detailPaths, expectError, expectOk } from '../../testing/http.js';
import type { Diff } from '../../../../sdk/src/index.js';

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Whys required');
  t.app.ledger.requireWhy({ namespace: 'custom_ns', event: 'thing.failed' });
  // Conditional rule: only a price drop needs a why.
  t.app.ledger.requireWhy({
    namespace: 'custom_ns', event: 'price.changed', label: 'price drop',
    when: (d) => {
      const price = (v: unknown) => (typeof v === 'object' && v !== null && 'price' in v ? Number((v as { price: unknown }).price) : NaN);
      return price(d.after) < price(d.before);
    },
  });
});
afterAll(() => t?.stop());

const failed = (entity_id: string, why?: string) => ({
  namespace: 'custom_ns', entity_type: 'thing', entity_id, event: 'thing.failed', after: { status: 'failed' }, ...(why === undefined ? {} : { why }),
});
const countDiffs = async (entity_id: string) => (await a.client.diffs.list({ namespace: 'custom_ns', entity_id })).items.length;

describe('POST /v1/diffs of a critical event', () => {
  it('without a why: 422 WHY_REQUIRED naming the field, and nothing recorded', async () => {
    const env = await expectError(await a.client.raw('POST', '/v1/diffs', { body: failed('thing_1') }), 422, 'WHY_REQUIRED');
    expect(detailPaths(env)).toEqual(['why']);
    expect(env.error.details[0]).toMatchObject({ event: 'thing.failed' });
    expect(env.error.message).toContain('thing.failed');
    expect(await countDiffs('thing_1')).toBe(0);
    expect(await a.client.annotations.search('failed')).toEqual([]);
  });

  it('with a why: 201, the why is attached', async () => {
    const res = await expectOk<Diff>(await a.client.raw('POST', '/v1/diffs', { body: failed('thing_1', 'The supplier never delivered') }), 201);
    expect(res.data.annotations.map((x) => x.why)).toEqual(['The supplier never delivered']);
    expect(await countDiffs('thing_1')).toBe(1);
  });

  it('a blank why is not a why (400 from the schema, nothing recorded)', async () => {
    await expectError(await a.client.raw('POST', '/v1/diffs', { body: failed('thing_2', '   ') }), 400, 'VALIDATION_FAILED');
    expect(await countDiffs('thing_2')).toBe(0);
  });

  it('the same event in another namespace, or another event, needs no why', async () => {
    await expectOk(await a.client.raw('POST', '/v1/diffs', { body: { ...failed('thing_3'), namespace: 'other_ns' } }), 201);
    await expectOk(await a.client.raw('POST', '/v1/diffs', { body: { ...failed('thing_3'), event: 'thing.updated' } }), 201);
  });

  it('a conditional rule applies only when its predicate holds', async () => {
    const change = (before: number, after: number) => ({
      namespace: 'custom_ns', entity_type: 'product', entity_id: 'p1', event: 'price.changed', before: { price: before }, after: { price: after },
    });
    await expectOk(await a.client.raw('POST', '/v1/diffs', { body: change(10, 12) }), 201);
    await expectError(await a.client.raw('POST', '/v1/diffs', { body: change(12, 8) }), 422, 'WHY_REQUIRED');
    await expectOk(await a.client.raw('POST', '/v1/diffs', { body: { ...change(12, 8), why: 'Clearance sale' } }), 201);
    expect((await a.client.diffs.list({ entity_id: 'p1' })).items.map((d) => d.after)).toEqual([{ price: 8 }, { price: 12 }]);
  });

  it('lists the critical events it knows', () => {
    expect(t.app.ledger.criticalEvents()).toEqual(
      expect.arrayContaining([expect.objectContaining({ namespace: 'custom_ns', event: 'thing.failed' }), expect.objectContaining({ label: 'price drop' })]),
    );
  });
});

describe('inside a module transaction', () => {
  const ctxSource = () => ({ tenantId: a.tenantId, actor: { type: 'system' as const, id: 'test' } });

  it('a critical diff without a why rolls back the whole transaction: earlier diff, annotation, commit hooks', async () => {
    const parent = await a.client.diffs.record({ namespace: 'custom_ns', entity_type: 'thing', entity_id: 'tx_parent', event: 'thing.created' });
    let hookRan = false;
    const attempt = inTenant(t.app.db, ctxSource(), async (ctx: Ctx) => {
      ctx.onCommit(() => (hookRan = true));
      await t.app.ledger.record(ctx, { namespace: 'custom_ns', entityType: 'thing', entityId: 'tx_1', event: 'thing.created', after: { status: 'new' } });
      await sql`insert into annotations (id, tenant_id, diff_id, author_type, author_id, why)
                values ('ann_tx_probe', ${ctx.tenantId}, ${Number(parent.id.slice(4))}, 'system', 'test', 'written before the failure')`.execute(ctx.tx);
      // Visible inside the transaction…
      const inside = await sql<{ n: number }>`select count(*)::int as n from diffs where entity_id = 'tx_1'`.execute(ctx.tx);
      expect(inside.rows[0]!.n).toBe(1);
      await t.app.ledger.record(ctx, { namespace: 'custom_ns', entityType: 'thing', entityId: 'tx_1', event: 'thing.failed', after: { status: 'failed' } });
    });
    await expect(attempt).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'WHY_REQUIRED' && e.status === 422);
    // …and gone after the rollback.
    expect(await countDiffs('tx_1')).toBe(0);
    expect((await a.client.diffs.annotations(parent.id)).map((x) => x.id)).not.toContain('ann_tx_probe');
    expect(hookRan).toBe(false);
  });

  it('a batch with one critical diff lacking a why records none of the batch', async () => {
    const batch = inTenant(t.app.db, ctxSource(), (ctx) =>
      t.app.ledger.recordBatch(ctx, [
        { namespace: 'custom_ns', entityType: 'thing', entityId: 'batch_1', event: 'thing.created' },
        { namespace: 'custom_ns', entityType: 'thing', entityId: 'batch_1', event: 'thing.failed', why: '  ' },
        { namespace: 'custom_ns', entityType: 'thing', entityId: 'batch_1', event: 'thing.updated' },
      ]),
    );
    await expect(batch).rejects.toMatchObject({ code: 'WHY_REQUIRED' });
    expect(await countDiffs('batch_1')).toBe(0);
  });

  it('with its why, the same transaction commits both diffs, the why, and runs its hooks', async () => {
    let hookRan = false;
    const [created, failedDiff] = await inTenant(t.app.db, ctxSource(), async (ctx) => {
      ctx.onCommit(() => (hookRan = true));
      return t.app.ledger.recordBatch(ctx, [
        { namespace: 'custom_ns', entityType: 'thing', entityId: 'tx_2', event: 'thing.created' },
        { namespace: 'custom_ns', entityType: 'thing', entityId: 'tx_2', event: 'thing.failed', why: 'Out of stock', sentiment: -1 },
      ]);
    });
    expect(hookRan).toBe(true);
    expect(await countDiffs('tx_2')).toBe(2);
    const stored = await a.client.diffs.get(`dif_${failedDiff!.id}`);
    expect(stored.annotations.map((x) => [x.why, x.sentiment, x.author_id])).toEqual([['Out of stock', -1, 'test']]);
    expect(stored.actor).toEqual({ type: 'system', id: 'test' });
    expect((await a.client.diffs.get(`dif_${created!.id}`)).annotations).toEqual([]);
  });
});
