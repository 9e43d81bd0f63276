// The per-process view of a workspace's AI state (tenant-state.ts), with a scripted loader and
// a hand-moved clock: one load at a time per tenant, `forget` discarding a load that raced it,
// a stale entry answering while it is reloaded in the background, the unwritten-charge
// bookkeeping, which budget rows `observe` accepts, and the bound on the number of tenants.
import { describe, expect, it } from 'vitest';
import type { BudgetRow } from './budget.js';
import type { Routing, Settings } from './settings.js';
import { TenantAiStates, type Loaded, type TenantAi } from './tenant-state.js';

const settings = (version: number): Settings => ({ providers: {}, aliases: {}, prices: {}, storePrompts: false, cacheTtlSeconds: 60, version });
const routing: Routing = { providers: new Map(), aliases: {} };
const row = (used_month: string, used_tokens: number, used_cost_usd = 0): BudgetRow => ({ monthly_tokens: 1000, monthly_cost_usd: null, allow_offline: true, used_month, used_tokens, used_cost_usd });

/** A loader whose loads stay pending until the test settles them, in order. */
function scriptedLoader() {
  const calls: { tenantId: string; resolve: (l: Loaded) => void; reject: (err: Error) => void }[] = [];
  const load = (tenantId: string) => new Promise<Loaded>((resolve, reject) => void calls.push({ tenantId, resolve, reject }));
  return { load, calls };
}

/** A loader that answers at once: version n on the n-th load of that tenant. */
function countingLoader(budget?: BudgetRow) {
  const loads = new Map<string, number>();
  const load = async (tenantId: string): Promise<Loaded> => {
    const n = (loads.get(tenantId) ?? 0) + 1;
    loads.set(tenantId, n);
    return { settings: settings(n), budget };
  };
  return { load, loads };
}

const clock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
};

/** The value of `get` when it must be answered from memory (no promise, no load). */
function cached(states: TenantAiStates, tenantId: string): TenantAi {
  const got = states.get(tenantId);
  expect(got).not.toBeInstanceOf(Promise);
  return got as TenantAi;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('loading', () => {
  it('two concurrent gets share one load; afterwards the entry answers from memory', async () => {
    const l = scriptedLoader();
    const states = new TenantAiStates(l.load, () => routing);
    const [p1, p2] = [states.get('t1'), states.get('t1')];
    expect(l.calls.length).toBe(1);
    l.calls[0]!.resolve({ settings: settings(7), budget: undefined });
    const [a, b] = await Promise.all([p1, p2]);
    expect(a).toBe(b);
    expect(a.settings.version).toBe(7);
    expect(a.routing).toBe(routing);
    expect(cached(states, 't1')).toBe(a);
    expect(l.calls.length).toBe(1);
  });

  it('another tenant gets its own load', async () => {
    const l = countingLoader();
    const states = new TenantAiStates(l.load, () => routing);
    await states.get('t1');
    await states.get('t2');
    expect([...l.loads.entries()]).toEqual([['t1', 1], ['t2', 1]]);
  });

  it('a failed load is not kept: the caller sees the error and the next get loads again', async () => {
    const l = scriptedLoader();
    const states = new TenantAiStates(l.load, () => routing);
    const first = states.get('t1');
    l.calls[0]!.reject(new Error('database restarting'));
    await expect(first).rejects.toThrow('database restarting');
    const second = states.get('t1');
    expect(l.calls.length).toBe(2);
    l.calls[1]!.resolve({ settings: settings(2), budget: undefined });
    expect((await second).settings.version).toBe(2);
  });

  it('forget during a load: that load answers its caller but is not kept; the next get loads again', async () => {
    const l = scriptedLoader();
    const states = new TenantAiStates(l.load, () => routing);
    const pending = states.get('t1');
    states.forget('t1');
    l.calls[0]!.resolve({ settings: settings(1), budget: undefined });
    expect((await pending).settings.version).toBe(1);

    const again = states.get('t1');
    expect(again).toBeInstanceOf(Promise);
    expect(l.calls.length).toBe(2);
    l.calls[1]!.resolve({ settings: settings(2), budget: undefined });
    expect((await again).settings.version).toBe(2);
    expect(cached(states, 't1').settings.version).toBe(2);
  });

  it('a get after forget never joins a load that started before it (it would read the old settings)', async () => {
    const l = scriptedLoader();
    const states = new TenantAiStates(l.load, () => routing);
    const old = states.get('t1');
    states.forget('t1'); // e.g. a settings change committed while the first load was reading
    const fresh = states.get('t1');
    expect(l.calls.length).toBe(2);
    l.calls[1]!.resolve({ settings: settings(2), budget: undefined });
    l.calls[0]!.resolve({ settings: settings(1), budget: undefined });
    expect((await fresh).settings.version).toBe(2);
    expect((await old).settings.version).toBe(1);
    expect(cached(states, 't1').settings.version).toBe(2);
    await flush();
    expect(states.get('t1')).not.toBeInstanceOf(Promise);
  });

  it('forgetAll (after a lost LISTEN connection) drops every workspace and any load already running', async () => {
    const l = scriptedLoader();
    const states = new TenantAiStates(l.load, () => routing);
    const a = states.get('a');
    l.calls[0]!.resolve({ settings: settings(1), budget: undefined });
    await a;
    const b = states.get('b'); // still loading when the connection comes back
    states.forgetAll();
    l.calls[1]!.resolve({ settings: settings(1), budget: undefined });
    await b;
    expect(states.get('a')).toBeInstanceOf(Promise);
    expect(states.get('b')).toBeInstanceOf(Promise);
    expect(l.calls.length).toBe(4);
  });

  it('forget drops a loaded entry; the next get loads the new settings', async () => {
    const l = countingLoader();
    const states = new TenantAiStates(l.load, () => routing);
    await states.get('t1');
    states.forget('t1');
    expect((await states.get('t1')).settings.version).toBe(2);
  });
});

describe('backstop reload after maxAgeMs', () => {
  it('answers with the old entry at once, reloads once in the background, then answers with the new one', async () => {
    const c = clock();
    const l = scriptedLoader();
    const states = new TenantAiStates(l.load, () => routing, { clock: c.now, maxAgeMs: 30_000 });
    const first = states.get('t1');
    l.calls[0]!.resolve({ settings: settings(1), budget: undefined });
    const old = await first;
    expect(old.loadedAt).toBe(c.now());

    c.advance(30_000); // not older than maxAgeMs yet
    expect(cached(states, 't1')).toBe(old);
    expect(l.calls.length).toBe(1);

    c.advance(1);
    expect(cached(states, 't1')).toBe(old);
    expect(cached(states, 't1')).toBe(old); // still answering while the reload runs; no second one
    expect(l.calls.length).toBe(2);

    l.calls[1]!.resolve({ settings: settings(2), budget: undefined });
    await flush();
    const fresh = cached(states, 't1');
    expect(fresh.settings.version).toBe(2);
    expect(fresh.loadedAt).toBe(c.now());
    expect(l.calls.length).toBe(2);
  });

  it('a failing background reload keeps the old entry answering, is reported, and is tried again one period later (not on every call)', async () => {
    const c = clock();
    const l = scriptedLoader();
    const errors: string[] = [];
    const states = new TenantAiStates(l.load, () => routing, { clock: c.now, maxAgeMs: 1_000, maxTenants: 100, onError: (err, tenantId) => errors.push(`${tenantId}: ${(err as Error).message}`) });
    const first = states.get('t1');
    l.calls[0]!.resolve({ settings: settings(1), budget: undefined });
    const old = await first;
    c.advance(1_001);
    expect(cached(states, 't1')).toBe(old);
    l.calls[1]!.reject(new Error('down'));
    await flush();
    expect(errors).toEqual(['t1: down']);
    expect(cached(states, 't1')).toBe(old);
    expect(l.calls.length).toBe(2); // no storm of reloads while the database is down
    c.advance(1_001);
    expect(cached(states, 't1')).toBe(old);
    expect(l.calls.length).toBe(3);
  });

  it('an entry older than four periods (an idle process) is reloaded before it answers', async () => {
    const c = clock();
    const l = countingLoader();
    const states = new TenantAiStates(l.load, () => routing, { clock: c.now, maxAgeMs: 1_000 });
    expect((await states.get('t1')).settings.version).toBe(1);
    c.advance(4_001);
    const got = states.get('t1');
    expect(got).toBeInstanceOf(Promise);
    expect((await got).settings.version).toBe(2);
  });
});

describe('budget bookkeeping', () => {
  it('a reload that read the budget row before a write already observed keeps the newer counter (same limits)', async () => {
    const c = clock();
    const l = scriptedLoader();
    const states = new TenantAiStates(l.load, () => routing, { clock: c.now, maxAgeMs: 1_000 });
    const first = states.get('t1');
    l.calls[0]!.resolve({ settings: settings(1), budget: row('2025-05', 100) });
    await first;
    c.advance(1_001);
    states.get('t1'); // background reload starts; it reads the row as it was (100)
    states.observe('t1', row('2025-05', 150)); // a metering write lands meanwhile
    l.calls[1]!.resolve({ settings: settings(2), budget: row('2025-05', 100) });
    await flush();
    const now = cached(states, 't1');
    expect(now.settings.version).toBe(2);
    expect(Number(now.budget!.used_tokens)).toBe(150);
  });

  it('getIn: a caller inside a transaction reads a missing entry with its own transaction, and it is not kept', async () => {
    const l = scriptedLoader();
    const states = new TenantAiStates(l.load, () => routing);
    const here = await states.getIn('t1', async () => ({ settings: settings(9), budget: undefined }));
    expect(here.settings.version).toBe(9);
    expect(l.calls.length).toBe(0); // no second connection asked for
    const got = states.get('t1');
    expect(got).toBeInstanceOf(Promise); // not kept: the caller's transaction may roll back
    l.calls[0]!.resolve({ settings: settings(10), budget: undefined });
    expect((await got).settings.version).toBe(10);
    expect((await states.getIn('t1', () => Promise.reject(new Error('not asked')))).settings.version).toBe(10);
  });

  it('charge adds up per tenant; written subtracts what was written and observes the returned row', async () => {
    const states = new TenantAiStates(countingLoader(row('2025-05', 100)).load, () => routing);
    await states.get('t1');
    expect(states.unwritten('t1')).toEqual({ tokens: 0, cost: 0 });
    states.charge('t1', 10, 0.1);
    states.charge('t1', 5, 0.05);
    states.charge('t2', 1, 0.01);
    expect(states.unwritten('t1')).toMatchObject({ tokens: 15 });
    expect(states.unwritten('t1').cost).toBeCloseTo(0.15, 9);
    expect(states.unwritten('t2')).toEqual({ tokens: 1, cost: 0.01 });

    const after = row('2025-05', 110, 0.1);
    states.written('t1', { tokens: 10, cost: 0.1 }, after);
    expect(states.unwritten('t1').tokens).toBe(5);
    expect(states.unwritten('t1').cost).toBeCloseTo(0.05, 9);
    expect(cached(states, 't1').budget).toBe(after);

    states.written('t1', { tokens: 5, cost: 0.05 }, undefined); // e.g. a call given up on
    expect(states.unwritten('t1')).toEqual({ tokens: 0, cost: 0 });
    expect(cached(states, 't1').budget).toBe(after);
    expect(states.unwritten('t2')).toEqual({ tokens: 1, cost: 0.01 });
  });

  it('observe ignores an older or smaller row and accepts a larger counter or a later month', async () => {
    const loaded = row('2025-05', 100);
    const states = new TenantAiStates(countingLoader(loaded).load, () => routing);
    await states.get('t1');
    const budget = () => cached(states, 't1').budget;

    states.observe('t1', row('2025-05', 90));
    expect(budget()).toBe(loaded);
    states.observe('t1', row('2025-04', 5_000));
    expect(budget()).toBe(loaded);
    states.observe('t1', undefined);
    expect(budget()).toBe(loaded);

    const same = row('2025-05', 100, 0.2);
    states.observe('t1', same);
    expect(budget()).toBe(same);
    const larger = row('2025-05', 120);
    states.observe('t1', larger);
    expect(budget()).toBe(larger);
    const nextMonth = row('2025-06', 3);
    states.observe('t1', nextMonth);
    expect(budget()).toBe(nextMonth);
    states.observe('t1', row('2025-05', 9_999));
    expect(budget()).toBe(nextMonth);
  });

  it('observe takes any row when the entry had none, and does nothing for a tenant not loaded', async () => {
    const l = countingLoader(undefined);
    const states = new TenantAiStates(l.load, () => routing);
    await states.get('t1');
    const first = row('2025-05', 1);
    states.observe('t1', first);
    expect(cached(states, 't1').budget).toBe(first);

    states.observe('t2', row('2025-05', 1));
    expect((await states.get('t2')).budget).toBeUndefined();
  });
});

describe('bounded', () => {
  it('beyond maxTenants the oldest loaded tenant is dropped (and loads again when asked for)', async () => {
    const l = countingLoader();
    const states = new TenantAiStates(l.load, () => routing, { maxTenants: 2 });
    await states.get('t1');
    await states.get('t2');
    await states.get('t3');
    expect(cached(states, 't2').settings.version).toBe(1);
    expect(cached(states, 't3').settings.version).toBe(1);
    const t1 = states.get('t1');
    expect(t1).toBeInstanceOf(Promise);
    expect((await t1).settings.version).toBe(2);
    // t1 came back in: now t2 is the oldest and went out.
    expect(states.get('t2')).toBeInstanceOf(Promise);
  });

  it('reloading a tenant already held evicts nobody', async () => {
    const c = clock();
    const l = countingLoader();
    const states = new TenantAiStates(l.load, () => routing, { clock: c.now, maxAgeMs: 1_000, maxTenants: 2 });
    await states.get('t1');
    await states.get('t2');
    c.advance(1_001);
    states.get('t2'); // background reload of a tenant already held (not the oldest)
    await flush();
    expect(cached(states, 't2').settings.version).toBe(2);
    expect(cached(states, 't1').settings.version).toBe(1);
  });
});
