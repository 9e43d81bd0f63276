// The ledger at the database: append-only (even for the owner and the system role) and
// tenant-isolated by row-level security (even for hand-written SQL).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diff } from '../../../../sdk/src/index.js';
import { APP_ROLE } from '../../platform/db/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';

type Row = Record<string, unknown>;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let aDiff: Diff;
let bDiff: Diff;

const owner = async (text: string, values: unknown[] = []): Promise<Row[]> => (await t.app.db.ownerExecutor.executeSql(text, values)).rows as Row[];
const numericId = (d: Diff) => Number(d.id.slice(4));

beforeAll(async () => {
  t = await startTestApp({ config: { snapshotEvery: 10, snapshotLagSeconds: 0 } });
  a = await t.tenant('Storage A');
  b = await t.tenant('Storage B');
  for (let i = 0; i < 12; i++) {
    aDiff = await a.client.diffs.record({ namespace: 'store', entity_type: 'box', entity_id: 'box_1', event: 'box.updated', after: { n: i }, why: `A reason ${i}` });
  }
  bDiff = await b.client.diffs.record({ namespace: 'store', entity_type: 'box', entity_id: 'box_1', event: 'box.updated', after: { n: 0 }, why: 'B reason' });
  expect(await t.app.ledger.snapshotNow(a.tenantId, { entityType: 'box', entityId: 'box_1' })).toBe(1);
});
afterAll(() => t?.stop());

describe('append-only: diffs and annotations cannot be rewritten', () => {
  const targets = [
    { table: 'diffs', where: () => ['id = $1', numericId(aDiff)] as const, set: "event = 'tampered'" },
    { table: 'annotations', where: () => ['diff_id = $1', numericId(aDiff)] as const, set: "why = 'tampered'" },
  ];

  for (const { table, where, set } of targets) {
    it(`${table}: UPDATE and DELETE are refused even as the table owner, the row unchanged`, async () => {
      const [cond, id] = where();
      const before = await owner(`select * from ${table} where ${cond}`, [id]);
      expect(before).toHaveLength(1);
      await expect(owner(`update ${table} set ${set} where ${cond}`, [id])).rejects.toThrow(/append-only/);
      await expect(owner(`delete from ${table} where ${cond}`, [id])).rejects.toThrow(/append-only/);
      await expect(owner(`delete from ${table}`)).rejects.toThrow(/append-only/);
      expect(await owner(`select * from ${table} where ${cond}`, [id])).toEqual(before);
    });

    it(`${table}: refused to the system role (BYPASSRLS) and to the tenant role`, async () => {
      const [cond, id] = where();
      const before = await owner(`select * from ${table} where ${cond}`, [id]);
      await expect(t.app.db.systemTx((tx) => sql`${sql.raw(`update ${table} set ${set} where ${cond.replace('$1', String(id))}`)}`.execute(tx))).rejects.toThrow(/append-only/);
      await expect(t.app.db.systemTx((tx) => sql`${sql.raw(`delete from ${table} where ${cond.replace('$1', String(id))}`)}`.execute(tx))).rejects.toThrow(/append-only/);
      await expect(t.app.db.tenantTx(a.tenantId, (tx) => sql`${sql.raw(`update ${table} set ${set}`)}`.execute(tx))).rejects.toThrow(/permission denied/);
      await expect(t.app.db.tenantTx(a.tenantId, (tx) => sql`${sql.raw(`delete from ${table}`)}`.execute(tx))).rejects.toThrow(/permission denied/);
      expect(await owner(`select * from ${table} where ${cond}`, [id])).toEqual(before);
    });

    it(`${table}: TRUNCATE is refused too (checked inside a transaction that is rolled back)`, async () => {
      const count = async () => Number((await owner(`select count(*)::int as n from ${table}`))[0]!.n);
      const n = await count();
      const outcome = await t.app.db.ownerSession(async (s) => {
        await s.script('begin');
        try {
          await s.executeSql(`truncate ${table} cascade`);
          return 'truncated';
        } catch (err) {
          return (err as Error).message;
        } finally {
          await s.script('rollback');
        }
      });
      expect(outcome).toMatch(/append-only/);
      expect(await count()).toBe(n);
    });
  }
});

describe('row-level security on the ledger tables', () => {
  const tables = ['diffs', 'annotations', 'entity_snapshots'];

  it('the owner sees rows of both tenants (ground truth for the checks below)', async () => {
    for (const table of tables.slice(0, 2)) {
      const tenants = (await owner(`select distinct tenant_id from ${table}`)).map((r) => r.tenant_id);
      expect(tenants, table).toEqual(expect.arrayContaining([a.tenantId, b.tenantId]));
    }
    expect((await owner('select tenant_id from entity_snapshots')).map((r) => r.tenant_id)).toEqual([a.tenantId]);
  });

  it('a tenant that does not exist sees no row at all', async () => {
    for (const table of tables) {
      const rows = await t.app.db.tenantTx('ten_nonexistent', (tx) => sql<Row>`select * from ${sql.table(table)}`.execute(tx));
      expect(rows.rows, table).toEqual([]);
    }
  });

  it('tenant A’s transaction, with hand-written SELECT *, sees exactly A’s rows', async () => {
    for (const table of tables) {
      const seen = await t.app.db.tenantTx(a.tenantId, (tx) => sql<Row>`select * from ${sql.table(table)}`.execute(tx));
      const truth = await owner(`select * from ${table} where tenant_id = $1`, [a.tenantId]);
      expect(seen.rows.length, table).toBe(truth.length);
      expect(seen.rows.length, table).toBeGreaterThan(0);
      expect(new Set(seen.rows.map((r) => r.tenant_id)), table).toEqual(new Set([a.tenantId]));
    }
    const aimed = await t.app.db.tenantTx(a.tenantId, (tx) => sql<Row>`select * from diffs where id = ${numericId(bDiff)}`.execute(tx));
    expect(aimed.rows).toEqual([]);
  });

  it('the app role with no tenant set sees zero rows', async () => {
    for (const table of tables) {
      const rows = await t.app.db.kysely.transaction().execute(async (tx) => {
        await sql`select set_config('role', ${APP_ROLE}, true)`.execute(tx);
        const who = await sql<{ r: string }>`select current_user as r`.execute(tx);
        expect(who.rows[0]!.r).toBe(APP_ROLE);
        return (await sql<Row>`select * from ${sql.table(table)}`.execute(tx)).rows;
      });
      expect(rows, table).toEqual([]);
    }
  });

  it('a tenant cannot write a diff or a why into another tenant, nor a snapshot at all', async () => {
    await expect(
      t.app.db.tenantTx(a.tenantId, (tx) =>
        sql`insert into diffs (tenant_id, namespace, entity_type, entity_id, event, actor_type, actor_id)
            values (${b.tenantId}, 'store', 'box', 'planted', 'box.created', 'user', ${a.userId})`.execute(tx),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      t.app.db.tenantTx(a.tenantId, (tx) =>
        sql`insert into annotations (id, tenant_id, diff_id, author_type, author_id, why)
            values ('ann_planted', ${b.tenantId}, ${numericId(bDiff)}, 'user', ${a.userId}, 'planted')`.execute(tx),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      t.app.db.tenantTx(a.tenantId, (tx) =>
        sql`insert into entity_snapshots (tenant_id, entity_type, entity_id, diff_id, diff_count, state)
            values (${a.tenantId}, 'box', 'box_1', 1, 1, '{}')`.execute(tx),
      ),
    ).rejects.toThrow(/permission denied/);
    expect((await b.client.diffs.list({ entity_id: 'planted' })).items).toEqual([]);
    expect((await b.client.diffs.get(bDiff.id)).annotations.map((x) => x.why)).toEqual(['B reason']);
  });

  it('refuses to open a tenant transaction without a tenant id', async () => {
    await expect((async () => t.app.db.tenantTx('', async () => 1))()).rejects.toThrow(/tenant id/);
  });
});
