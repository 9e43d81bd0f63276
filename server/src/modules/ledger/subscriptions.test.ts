// Durable subscriptions: every committed diff reaches each subscriber once, in commit order,
// filtered per subscriber; a failed batch is redelivered whole (its writes rolled back with the
// cursor); the backlog is visible as a metric. (Kill -9 of a worker mid-stream is proven on the
// `rules` subscription by rules/durability.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectOk } from '../../testing/http.js';
import type { CommittedDiff } from './index.js';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await startTestApp({ config: { jobs: false } });
  a = await t.tenant('Subscriber');
});
afterAll(() => t.stop());

async function record(namespace: string, event: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await a.client.raw('POST', '/v1/diffs', { body: { namespace, entity_type: 'thing', entity_id: `t${i}`, event, after: { i } } });
    ids.push((await expectOk<{ id: string }>(res, 201)).data.id);
  }
  return ids;
}
const publicId = (d: CommittedDiff) => `dif_${d.id}`;

describe('ledger.subscribe', () => {
  it('delivers each matching diff once, in order, to each subscriber with its own filter; starts from now', async () => {
    await record('before_sub', 'thing.created', 2);
    const seenAll: CommittedDiff[] = [];
    const seenOrders: CommittedDiff[] = [];
    const all = t.app.ledger.subscribe('test.all', async (ds) => void seenAll.push(...ds.filter((d) => d.tenant_id === a.tenantId)));
    const orders = t.app.ledger.subscribe('test.orders', async (ds) => void seenOrders.push(...ds), { filter: { namespaces: ['shop'], events: ['order.placed'] } });
    await all.drain();
    await orders.drain();
    expect(seenAll).toEqual([]); // a new subscriber starts at the end of the ledger
    const placed = await record('shop', 'order.placed', 3);
    const other = await record('shop', 'order.paid', 2);
    await all.drain();
    await orders.drain();
    await all.drain(); // a second drain delivers nothing again
    expect(seenOrders.map(publicId)).toEqual(placed);
    expect(seenAll.map(publicId)).toEqual([...placed, ...other]);
    expect(seenOrders[0]).toMatchObject({ namespace: 'shop', event: 'order.placed', entity_type: 'thing', value_after: { i: 0 }, actor_type: 'user' });
    expect(all.idempotencyKey(seenAll[0]!)).toBe(`test.all:${seenAll[0]!.id}`);
  });

  it('a failing batch is redelivered whole: what it wrote rolled back with the cursor', async () => {
    let failOnce = true;
    const delivered: number[] = [];
    const sub = t.app.ledger.subscribe('test.retry', async (ds, { tx }) => {
      const mine = ds.filter((d) => d.tenant_id === a.tenantId && d.namespace === 'retry');
      if (mine.length === 0) return;
      // A write in the delivery's transaction: it must not survive the failed attempt.
      await t.app.ledger.record({ tenantId: a.tenantId, actor: { type: 'system', id: 'test' }, tx, onCommit: () => undefined }, {
        namespace: 'retry_probe', entityType: 'probe', entityId: 'p', event: 'probe.written', after: { n: mine.length },
      });
      delivered.push(...mine.map((d) => d.id));
      if (failOnce) {
        failOnce = false;
        throw new Error('handler down');
      }
    });
    await sub.drain();
    const ids = await record('retry', 'thing.created', 2);
    await expect(sub.drain()).rejects.toThrow('handler down');
    expect(await sub.backlog()).toBeGreaterThanOrEqual(2);
    await sub.drain();
    const nums = ids.map((id) => Number(id.slice(4)));
    expect(delivered).toEqual([...nums, ...nums]); // the failed batch, then the same batch again
    const probes = await t.app.db.ownerExecutor.executeSql(`select count(*)::int as n from diffs where tenant_id = $1 and namespace = 'retry_probe'`, [a.tenantId]);
    expect(probes.rows).toEqual([{ n: 1 }]); // only the committed delivery's write exists
    await sub.drain();
    expect(await sub.backlog()).toBe(0);
  });

  it('the backlog of every subscription is a metric', async () => {
    const sub = t.app.ledger.subscribe('test.metric', async () => undefined);
    await sub.drain();
    await record('metric', 'thing.created', 3);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('atrium_ledger_subscription_backlog_diffs{subscription="test.metric"}'));
    expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(3);
    await sub.drain();
    expect(await sub.backlog()).toBe(0);
  });

  it('refuses a second subscriber with the same name', () => {
    t.app.ledger.subscribe('test.once', async () => undefined);
    expect(() => t.app.ledger.subscribe('test.once', async () => undefined)).toThrow('exists');
  });
});
