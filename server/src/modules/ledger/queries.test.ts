// GET /v1/diffs: every filter, newest-first order, keyset pagination, limit bounds, cursors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diff, DiffFilters } from '../../../../sdk/src/index.js';
import { inTenant } from '../../platform/context.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { detailPaths, expectError, expectOk, sleep } from '../../testing/http.js';
import type { DiffInput } from './index.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let keyId: string;
/** Diffs seeded in tenant A for the filter tests, in creation order. */
const seeded: Diff[] = [];

const ids = (ds: readonly Diff[]) => ds.map((d) => d.id);
const newestFirst = (ds: readonly Diff[]) => [...ds].reverse();

async function batch(tenantId: string, actorId: string, inputs: DiffInput[]): Promise<void> {
  await inTenant(t.app.db, { tenantId, actor: { type: 'agent', id: actorId } }, (ctx) => t.app.ledger.recordBatch(ctx, inputs));
}

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Filters A');
  b = await t.tenant('Filters B');
  const key = await t.app.identity.issueToken({ tenantId: a.tenantId, userId: null, kind: 'api_key', scopes: ['read', 'write'] });
  keyId = key.id;
  const keyClient = t.client(key.token);
  const plan: [typeof a.client, string, string, string, string][] = [
    [a.client, 'shop', 'order', 'ord_1', 'order.created'],
    [a.client, 'shop', 'order', 'ord_2', 'order.created'],
    [keyClient, 'shop', 'order', 'ord_1', 'order.paid'],
    [a.client, 'crm', 'lead', 'lead_1', 'lead.created'],
    [keyClient, 'shop', 'order', 'ord_2', 'order.paid'],
    [a.client, 'crm', 'lead', 'ord_1', 'lead.created'], // same entity_id, other type
    [a.client, 'shop', 'refund', 'ref_1', 'refund.created'],
    [keyClient, 'crm', 'lead', 'lead_1', 'lead.updated'],
    [a.client, 'shop', 'order', 'ord_1', 'order.shipped'],
  ];
  for (const [client, namespace, entity_type, entity_id, event] of plan) {
    seeded.push(await client.diffs.record({ namespace, entity_type, entity_id, event, after: { seq: seeded.length } }));
    await sleep(3);
  }
  // The same entity ids in tenant B must never leak into A's lists.
  await b.client.diffs.record({ namespace: 'shop', entity_type: 'order', entity_id: 'ord_1', event: 'order.created' });
});
afterAll(() => t?.stop());

describe('GET /v1/diffs filters', () => {
  const cases: [string, DiffFilters, (d: Diff) => boolean][] = [
    ['namespace', { namespace: 'shop' }, (d) => d.namespace === 'shop'],
    ['entity_type', { entity_type: 'lead' }, (d) => d.entity_type === 'lead'],
    ['entity_id', { entity_id: 'ord_1' }, (d) => d.entity_id === 'ord_1'],
    ['event', { event: 'order.paid' }, (d) => d.event === 'order.paid'],
    ['namespace + event', { namespace: 'crm', event: 'lead.created' }, (d) => d.namespace === 'crm' && d.event === 'lead.created'],
    ['entity_type + entity_id', { entity_type: 'order', entity_id: 'ord_1' }, (d) => d.entity_type === 'order' && d.entity_id === 'ord_1'],
  ];
  for (const [label, filters, keep] of cases) {
    it(`filters by ${label}, newest first`, async () => {
      const expected = newestFirst(seeded.filter(keep));
      expect(expected.length).toBeGreaterThan(0);
      const page = await a.client.diffs.list({ ...filters, limit: 200 });
      expect(ids(page.items)).toEqual(ids(expected));
      expect(page.nextCursor).toBeUndefined();
    });
  }

  it('filters by actor_id: the API key and the user each see only their own diffs', async () => {
    const byKey = await a.client.diffs.list({ actor_id: keyId, limit: 200 });
    expect(ids(byKey.items)).toEqual(ids(newestFirst(seeded.filter((d) => d.actor.id === keyId))));
    expect(byKey.items.every((d) => d.actor.type === 'api_key')).toBe(true);
    const byUser = await a.client.diffs.list({ actor_id: a.userId, namespace: 'shop', limit: 200 });
    expect(ids(byUser.items)).toEqual(ids(newestFirst(seeded.filter((d) => d.actor.id === a.userId && d.namespace === 'shop'))));
    expect(byUser.items.length).toBeGreaterThan(0);
  });

  it('since and until are inclusive bounds on created_at, in any timezone offset', async () => {
    const pivot = seeded[4]!;
    const at = Date.parse(pivot.created_at);
    const since = await a.client.diffs.list({ since: pivot.created_at, limit: 200 });
    expect(ids(since.items)).toEqual(ids(newestFirst(seeded.filter((d) => Date.parse(d.created_at) >= at))));
    const until = await a.client.diffs.list({ until: pivot.created_at, namespace: 'shop', limit: 200 });
    expect(ids(until.items)).toEqual(ids(newestFirst(seeded.filter((d) => Date.parse(d.created_at) <= at && d.namespace === 'shop'))));
    const exactly = await a.client.diffs.list({ since: pivot.created_at, until: pivot.created_at });
    expect(ids(exactly.items)).toEqual([pivot.id]);
    // The same instant written as +03:00 selects the same rows.
    const local = new Date(at + 3 * 3600_000).toISOString().replace('Z', '+03:00');
    const shifted = await a.client.diffs.list({ since: local, until: local });
    expect(ids(shifted.items)).toEqual([pivot.id]);
    const empty = await a.client.diffs.list({ since: seeded.at(-1)!.created_at, until: seeded[0]!.created_at });
    expect(empty.items).toEqual([]);
  });

  it('a filter matching nothing answers an empty page, and never another tenant’s rows', async () => {
    expect((await a.client.diffs.list({ namespace: 'nothing_here' })).items).toEqual([]);
    const bOrders = await b.client.diffs.list({ entity_id: 'ord_1' });
    expect(bOrders.items).toHaveLength(1);
    expect(bOrders.items[0]!.event).toBe('order.created');
    expect(ids(bOrders.items).some((id) => ids(seeded).includes(id))).toBe(false);
  });
});

describe('GET /v1/diffs order and pagination', () => {
  const NS = 'paging';
  let all: Diff[] = [];

  beforeAll(async () => {
    const one = (i: number) => ({ namespace: NS, entityType: 'item', entityId: `item_${i}`, event: 'item.created', after: { i } });
    for (let i = 0; i < 8; i++) await a.client.diffs.record({ namespace: NS, entity_type: 'item', entity_id: `item_${i}`, event: 'item.created' });
    // Ten diffs in one transaction share created_at: pagination must break the tie by id.
    await batch(a.tenantId, 'agt_batcher', Array.from({ length: 10 }, (_, i) => one(100 + i)));
    for (let i = 8; i < 15; i++) await a.client.diffs.record({ namespace: NS, entity_type: 'item', entity_id: `item_${i}`, event: 'item.created' });
    all = (await a.client.diffs.list({ namespace: NS, limit: 200 })).items;
  });

  it('orders newest first by (created_at, id), ties included', async () => {
    expect(all).toHaveLength(25);
    for (let i = 1; i < all.length; i++) {
      const [prev, cur] = [all[i - 1]!, all[i]!];
      const [pt, ct] = [Date.parse(prev.created_at), Date.parse(cur.created_at)];
      const [pid, cid] = [Number(prev.id.slice(4)), Number(cur.id.slice(4))];
      expect(pt > ct || (pt === ct && pid > cid), `${prev.id}@${prev.created_at} before ${cur.id}@${cur.created_at}`).toBe(true);
    }
    const sameInstant = all.filter((d) => d.actor.id === 'agt_batcher');
    expect(new Set(sameInstant.map((d) => d.created_at)).size).toBe(1);
    expect(sameInstant).toHaveLength(10);
  });

  for (const limit of [1, 3, 4, 7, 24, 25]) {
    it(`walks every page with limit=${limit}: no duplicates, no gaps, no empty trailing page`, async () => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await a.client.diffs.list({ namespace: NS, limit, cursor });
        sizes.push(page.items.length);
        seen.push(...ids(page.items));
        cursor = page.nextCursor;
      } while (cursor && sizes.length < 100);
      expect(seen).toEqual(ids(all));
      expect(sizes.every((s, i) => s === (i < sizes.length - 1 ? limit : 25 - limit * (sizes.length - 1)))).toBe(true);
      expect(sizes.at(-1)).toBeGreaterThan(0);
    });
  }

  it('a diff committed while paging does not shift later pages', async () => {
    const first = await a.client.diffs.list({ namespace: NS, limit: 10 });
    const late = await a.client.diffs.record({ namespace: NS, entity_type: 'item', entity_id: 'late', event: 'item.created' });
    const second = await a.client.diffs.list({ namespace: NS, limit: 200, cursor: first.nextCursor });
    expect([...ids(first.items), ...ids(second.items)]).toEqual(ids(all));
    expect((await a.client.diffs.list({ namespace: NS, limit: 1 })).items[0]!.id).toBe(late.id);
  });

  it('answers 50 by default and at most 200; limit 0, 201, -1, 1.5 and abc are 400 VALIDATION_FAILED', async () => {
    const bulk = Array.from({ length: 210 }, (_, i) => ({ namespace: 'bulk', entityType: 'row', entityId: `r${i}`, event: 'row.created' }));
    await batch(a.tenantId, 'agt_bulk', bulk);
    const dflt = await a.client.diffs.list({ namespace: 'bulk' });
    expect(dflt.items).toHaveLength(50);
    expect(dflt.nextCursor).toBeDefined();
    const max = await a.client.diffs.list({ namespace: 'bulk', limit: 200 });
    expect(max.items).toHaveLength(200);
    const tail = await a.client.diffs.list({ namespace: 'bulk', limit: 200, cursor: max.nextCursor });
    expect(tail.items).toHaveLength(10);
    expect(tail.nextCursor).toBeUndefined();
    for (const limit of ['0', '201', '-1', '1.5', 'abc']) {
      const env = await expectError(await a.client.raw('GET', '/v1/diffs', { query: { limit } }), 400, 'VALIDATION_FAILED');
      expect(detailPaths(env)).toEqual(['query.limit']);
    }
  });

  it('refuses a cursor the server did not issue with 400 BAD_CURSOR', async () => {
    const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const cursor of ['garbage!!', forged({ at: 'x' }), forged(['not a date', 1]), forged([all[0]!.created_at, 1.5]), forged(['-010000-01-01T00:00:00Z', 1])]) {
      const env = await expectError(await a.client.raw('GET', '/v1/diffs', { query: { cursor } }), 400, 'BAD_CURSOR');
      expect(detailPaths(env)).toEqual(['query.cursor']);
    }
    await expectError(await a.client.raw('GET', '/v1/entities/item/item_1/history', { query: { cursor: 'garbage!!' } }), 400, 'BAD_CURSOR');
  });

  it('a cursor from tenant A gives tenant B only B’s rows', async () => {
    const first = await a.client.diffs.list({ limit: 1 });
    // A's cursor points after every row of B, so B gets all of its own rows and nothing else.
    const res = await expectOk<Diff[]>(await b.client.raw('GET', '/v1/diffs', { query: { cursor: first.nextCursor, limit: 200 } }));
    const bAll = (await b.client.diffs.list({ limit: 200 })).items;
    expect(bAll).toHaveLength(4);
    expect(ids(res.data)).toEqual(ids(bAll));
  });
});
