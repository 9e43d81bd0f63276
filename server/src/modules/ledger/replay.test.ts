// Replay: an entity's state at any instant, folded from its diffs — with and without the
// snapshots that bound the fold — and its history.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diff, Json, ReplayedState } from '../../../../sdk/src/index.js';
import { inTenant } from '../../platform/context.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { detailPaths, expectError, expectOk, sleep, waitFor } from '../../testing/http.js';

const SNAPSHOT_EVERY = 10;
let t: TestApp;
let a: TestTenant;
let b: TestTenant;

type Step = { event: string; after: Json | null };
type JsonObj = { [k: string]: Json };

/** RFC 7386, written independently of the server's implementation. */
function refMerge(target: Json | null, patch: Json): Json {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: JsonObj = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = refMerge(k in out ? out[k]! : null, v);
  }
  return out;
}
/** The documented semantics: `*.created` sets, `*.deleted` clears, `after: null` changes nothing, others merge-patch. */
function refApply(state: Json | null, s: Step): Json | null {
  if (s.event.endsWith('.deleted')) return null;
  if (s.after === null) return state;
  if (s.event.endsWith('.created') || state === null) return s.after;
  return refMerge(state, s.after);
}

const steps: Step[] = [{ event: 'widget.created', after: { name: 'Widget', count: 0, tags: ['a'], dims: { w: 1, h: 1 } } }];
const special: Record<number, Step> = {
  12: { event: 'widget.updated', after: { dims: { h: null, d: 3 } } },
  15: { event: 'widget.updated', after: { tags: null } },
  18: { event: 'widget.touched', after: null },
  21: { event: 'widget.deleted', after: null },
  22: { event: 'widget.updated', after: { revived: true } },
  25: { event: 'widget.created', after: { name: 'Widget 2', count: 100 } },
  28: { event: 'widget.updated', after: { list: [1, 2, 3], count: 101 } },
  29: { event: 'widget.updated', after: { list: [4] } },
};
for (let i = 1; i <= 34; i++) steps.push(special[i] ?? { event: 'widget.updated', after: { count: i } });
/** expected[i]: the state right after steps[i]. */
const expected: (Json | null)[] = [];
for (const step of steps) expected.push(refApply(expected.length ? expected[expected.length - 1]! : null, step));

let recorded: Diff[] = [];
const at = (d: Diff, deltaMs = 0) => new Date(Date.parse(d.created_at) + deltaMs).toISOString();
const stateOf = (client: TestTenant['client'], when?: string) => client.entities.stateAt('widget', 'w1', when);

beforeAll(async () => {
  t = await startTestApp({ config: { snapshotEvery: SNAPSHOT_EVERY, snapshotLagSeconds: 0 } });
  a = await t.tenant('Replay A');
  b = await t.tenant('Replay B');
  for (const s of steps) {
    recorded.push(await a.client.diffs.record({ namespace: 'replay', entity_type: 'widget', entity_id: 'w1', event: s.event, after: s.after }));
    await sleep(5);
  }
});
afterAll(() => t?.stop());

describe('the documented semantics, written out by hand', () => {
  it('merge-patch: nested merge, null deletes a key, arrays replace; *.deleted clears; *.created replaces', () => {
    expect(steps).toHaveLength(35);
    expect(expected[11]).toEqual({ name: 'Widget', count: 11, tags: ['a'], dims: { w: 1, h: 1 } });
    expect(expected[12]).toEqual({ name: 'Widget', count: 11, tags: ['a'], dims: { w: 1, d: 3 } });
    expect(expected[15]).toEqual({ name: 'Widget', count: 14, dims: { w: 1, d: 3 } });
    expect(expected[18]).toEqual(expected[17]);
    expect(expected[21]).toBeNull();
    expect(expected[22]).toEqual({ revived: true });
    expect(expected[25]).toEqual({ name: 'Widget 2', count: 100 });
    expect(expected[29]).toEqual({ name: 'Widget 2', count: 101, list: [4] });
    expect(expected[34]).toEqual({ name: 'Widget 2', count: 34, list: [4] });
  });
});

describe('GET /v1/entities/:type/:id/state?at=', () => {
  let firstPass: ReplayedState[] = [];

  async function replayEverywhere(): Promise<ReplayedState[]> {
    const out: ReplayedState[] = [];
    for (let i = 0; i < recorded.length; i++) {
      const exact = await stateOf(a.client, at(recorded[i]!));
      expect(exact, `exactly at diff ${i}`).toEqual({ state: expected[i], at: recorded[i]!.created_at, as_of_diff_id: recorded[i]!.id });
      const between = await stateOf(a.client, at(recorded[i]!, 2));
      expect(between, `2 ms after diff ${i}`).toEqual({ state: expected[i], at: at(recorded[i]!, 2), as_of_diff_id: recorded[i]!.id });
      out.push(exact, between);
    }
    return out;
  }

  it('the diffs have distinct, increasing timestamps (so every instant below is unambiguous)', () => {
    for (let i = 1; i < recorded.length; i++) expect(Date.parse(recorded[i]!.created_at)).toBeGreaterThan(Date.parse(recorded[i - 1]!.created_at) + 2);
  });

  it('before creation: state null, no diff', async () => {
    expect(await stateOf(a.client, at(recorded[0]!, -1))).toEqual({ state: null, at: at(recorded[0]!, -1), as_of_diff_id: null });
    expect(await stateOf(a.client, '2000-01-01T00:00:00Z')).toEqual({ state: null, at: '2000-01-01T00:00:00.000Z', as_of_diff_id: null });
  });

  it('exactly at each diff (inclusive) and between diffs, starting with no snapshot at all', async () => {
    const snaps = await t.app.db.systemTx((tx) => sql<{ n: number }>`select count(*)::int as n from entity_snapshots where entity_id = 'w1'`.execute(tx));
    expect(snaps.rows[0]!.n).toBe(0);
    firstPass = await replayEverywhere();
  });

  it('now (no `at`), far future, and another timezone offset', async () => {
    const last = recorded.at(-1)!;
    const now = await stateOf(a.client);
    expect(now.state).toEqual(expected.at(-1));
    expect(now.as_of_diff_id).toBe(last.id);
    expect(Date.parse(now.at)).toBeGreaterThanOrEqual(Date.parse(last.created_at));
    expect(await stateOf(a.client, '9999-01-01T00:00:00Z')).toMatchObject({ state: expected.at(-1), as_of_diff_id: last.id });
    const ms = Date.parse(recorded[12]!.created_at) + 5.5 * 3600_000;
    const local = new Date(ms).toISOString().replace('Z', '+05:30');
    expect(await stateOf(a.client, local)).toEqual({ state: expected[12], at: recorded[12]!.created_at, as_of_diff_id: recorded[12]!.id });
  });

  it('snapshots change nothing but the length of the fold', async () => {
    await t.app.ledger.snapshotNow(a.tenantId, { entityType: 'widget', entityId: 'w1' });
    const snaps = await t.app.db.systemTx((tx) =>
      tx.selectFrom('entity_snapshots').select(['tenant_id', 'diff_id', 'diff_count', 'state']).where('entity_id', '=', 'w1').orderBy('diff_id').execute(),
    );
    expect(snaps.map((s) => [s.tenant_id, `dif_${s.diff_id}`, s.diff_count, s.state])).toEqual(
      [9, 19, 29].map((i) => [a.tenantId, recorded[i]!.id, i + 1, expected[i]]),
    );
    expect(await replayEverywhere()).toEqual(firstPass);
    const direct = await t.app.ledger.stateAt(a.tenantId, { entityType: 'widget', entityId: 'w1' }, new Date());
    expect(direct.folded).toBe(5); // diffs 31..35 on top of the snapshot at 30
    expect(direct.state).toEqual(expected.at(-1));
  });

  it('a long fold asks the job engine for snapshots; the worker writes them', async () => {
    const inputs = Array.from({ length: 25 }, (_, i) => ({ namespace: 'replay', entityType: 'widget', entityId: 'w2', event: 'widget.updated', after: { i } }));
    await inTenant(t.app.db, { tenantId: a.tenantId, actor: { type: 'system', id: 'test' } }, (ctx) => t.app.ledger.recordBatch(ctx, inputs));
    expect((await a.client.entities.stateAt('widget', 'w2')).state).toEqual({ i: 24 });
    const counts = await waitFor('snapshots of w2', async () => {
      const rows = await t.app.db.systemTx((tx) => tx.selectFrom('entity_snapshots').select('diff_count').where('entity_id', '=', 'w2').orderBy('diff_id').execute());
      return rows.length === 2 ? rows.map((r) => r.diff_count) : undefined;
    });
    expect(counts).toEqual([10, 20]);
    expect((await a.client.entities.stateAt('widget', 'w2')).state).toEqual({ i: 24 });
    // One transaction, one instant: `at` equal to it sees the whole batch.
    const [newest] = (await a.client.entities.history('widget', 'w2', { limit: 1 })).items;
    expect(await a.client.entities.stateAt('widget', 'w2', newest!.created_at)).toEqual({ state: { i: 24 }, at: newest!.created_at, as_of_diff_id: newest!.id });
    expect((await a.client.entities.stateAt('widget', 'w2', at(newest!, -1))).state).toBeNull();
  });

  it('unknown entity and another tenant’s entity: 404; the snapshot of A never serves B', async () => {
    await expectError(await a.client.raw('GET', '/v1/entities/widget/nope/state'), 404, 'NOT_FOUND');
    await expectError(await a.client.raw('GET', '/v1/entities/gadget/w1/state'), 404, 'NOT_FOUND');
    await expectError(await b.client.raw('GET', '/v1/entities/widget/w1/state'), 404, 'NOT_FOUND');
    await b.client.diffs.record({ namespace: 'replay', entity_type: 'widget', entity_id: 'w1', event: 'widget.created', after: { owner: 'B' } });
    expect(await stateOf(b.client)).toMatchObject({ state: { owner: 'B' } });
    expect((await stateOf(a.client)).state).toEqual(expected.at(-1));
  });

  it('refuses a malformed `at` with 400 VALIDATION_FAILED naming query.at', async () => {
    for (const bad of ['not-a-date', '2024-01-01', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '']) {
      const env = await expectError(await a.client.raw('GET', '/v1/entities/widget/w1/state', { query: { at: bad } }), 400, 'VALIDATION_FAILED');
      expect(detailPaths(env), bad).toEqual(['query.at']);
    }
    await expectError(await a.client.raw('GET', '/v1/entities/widget/w1/state', { query: { when: 'now' } }), 400, 'VALIDATION_FAILED');
  });
});

describe('GET /v1/entities/:type/:id/history', () => {
  it('every diff of the entity, newest first, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await a.client.entities.history('widget', 'w1', { limit: 10, cursor });
      seen.push(...page.items.map((d) => d.id));
      expect(page.items.every((d) => d.entity_type === 'widget' && d.entity_id === 'w1')).toBe(true);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(recorded.map((d) => d.id).reverse());
    const first = await expectOk<Diff[]>(await a.client.raw('GET', '/v1/entities/widget/w1/history', { query: { limit: 1 } }));
    expect(first.data[0]).toEqual(recorded.at(-1));
  });

  it('404 for an unknown entity and for another tenant’s entity', async () => {
    await expectError(await a.client.raw('GET', '/v1/entities/widget/nope/history'), 404, 'NOT_FOUND');
    await expectError(await b.client.raw('GET', '/v1/entities/widget/w2/history'), 404, 'NOT_FOUND');
    await expectError(await a.client.raw('GET', '/v1/entities/widget/w1/history', { query: { limit: 0 } }), 400, 'VALIDATION_FAILED');
  });
});
