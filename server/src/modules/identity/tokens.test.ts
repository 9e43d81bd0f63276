// The token cache under load: concurrent requests whose cached entry lapsed share one lookup,
// and a lookup that started before a revocation is answered but never cached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../platform/db/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { TokenResolver } from './tokens.js';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await startTestApp({ config: { jobs: false } });
  a = await t.tenant('Tokens');
});
afterAll(() => t?.stop());

/** The app's database, counting the RLS-bypassing transactions a resolver opens (its lookups). */
function counting(db: Db): { db: Db; lookups: () => number } {
  let n = 0;
  const wrapped = { ...db, systemTx: <T>(fn: Parameters<Db['systemTx']>[0]) => (n++, db.systemTx(fn)) } as unknown as Db;
  return { db: wrapped, lookups: () => n };
}

describe('TokenResolver', () => {
  it('twenty concurrent requests with an uncached token make one lookup', async () => {
    const c = counting(t.app.db);
    const resolver = new TokenResolver(c.db);
    const all = await Promise.all(Array.from({ length: 20 }, () => resolver.resolve(a.token)));
    expect(new Set(all.map((p) => p?.tenantId))).toEqual(new Set([a.tenantId]));
    expect(c.lookups()).toBe(1);
    await resolver.resolve(a.token);
    expect(c.lookups()).toBe(1); // cached now
  });

  it('a lookup in flight when the cache is cleared is not cached, and later callers do not join it', async () => {
    const c = counting(t.app.db);
    const resolver = new TokenResolver(c.db);
    const first = resolver.resolve(a.token);
    resolver.forget('all'); // e.g. a revocation committed while the lookup ran
    const second = resolver.resolve(a.token);
    await Promise.all([first, second]);
    expect(c.lookups()).toBe(2); // the second did not reuse the pre-revocation lookup
    await resolver.resolve(a.token);
    expect(c.lookups()).toBe(2); // the second's result (after the clear) was cached
  });
});
