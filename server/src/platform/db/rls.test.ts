// Isolation proven at the database, not through the app: every tenant-owned table in
// `public` has row-level security enabled AND forced with a policy keyed on
// app.tenant_id; the role tenant code runs as (atrium_app) reads nothing without a
// tenant, only its own tenant's rows with one — even with a hand-written `SELECT *` —
// never another tenant's people or anybody's password hash, cannot rewrite the ledger
// and cannot write a row into another tenant.
import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { APP_ROLE } from './index.js';

type Row = Record<string, unknown>;
type Tx = Transaction<Database>;

/** Tenant-owned tables that exist today: discovery must find at least these. */
const KNOWN_TENANT_TABLES = [
  'annotations', 'auth_tokens', 'diffs', 'entity_snapshots', 'idempotency_keys', 'invitations', 'memberships', 'tasks', 'workflow_templates', 'workflows',
];
/** Tables checked with hand-written SELECT * under tenant A, and the column naming the tenant. */
const HAND_WRITTEN: Record<string, string> = {
  diffs: 'tenant_id', annotations: 'tenant_id', memberships: 'tenant_id', auth_tokens: 'tenant_id', invitations: 'tenant_id', tenants: 'id',
  workflows: 'tenant_id', tasks: 'tenant_id', workflow_templates: 'tenant_id',
};
const SNAPSHOT_EVERY = 2;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let tenantTables: string[];

const rowsOf = async (tx: Tx, text: string): Promise<Row[]> => (await sql<Row>`${sql.raw(text)}`.execute(tx)).rows;

/** A transaction as atrium_app; `tenant` undefined sets no tenant at all. Rolled back. */
async function asApp<T>(tenant: string | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let out: T | undefined;
  const rollback = new Error('rollback');
  await t.app.db.kysely
    .transaction()
    .execute(async (tx) => {
      await sql`select set_config('role', ${APP_ROLE}, true)`.execute(tx);
      if (tenant !== undefined) await sql`select set_config('app.tenant_id', ${tenant}, true)`.execute(tx);
      out = await fn(tx);
      throw rollback;
    })
    .catch((err: unknown) => {
      if (err !== rollback) throw err;
    });
  return out as T;
}

/** The same statement as the table owner in a plain transaction (sees everything: ground truth). */
const asOwner = (text: string): Promise<Row[]> => t.app.db.kysely.transaction().execute((tx) => rowsOf(tx, text));

async function seed(x: TestTenant, tag: string): Promise<void> {
  for (let i = 1; i <= 3; i++) {
    const diff = await x.client.diffs.record(
      { namespace: 'crm_import', entity_type: 'lead', entity_id: 'lead_1', event: 'lead.updated', after: { step: i, tag }, why: `${tag} why ${i}` },
      `${tag}-key-${i}`,
    );
    await x.client.diffs.annotate(diff.id, `${tag} second thought ${i}`, -1);
  }
  await x.client.request('POST', '/v1/members', { body: { email: `invitee-${tag}@example.test`, role: 'viewer' } });
  await t.app.identity.issueToken({ tenantId: x.tenantId, userId: null, kind: 'api_key', scopes: ['read'], name: `${tag} key` });
  const flow = await x.client.request<{ id: string }>('POST', '/v1/workflows', { body: { name: `${tag} flow`, department: 'ops' } });
  await x.client.request('POST', `/v1/workflows/${flow.data.id}/tasks`, { body: { name: `${tag} task` } });
  await x.client.request('POST', `/v1/workflows/${flow.data.id}/save-as-template`, { body: { name: `${tag} template` } });
  const written = await t.app.ledger.snapshotNow(x.tenantId, { entityType: 'lead', entityId: 'lead_1' });
  expect(written).toBeGreaterThan(0);
}

beforeAll(async () => {
  t = await startTestApp({ config: { snapshotEvery: SNAPSHOT_EVERY, snapshotLagSeconds: 0 } });
  a = await t.tenant('Tenant A');
  b = await t.tenant('Tenant B');
  await seed(a, 'alpha');
  await seed(b, 'bravo');
  const found = await asOwner(`
    select distinct c.table_name::text as name
    from information_schema.columns c
    join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name
    where c.table_schema = 'public' and c.column_name = 'tenant_id' and tb.table_type = 'BASE TABLE'
    order by 1`);
  tenantTables = found.map((r) => String(r.name));
});
afterAll(() => t?.stop());

describe('row-level security is declared on every tenant-owned table', () => {
  it('discovers the tenant-owned tables from information_schema (never an empty list)', () => {
    expect(tenantTables).toEqual(expect.arrayContaining(KNOWN_TENANT_TABLES));
  });

  it('each has RLS enabled and forced, and a tenant policy for reads and writes', async () => {
    for (const table of [...tenantTables, 'tenants']) {
      const [cls] = await asOwner(`select relrowsecurity, relforcerowsecurity from pg_class where oid = 'public.${table}'::regclass`);
      expect(cls, table).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
      const policies = await asOwner(`select cmd, qual, with_check from pg_policies where schemaname = 'public' and tablename = '${table}'`);
      expect(policies.length, `${table} has no policy`).toBeGreaterThan(0);
      const all = policies.filter((p) => p.cmd === 'ALL');
      expect(all.length, `${table} needs a policy covering every command`).toBeGreaterThan(0);
      for (const p of all) {
        expect(String(p.qual), table).toContain('app.tenant_id');
        expect(String(p.with_check), table).toContain('app.tenant_id');
      }
    }
  });

  it('every table the tenant role can touch at all has RLS enabled and forced', async () => {
    const reachable = await asOwner(`
      select c.relname::text as name, c.relrowsecurity as rls, c.relforcerowsecurity as forced
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
        and (has_table_privilege('${APP_ROLE}', c.oid, 'SELECT, INSERT, UPDATE, DELETE')
             or has_any_column_privilege('${APP_ROLE}', c.oid, 'SELECT, INSERT, UPDATE'))`);
    expect(reachable.map((r) => r.name)).toEqual(expect.arrayContaining([...KNOWN_TENANT_TABLES, 'tenants', 'users']));
    for (const r of reachable) expect({ table: r.name, rls: r.rls, forced: r.forced }).toEqual({ table: r.name, rls: true, forced: true });
  });

  it('the tenant role is neither superuser nor allowed to bypass RLS', async () => {
    const [role] = await asOwner(`select rolsuper, rolbypassrls from pg_roles where rolname = '${APP_ROLE}'`);
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
  });
});

describe('atrium_app with no tenant set', () => {
  it('every tenant-owned table has rows of both tenants (so zero below means something)', async () => {
    for (const table of KNOWN_TENANT_TABLES) {
      const rows = await asOwner(`select distinct tenant_id from ${table}`);
      expect(rows.map((r) => r.tenant_id), table).toEqual(expect.arrayContaining([a.tenantId, b.tenantId]));
    }
  });

  it('reads zero rows from every tenant-owned table, users and tenants — setting unset or empty', async () => {
    const tables = [...tenantTables, 'tenants'];
    for (const tenant of [undefined, '']) {
      await asApp(tenant, async (tx) => {
        for (const table of tables) expect(await rowsOf(tx, `select * from ${table}`), `${table} (tenant ${JSON.stringify(tenant)})`).toEqual([]);
        expect(await rowsOf(tx, 'select id, email, name, created_at from users')).toEqual([]);
      });
    }
  });
});

describe('atrium_app with tenant A set', () => {
  it('hand-written SELECT * never returns a row of tenant B, and does return A’s own rows', async () => {
    await asApp(a.tenantId, async (tx) => {
      for (const [table, column] of Object.entries(HAND_WRITTEN)) {
        const rows = await rowsOf(tx, `select * from ${table}`);
        expect(rows.length, `${table}: A sees its own rows`).toBeGreaterThan(0);
        expect(new Set(rows.map((r) => r[column])), table).toEqual(new Set([a.tenantId]));
        expect(JSON.stringify(rows), table).not.toContain(b.tenantId);
        expect(JSON.stringify(rows), table).not.toContain('bravo');
        const aimed = await sql<Row>`select * from ${sql.table(table)} where ${sql.ref(column)} = ${b.tenantId}`.execute(tx);
        expect(aimed.rows, `${table} aimed at B`).toEqual([]);
      }
    });
  });

  it('sees its own people only, and nobody’s password hash', async () => {
    const ids = await asApp(a.tenantId, async (tx) => (await rowsOf(tx, 'select id from users')).map((r) => r.id));
    expect(ids).toEqual([a.userId]);
    const aimed = await asApp(a.tenantId, (tx) => sql<Row>`select id, email from users where id = ${b.userId}`.execute(tx));
    expect(aimed.rows).toEqual([]);
    for (const text of ['select * from users', 'select password_hash from users', `select password_hash from users where id = '${a.userId}'`]) {
      await expect(asApp(a.tenantId, (tx) => rowsOf(tx, text)), text).rejects.toThrow(/permission denied/);
    }
  });

  it('cannot update or delete diffs, not even its own', async () => {
    for (const text of ['update diffs set event = \'tampered\'', 'delete from diffs', 'delete from annotations', 'update annotations set why = \'x\'']) {
      await expect(asApp(a.tenantId, (tx) => rowsOf(tx, text)), text).rejects.toThrow(/permission denied/);
    }
  });

  it('cannot insert a row carrying tenant B’s id (WITH CHECK)', async () => {
    const statements = [
      sql`insert into diffs (tenant_id, namespace, entity_type, entity_id, event, actor_type, actor_id)
          values (${b.tenantId}, 'crm_import', 'lead', 'planted', 'lead.created', 'user', ${a.userId})`,
      sql`insert into invitations (id, tenant_id, email, role, token_hash, invited_by, expires_at)
          values ('inv_planted', ${b.tenantId}, 'x@example.test', 'admin', 'planted-hash', ${a.userId}, now() + interval '1 day')`,
      sql`insert into memberships (tenant_id, user_id, role) values (${b.tenantId}, ${a.userId}, 'owner')`,
      sql`insert into auth_tokens (id, tenant_id, user_id, kind, token_hash, scopes)
          values ('key_planted', ${b.tenantId}, null, 'api_key', 'planted-hash', array['admin'])`,
    ];
    for (const stmt of statements) {
      await expect(asApp(a.tenantId, (tx) => stmt.execute(tx))).rejects.toThrow(/row-level security/);
    }
    // The same insert for A's own tenant is allowed, so the refusal above is the policy, not a typo.
    await asApp(a.tenantId, (tx) =>
      sql`insert into invitations (id, tenant_id, email, role, token_hash, invited_by, expires_at)
          values ('inv_own', ${a.tenantId}, 'x@example.test', 'admin', 'own-hash', ${a.userId}, now() + interval '1 day')`.execute(tx),
    );
  });

  it('cannot move its own rows into tenant B nor touch B’s rows by UPDATE', async () => {
    await expect(
      asApp(a.tenantId, (tx) => sql`update memberships set tenant_id = ${b.tenantId} where user_id = ${a.userId}`.execute(tx)),
    ).rejects.toThrow(/row-level security/);
    const touched = await asApp(a.tenantId, async (tx) => ({
      tenants: (await sql`update tenants set name = 'hijacked' where id = ${b.tenantId}`.execute(tx)).numAffectedRows,
      tokens: (await sql`update auth_tokens set revoked_at = now() where tenant_id = ${b.tenantId}`.execute(tx)).numAffectedRows,
      invitations: (await sql`update invitations set revoked_at = now() where tenant_id = ${b.tenantId}`.execute(tx)).numAffectedRows,
    }));
    expect(touched).toEqual({ tenants: 0n, tokens: 0n, invitations: 0n });
  });
});
