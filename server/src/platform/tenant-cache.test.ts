// The per-tenant cache primitive on a hand-moved clock with a scripted loader (no sleeps): one
// load per tenant shared by concurrent callers, a forget discarding a load that raced it, the
// maxAge backstop and its stale limit, the bound, values read in a caller's transaction (kept
// only on commit), and — over two real RealtimeHubs on one database, as two processes would be —
// a notice forgetting one tenant and a resync forgetting them all.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDatabaseUrl } from '../testing/harness.js';
import { openDb, type Db } from './db/index.js';
import { RealtimeHub, type TenantNotice } from './realtime.js';
import { TenantCache, type TenantCacheOptions } from './tenant-cache.js';

type V = { tenant: string; n: number };

/** Loads that stay pending until the test settles them. */
function scripted() {
  const calls: { tenantId: string; resolve: (n: number) => void; reject: (err: Error) => void }[] = [];
  const load = (tenantId: string) => new Promise<V>((resolve, reject) => void calls.push({ tenantId, resolve: (n) => resolve({ tenant: tenantId, n }), reject }));
  return { load, calls };
}

/** Loads that answer at once: n on the n-th load of that tenant. */
function counting() {
  const loads = new Map<string, number>();
  return {
    loads,
    load: async (tenantId: string): Promise<V> => {
      loads.set(tenantId, (loads.get(tenantId) ?? 0) + 1);
      return { tenant: tenantId, n: loads.get(tenantId)! };
    },
  };
}

function manualClock() {
  let t = Date.UTC(2025, 4, 1);
  return { clock: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

/** A Ctx's commit hooks, run when the test says the transaction committed. */
function fakeTx(tenantId: string) {
  const hooks: (() => void)[] = [];
  return { ctx: { tenantId, onCommit: (fn: () => void) => void hooks.push(fn) }, commit: () => hooks.forEach((h) => h()) };
}

/** The value when `get` must answer from memory (no promise). */
function held<T>(got: T | Promise<T>): T {
  expect(got).not.toBeInstanceOf(Promise);
  return got as T;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('loading', () => {
  it('concurrent gets share one load; afterwards the value answers from memory', async () => {
    const l = scripted();
    const cache = new TenantCache({ load: l.load });
    const [a, b] = [cache.get('t1'), cache.get('t1')];
    expect(l.calls.length).toBe(1);
    l.calls[0]!.resolve(7);
    expect(await a).toBe(await b);
    expect(held(cache.get('t1')).n).toBe(7);
    expect(cache.peek('t1')?.n).toBe(7);
    expect(l.calls.length).toBe(1);
  });

  it('a failed load is not kept: the next get loads again', async () => {
    const l = scripted();
    const cache = new TenantCache({ load: l.load });
    const first = cache.get('t1');
    l.calls[0]!.reject(new Error('database restarting'));
    await expect(first).rejects.toThrow('database restarting');
    expect(cache.get('t1')).toBeInstanceOf(Promise);
    expect(l.calls.length).toBe(2);
  });

  it('forget during a load: that load answers its callers but is not kept, and a later get does not join it', async () => {
    const l = scripted();
    const cache = new TenantCache({ load: l.load });
    const old = cache.get('t1');
    cache.forget('t1'); // a change committed while the load was reading
    const fresh = cache.get('t1');
    expect(l.calls.length).toBe(2);
    l.calls[1]!.resolve(2);
    l.calls[0]!.resolve(1);
    expect((await old).n).toBe(1);
    expect((await fresh).n).toBe(2);
    await flush();
    expect(held(cache.get('t1')).n).toBe(2);
  });

  it('forgetAll drops every tenant and discards every load running', async () => {
    const l = scripted();
    const cache = new TenantCache({ load: l.load });
    const a = cache.get('a');
    l.calls[0]!.resolve(1);
    await a;
    const b = cache.get('b');
    cache.forgetAll();
    l.calls[1]!.resolve(1);
    await b;
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('b')).toBeUndefined();
  });

  it('a value set by the caller is newer than a load already running: that load is not kept', async () => {
    const l = scripted();
    const cache = new TenantCache({ load: l.load });
    const running = cache.get('t1');
    cache.set('t1', { tenant: 't1', n: 5 });
    l.calls[0]!.resolve(1);
    expect((await running).n).toBe(1);
    expect(held(cache.get('t1')).n).toBe(5);
  });

  it('a cache without a loader says so instead of guessing', () => {
    expect(() => new TenantCache<V>().get('t1')).toThrow(/no loader/);
  });
});

describe('backstop after maxAgeMs', () => {
  const opts = (c: ReturnType<typeof manualClock>, load: TenantCacheOptions<V>['load'], more: Partial<TenantCacheOptions<V>> = {}) =>
    ({ load, clock: c.clock, maxAgeMs: 1_000, ...more });

  it('answers with the old value, reloads once in the background, then answers with the new one', async () => {
    const c = manualClock();
    const l = scripted();
    const cache = new TenantCache(opts(c, l.load));
    const first = cache.get('t1');
    l.calls[0]!.resolve(1);
    await first;
    c.advance(1_000);
    expect(held(cache.get('t1')).n).toBe(1);
    expect(l.calls.length).toBe(1); // not older than maxAgeMs yet
    c.advance(1);
    expect(held(cache.get('t1')).n).toBe(1);
    expect(held(cache.get('t1')).n).toBe(1); // still answering while it reloads; no second reload
    expect(l.calls.length).toBe(2);
    l.calls[1]!.resolve(2);
    await flush();
    expect(held(cache.get('t1')).n).toBe(2);
    expect(l.calls.length).toBe(2);
  });

  it('a failing background reload is reported, the old value keeps answering, and it is tried once per period', async () => {
    const c = manualClock();
    const l = scripted();
    const errors: string[] = [];
    const cache = new TenantCache(opts(c, l.load, { onError: (err, t) => errors.push(`${t}: ${(err as Error).message}`) }));
    const first = cache.get('t1');
    l.calls[0]!.resolve(1);
    await first;
    c.advance(1_001);
    cache.get('t1');
    l.calls[1]!.reject(new Error('down'));
    await flush();
    expect(errors).toEqual(['t1: down']);
    expect(held(cache.get('t1')).n).toBe(1);
    expect(l.calls.length).toBe(2);
    c.advance(1_001);
    expect(held(cache.get('t1')).n).toBe(1);
    expect(l.calls.length).toBe(3);
  });

  it('a value older than four periods (an idle process) is reloaded before it answers', async () => {
    const c = manualClock();
    const l = counting();
    const cache = new TenantCache(opts(c, l.load));
    await cache.get('t1');
    c.advance(4_001);
    const got = cache.get('t1');
    expect(got).toBeInstanceOf(Promise);
    expect((await got).n).toBe(2);
  });

  it('a reload replacing a held value goes through merge', async () => {
    const c = manualClock();
    const l = counting();
    const cache = new TenantCache(opts(c, l.load, { merge: (loaded, was) => ({ ...loaded, n: loaded.n * 10 + was.n }) }));
    await cache.get('t1');
    c.advance(1_001);
    cache.get('t1');
    await flush();
    expect(cache.peek('t1')?.n).toBe(21);
  });
});

describe('bounded', () => {
  it('beyond maxTenants the tenant held longest goes; reloading one already held evicts nobody', async () => {
    const c = manualClock();
    const l = counting();
    const cache = new TenantCache({ load: l.load, maxTenants: 2, clock: c.clock, maxAgeMs: 1_000 });
    await cache.get('t1');
    await cache.get('t2');
    c.advance(1_001);
    cache.get('t2'); // background reload of a tenant held
    await flush();
    expect(cache.peek('t1')?.n).toBe(1);
    expect(cache.peek('t2')?.n).toBe(2);
    await cache.get('t3');
    expect(cache.peek('t1')).toBeUndefined();
    expect(cache.peek('t3')?.n).toBe(1);
  });
});

describe('getIn: read in the caller’s transaction', () => {
  const read = (n: number) => async (): Promise<V> => ({ tenant: 't1', n });

  it('kept once the transaction commits, not before (it may still roll back)', async () => {
    const cache = new TenantCache<V>();
    const tx = fakeTx('t1');
    expect((await cache.getIn('t1', read(1), tx.ctx)).n).toBe(1);
    expect(cache.peek('t1')).toBeUndefined();
    expect((await cache.getIn('t1', read(2), tx.ctx)).n).toBe(2); // read again in the same transaction
    tx.commit();
    expect(cache.peek('t1')?.n).toBe(2);
    expect((await cache.getIn('t1', () => Promise.reject(new Error('not asked')))).n).toBe(2);
  });

  it('not kept when something was forgotten after the read began, nor without a transaction to wait for', async () => {
    const cache = new TenantCache<V>();
    const tx = fakeTx('t1');
    await cache.getIn('t1', read(1), tx.ctx);
    cache.forget('t1');
    tx.commit();
    expect(cache.peek('t1')).toBeUndefined();
    await cache.getIn('t1', read(3));
    expect(cache.peek('t1')).toBeUndefined();
  });
});

describe('follow and invalidate over the hub (two processes on one database)', () => {
  let db: Db;
  const log = pino({ level: 'silent' });
  const channel = `atrium_test_cache_${process.pid}`;
  beforeAll(async () => {
    db = await openDb({ databaseUrl: serverDatabaseUrl() ?? 'memory://', dataDir: '', poolMax: 2 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('invalidate forgets here on commit and, by the notice, in the other process; a resync forgets every tenant', async () => {
    const [hubA, hubB] = [new RealtimeHub(db, log), new RealtimeHub(db, log)];
    const following = (hub: RealtimeHub) => new TenantCache({ load: counting().load, notices: { hub, channel } });
    const [a, b] = [following(hubA), following(hubB)];
    await Promise.all([a.follow(), b.follow()]);
    expect(hubB.listen(channel)).toBe(hubB.listen(channel)); // listening again is the same LISTEN
    try {
      for (const cache of [a, b]) for (const t of ['t1', 't2']) await cache.get(t);
      // B's own listener comes after its cache's: when it hears the notice, B has forgotten.
      const heard = new Promise<TenantNotice>((resolve) => hubB.subscribeAll(channel, resolve));

      const tx = fakeTx('t1');
      a.invalidate(tx.ctx);
      expect(a.peek('t1')).toBeDefined(); // nothing before the commit
      tx.commit();
      expect(a.peek('t1')).toBeUndefined();
      expect(await heard).toEqual({ t: 't1', min: 0, max: 0 });
      expect(b.peek('t1')).toBeUndefined();
      expect(b.peek('t2')?.n).toBe(1);

      hubB.resync(channel); // what the hub does when its LISTEN connection is back
      expect(b.peek('t2')).toBeUndefined();
      expect(a.peek('t2')?.n).toBe(1);
    } finally {
      await Promise.all([hubA.stop(), hubB.stop()]);
    }
  });
});
