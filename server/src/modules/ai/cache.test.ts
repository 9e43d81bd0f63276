// The response cache's two tiers. In memory (MemoryCache): entries expire at their time, the
// least recently used go first once the byte budget is reached, and a key is per tenant.
// Shared (`sharedCacheGet` over the SQL function `atrium_ai_cache_get`, one statement): it
// returns the workspace's own live entry only — row-level security keeps the tenants apart
// (a WHERE clause on the tenant as well) — and leaves the connection as it found it: login
// role and no tenant on a pooled connection, and even inside an explicit transaction the
// role and tenant the caller had. Only the owner may call it.
// In front of it, SharedCacheIndex: which keys Postgres held at this process's last look, so a
// question never asked is a miss without a round trip; bounded in workspaces, and a workspace
// too big to index is not re-read at every refresh.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTenant } from '../../platform/context.js';
import { openDb, type Db } from '../../platform/db/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { SharedCacheIndex } from './cache-index.js';
import { cachePutMany, MemoryCache, sharedCacheGet, type CachedResponse } from './cache.js';

const answer = (text: string): CachedResponse => ({ text, provider: 'openai', model: 'fake-gpt', input_tokens: 3, output_tokens: 4 });
/** What MemoryCache charges for an entry (its own estimate: UTF-16 JSON plus overhead). */
const bytesOf = (v: CachedResponse) => 2 * JSON.stringify(v).length + 200;

describe('MemoryCache', () => {
  it('answers until the entry’s expiry time, then forgets it', () => {
    const m = new MemoryCache();
    m.put('t1', 'k', answer('fresh'), 1_000);
    expect(m.get('t1', 'k', 999)).toEqual(answer('fresh'));
    expect(m.get('t1', 'k', 1_000)).toBeNull();
    expect(m.size).toBe(0);
    expect(m.get('t1', 'k', 0)).toBeNull(); // gone, not merely hidden
  });

  it('keys are per tenant', () => {
    const m = new MemoryCache();
    m.put('t1', 'k', answer('one'), Infinity);
    expect(m.get('t2', 'k', 0)).toBeNull();
    m.put('t2', 'k', answer('two'), Infinity);
    expect(m.get('t1', 'k', 0)?.text).toBe('one');
    expect(m.get('t2', 'k', 0)?.text).toBe('two');
    expect(m.size).toBe(2);
  });

  it('evicts the least recently used once maxBytes is reached; a read counts as a use', () => {
    const v = (i: number) => answer(`answer ${String(i).padStart(2, '0')}`); // all the same size
    const s = bytesOf(v(0));
    const m = new MemoryCache(24 * s); // room for exactly 24 of them
    for (let i = 0; i < 24; i++) m.put('t', `k${i}`, v(i), Infinity);
    expect(m.size).toBe(24);
    expect(m.get('t', 'k0', 0)).not.toBeNull(); // k0 is now the most recently used; k1 the least
    m.put('t', 'k24', v(24), Infinity);
    expect(m.size).toBe(24);
    expect(m.get('t', 'k1', 0)).toBeNull();

    // An entry of between two and three small ones pushes out the three least recently used.
    const big = answer('x'.repeat(Math.ceil((2.5 * s - 200) / 2 - JSON.stringify(answer('')).length)));
    expect(bytesOf(big)).toBeGreaterThan(2 * s);
    expect(bytesOf(big)).toBeLessThanOrEqual(3 * s);
    m.put('t', 'big', big, Infinity);
    expect(m.size).toBe(22);
    for (const k of ['k2', 'k3', 'k4']) expect(m.get('t', k, 0), k).toBeNull();
    for (const k of ['k0', 'k5', 'k23', 'k24', 'big']) expect(m.get('t', k, 0), k).not.toBeNull();

    // Overwriting a key replaces its bytes instead of adding to them: nothing else goes.
    m.put('t', 'k6', v(6), Infinity);
    expect(m.size).toBe(22);
    for (let i = 5; i < 25; i++) expect(m.get('t', `k${i}`, 0), `k${i}`).not.toBeNull();
  });

  it('does not keep an entry larger than an eighth of maxBytes (nor evict anything for it)', () => {
    const small = answer('s');
    const m = new MemoryCache(8 * bytesOf(small) * 2);
    m.put('t', 'small', small, Infinity);
    m.put('t', 'huge', answer('y'.repeat(8 * bytesOf(small))), Infinity);
    expect(m.get('t', 'huge', 0)).toBeNull();
    expect(m.get('t', 'small', 0)).toEqual(small);
    expect(m.size).toBe(1);
  });
});

describe('the shared tier (Postgres): sharedCacheGet and its key index', () => {
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  let c: TestTenant;
  /** On server Postgres a pool of one connection, so the after-check sees the very connection the read used. */
  let db: Db;
  const now = new Date('2030-01-01T00:00:00Z');

  const put = (x: TestTenant, key: string, value: CachedResponse, ttl: number, at = now) =>
    inTenant(t.app.db, { tenantId: x.tenantId, actor: { type: 'system', id: 'test' } }, (ctx) => cachePutMany(ctx.tx, x.tenantId, [{ key, expiresAt: new Date(at.getTime() + ttl * 1000), value }], at));
  const session = async () =>
    (await db.ownerExecutor.executeSql(`select current_user as role, current_setting('app.tenant_id', true) as tenant`)).rows[0] as { role: string; tenant: string | null };

  beforeAll(async () => {
    t = await startTestApp();
    [a, b, c] = [await t.tenant('Cache A'), await t.tenant('Cache B'), await t.tenant('Cache C')];
    db = t.databaseUrl ? await openDb({ databaseUrl: t.databaseUrl, dataDir: '', poolMax: 1 }) : t.app.db;
    // The same key in two workspaces, with different answers; one entry only in A.
    await put(a, 'same-key', answer('A’s answer'), 60);
    await put(b, 'same-key', answer('B’s answer'), 60);
    await put(a, 'only-a', answer('A only'), 60);
  });
  afterAll(async () => {
    if (db && db !== t?.app.db) await db.close();
    await t?.stop();
  });

  it('returns the workspace’s own entry with its expiry', async () => {
    const got = await sharedCacheGet(db, a.tenantId, 'same-key', now);
    expect(got).toEqual({ response: answer('A’s answer'), expiresAt: new Date(now.getTime() + 60_000) });
    expect((await sharedCacheGet(db, b.tenantId, 'same-key', now))?.response.text).toBe('B’s answer');
  });

  it('never another workspace’s entry (row-level security)', async () => {
    expect(await sharedCacheGet(db, b.tenantId, 'only-a', now)).toBeNull();
    expect(await sharedCacheGet(db, c.tenantId, 'same-key', now)).toBeNull();
    expect(await sharedCacheGet(db, c.tenantId, 'only-a', now)).toBeNull();
  });

  it('nothing once the entry expired', async () => {
    expect(await sharedCacheGet(db, a.tenantId, 'only-a', new Date(now.getTime() + 59_999))).not.toBeNull();
    expect(await sharedCacheGet(db, a.tenantId, 'only-a', new Date(now.getTime() + 60_000))).toBeNull();
    expect(await sharedCacheGet(db, a.tenantId, 'missing', now)).toBeNull();
  });

  it('leaves the connection in its login role with no tenant set', async () => {
    const before = await session();
    expect(before.role).not.toBe('atrium_app');
    expect(await sharedCacheGet(db, a.tenantId, 'same-key', now)).not.toBeNull();
    const after = await session();
    expect(after.role).toBe(before.role);
    expect(after.tenant ?? '').toBe('');
    // The owner connection still sees every tenant's rows (no RLS left behind).
    const { rows } = await db.ownerExecutor.executeSql(`select count(*)::int as n from ai_cache where key = 'same-key'`);
    expect(rows[0]).toEqual({ n: 2 });
  });

  it('inside an explicit transaction, gives back the role and tenant it found', async () => {
    await t.app.db.ownerSession(async (s) => {
      const who = async () => (await s.executeSql(`select current_user as role, current_setting('app.tenant_id', true) as tenant`)).rows[0];
      await s.executeSql('begin');
      try {
        // A tenant of the caller's own (C), so that "restored" cannot pass as "cleared".
        await s.executeSql(`select set_config('app.tenant_id', $1, true)`, [c.tenantId]);
        const before = await who();
        expect(before).toEqual({ role: expect.not.stringMatching(/^atrium_app$/), tenant: c.tenantId });
        const { rows } = await s.executeSql('select response from atrium_ai_cache_get($1, $2, $3)', [a.tenantId, 'same-key', now]);
        expect(rows).toEqual([{ response: answer('A’s answer') }]);
        expect(await who()).toEqual(before);
        // Still the owner, not under RLS as A (nor as C): both workspaces' rows are visible.
        expect((await s.executeSql(`select count(*)::int as n from ai_cache where key = 'same-key'`)).rows).toEqual([{ n: 2 }]);
      } finally {
        await s.executeSql('rollback');
      }
    });
  });

  it('the application role may not call it (EXECUTE revoked from PUBLIC)', async () => {
    await expect(
      t.app.db.tenantTx(a.tenantId, (tx) => sql`select * from atrium_ai_cache_get(${a.tenantId}, 'same-key', ${now})`.execute(tx)),
    ).rejects.toThrow(/permission denied for function atrium_ai_cache_get/);
  });

  describe('SharedCacheIndex', () => {
    it('a key Postgres did not hold at the last look is absent; held, just added or unknown-yet keys are maybe', async () => {
      let clock = 0;
      const index = new SharedCacheIndex(t.app.db, { clock: () => clock, refreshMs: 5_000 });
      expect(index.check(a.tenantId, 'never-asked')).toBe('maybe'); // not loaded yet: ask Postgres
      await index.settled();
      expect(index.check(a.tenantId, 'never-asked')).toBe('absent');
      expect(index.check(a.tenantId, 'only-a')).toBe('maybe');
      expect(index.check(a.tenantId, 'same-key')).toBe('maybe');

      // Per workspace: B's index never learns A's keys.
      expect(index.check(b.tenantId, 'only-a')).toBe('maybe');
      await index.settled();
      expect(index.check(b.tenantId, 'only-a')).toBe('absent');
      expect(index.check(b.tenantId, 'same-key')).toBe('maybe');

      // Cached by this process: known at once (its row follows with the metering).
      index.add(a.tenantId, 'added-here');
      expect(index.check(a.tenantId, 'added-here')).toBe('maybe');

      // Cached by another process: missed until the next refresh, then known; expired rows never are.
      await put(a, 'from-elsewhere', answer('elsewhere'), 60);
      await put(a, 'long-expired', answer('old'), 60, new Date('2020-01-01T00:00:00Z'));
      expect(index.check(a.tenantId, 'from-elsewhere')).toBe('absent');
      clock += 5_001;
      index.check(a.tenantId, 'from-elsewhere'); // starts the background refresh
      await index.settled();
      expect(index.check(a.tenantId, 'from-elsewhere')).toBe('maybe');
      expect(index.check(a.tenantId, 'long-expired')).toBe('absent');
      expect(index.check(a.tenantId, 'never-asked')).toBe('absent');
    });

    /** The same database, counting the index's loads (each is one tenant transaction). */
    const counting = (): { db: Db; reads: () => number } => {
      let reads = 0;
      return { db: { ...t.app.db, tenantTx: (id, fn) => (reads++, t.app.db.tenantTx(id, fn)) }, reads: () => reads };
    };

    it('a workspace with more live keys than maxKeys is not indexed (every lookup asks), nor re-read at every refresh', async () => {
      const d = await t.tenant('Cache D');
      await put(d, 'd1', answer('one'), 60);
      await put(d, 'd2', answer('two'), 60);
      let clock = 0;
      const counter = counting();
      const index = new SharedCacheIndex(counter.db, { clock: () => clock, refreshMs: 5_000, maxKeys: 1, oversizedRetryMs: 600_000 });
      index.check(d.tenantId, 'never-asked');
      await index.settled();
      expect(counter.reads()).toBe(1);
      expect(index.check(d.tenantId, 'never-asked')).toBe('maybe');

      // Refresh intervals go by: still 'maybe', and the keys are not read again.
      for (let i = 0; i < 10; i++) {
        clock += 5_001;
        expect(index.check(d.tenantId, 'never-asked')).toBe('maybe');
        index.add(d.tenantId, `added-${i}`);
        await index.settled();
      }
      expect(counter.reads()).toBe(1);

      // After the long interval, one full load; the workspace now fits, so it is indexed again.
      await t.app.db.ownerExecutor.executeSql(`delete from ai_cache where tenant_id = $1 and key = 'd2'`, [d.tenantId]);
      clock = 600_001;
      expect(index.check(d.tenantId, 'never-asked')).toBe('maybe');
      await index.settled();
      expect(counter.reads()).toBe(2);
      expect(index.check(d.tenantId, 'never-asked')).toBe('absent');
      expect(index.check(d.tenantId, 'd1')).toBe('maybe');
      // …and refreshed at the usual pace from then on.
      clock += 5_001;
      index.check(d.tenantId, 'd1');
      await index.settled();
      expect(counter.reads()).toBe(3);
    });

    it('holds at most maxTenants workspaces; the least recently refreshed goes first', async () => {
      let clock = 0;
      const counter = counting();
      const index = new SharedCacheIndex(counter.db, { clock: () => clock, refreshMs: 5_000, maxTenants: 2 });
      index.check(a.tenantId, 'x');
      index.check(b.tenantId, 'x');
      await index.settled();
      // A is refreshed (in use), B is not: B is now the oldest.
      clock += 5_001;
      index.check(a.tenantId, 'x');
      await index.settled();
      index.check(c.tenantId, 'x');
      await index.settled();
      expect(index.tenantCount).toBe(2);
      expect(counter.reads()).toBe(4);

      expect(index.check(a.tenantId, 'never-asked')).toBe('absent'); // kept: no new load
      expect(index.check(c.tenantId, 'never-asked')).toBe('absent');
      expect(counter.reads()).toBe(4);
      expect(index.check(b.tenantId, 'never-asked')).toBe('maybe'); // forgotten: loaded again
      await index.settled();
      expect(counter.reads()).toBe(5);
      expect(index.tenantCount).toBe(2);
      expect(index.check(b.tenantId, 'never-asked')).toBe('absent');
    });
  });
});
