// The meter writes each completion's usage row and `ai.call` diff behind its answer, grouped
// per workspace: concurrent calls share transactions, each diff keeps its own actor. `sync`
// mode writes before answering. A failed write is retried with backoff (each call alone once a
// group failed); a call the ledger refuses (a rule's guard) is dropped at once and logged,
// without holding back the calls it was grouped with. Stopping the app writes what is pending.
import { pino, type Logger } from 'pino';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import type { CtxSource } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import type { Db, Tx } from '../../platform/db/index.js';
import { freshDatabase, serverDatabaseUrl, type TestTenant } from '../../testing/harness.js';
import type { Ledger } from '../ledger/index.js';
import { call, startAiTestApp, type AiTestEnv } from './ai-testing.js';
import { startFakeProvider } from './fake-providers.js';
import { failureKind, Meter, type MeteringMode } from './meter.js';
import type { CallRecord } from './metering.js';
import { TenantAiStates } from './tenant-state.js';

let env: AiTestEnv;
beforeAll(async () => {
  env = await startAiTestApp();
});
afterAll(() => env?.stop());

const userOf = (x: TestTenant): CtxSource => ({ tenantId: x.tenantId, actor: { type: 'user', id: x.userId } });
const keyOf = (x: TestTenant): CtxSource => ({ tenantId: x.tenantId, actor: { type: 'api_key', id: 'key_metered' } });

/** A finished paid call as the gateway hands it to the meter. */
const record = (feature: string): CallRecord => ({
  kind: 'complete', alias: 'smart', provider: 'openai', model: 'fake-gpt', feature, inputTokens: 30, outputTokens: 10, costUsd: 0.001,
  latencyMs: 5, cached: false, fallbackUsed: false, prompt: null, attempts: [{ provider: 'openai', model: 'fake-gpt', outcome: 'ok' }], content: null,
});

const usageIds = async (x: TestTenant, ids: string[]) =>
  (await env.t.app.db.tenantTx(x.tenantId, (tx) => tx.selectFrom('ai_usage').select('id').where('id', 'in', ids).execute())).map((r) => r.id).sort();
const callDiffs = (x: TestTenant, ids: string[]) =>
  env.t.app.db.tenantTx(x.tenantId, (tx) =>
    tx.selectFrom('diffs').select(['entity_id', 'actor_type', 'actor_id']).where('event', '=', 'ai.call').where('entity_id', 'in', ids).orderBy('id').execute());

/** A logger whose warn/error lines the test can read. */
function capturingLog(): { log: Logger; lines: { level: number; msg: string; call?: string; first_call?: string; err?: { code?: string } }[] } {
  const lines: { level: number; msg: string }[] = [];
  return { log: pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) }), lines };
}

/** A Meter of its own over the test app's database, with the sleeps recorded instead of slept. */
function ownMeter(opts: { db?: Db; ledger?: Ledger; maxAttempts?: number; maxQueue?: number; mode?: MeteringMode } = {}) {
  const { log, lines } = capturingLog();
  const sleeps: number[] = [];
  const states = new TenantAiStates(() => Promise.reject(new Error('the meter never loads')), () => ({ providers: new Map(), aliases: {} }));
  const meter = new Meter({
    db: opts.db ?? env.t.app.db, ledger: opts.ledger ?? env.t.app.ledger, now: env.clock.now, log, states,
    sleep: async (ms) => void sleeps.push(ms), mode: opts.mode ?? 'write-behind', maxAttempts: opts.maxAttempts, maxQueue: opts.maxQueue,
  });
  return { meter, states, sleeps, lines };
}

/** The app's database, with `tenantTx` failing while `fail()` says so. */
function flakyDb(fail: () => boolean): { db: Db; attempts: () => number } {
  const real = env.t.app.db;
  let n = 0;
  const db: Db = {
    ...real,
    tenantTx<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
      n++;
      return fail() ? Promise.reject(new Error('connection terminated unexpectedly')) : real.tenantTx(tenantId, fn);
    },
  };
  return { db, attempts: () => n };
}

describe('write-behind, grouped', () => {
  it('N concurrent calls: answered before their rows exist; after settled() N usage rows and N diffs by the caller, in fewer than N writes', async () => {
    const x = await env.t.tenant('Write-behind');
    const N = 12;
    const { writes } = env.t.app.ai.meter.stats();
    const answers = await Promise.all(Array.from({ length: N }, (_, i) => env.t.app.ai.complete(userOf(x), { prompt: `Concurrent question ${i}`, cache: false, feature: 'wb' })));
    expect(answers.every((a) => a.provider === 'openai')).toBe(true);
    // The last answer's metering cannot have been written yet (it waits for company).
    expect(env.t.app.ai.meter.stats().pending).toBeGreaterThan(0);

    await env.t.app.ai.settled();
    const ids = answers.map((a) => a.id).sort();
    expect(new Set(ids).size).toBe(N);
    expect(await usageIds(x, ids)).toEqual(ids);
    const diffs = await callDiffs(x, ids);
    expect(diffs.map((d) => d.entity_id).sort()).toEqual(ids);
    expect(diffs.every((d) => d.actor_type === 'user' && d.actor_id === x.userId)).toBe(true);
    const after = env.t.app.ai.meter.stats();
    expect(after.writes - writes).toBeGreaterThanOrEqual(1);
    expect(after.writes - writes).toBeLessThan(N);
    expect(after).toMatchObject({ pending: 0, dropped: 0 });
  });

  it('two actors in one group: one transaction, and each diff keeps its own actor', async () => {
    const x = await env.t.tenant('Two actors');
    const meter = env.t.app.ai.meter;
    const { writes } = meter.stats();
    // Recorded in the same tick: they are necessarily written together.
    const [byUser, byKey, byUser2] = await Promise.all([
      meter.record(userOf(x), record('by-user'), null), meter.record(keyOf(x), record('by-key'), null), meter.record(userOf(x), record('by-user'), null),
    ]);
    await env.t.app.ai.settled();
    expect(meter.stats().writes - writes).toBe(1);
    const diffs = await callDiffs(x, [byUser, byKey, byUser2]);
    const actorOf = Object.fromEntries(diffs.map((d) => [d.entity_id, `${d.actor_type}:${d.actor_id}`]));
    expect(actorOf).toEqual({ [byUser]: `user:${x.userId}`, [byKey]: 'api_key:key_metered', [byUser2]: `user:${x.userId}` });
    expect(await usageIds(x, [byUser, byKey, byUser2])).toEqual([byUser, byKey, byUser2].sort());
  });
});

describe('bounded queue', () => {
  it('beyond maxQueue unwritten calls, a caller waits until the writer has written a batch', async () => {
    const x = await env.t.tenant('Backpressure');
    const real = env.t.app.db;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let entered = false;
    const slow: Db = { ...real, tenantTx: (tenantId, fn) => ((entered = true), gate.then(() => real.tenantTx(tenantId, fn))) };
    const { meter } = ownMeter({ db: slow, maxQueue: 2 });
    const returned: number[] = [];
    const calls = [0, 1, 2].map((i) => meter.record(userOf(x), record('queued'), null).then((id) => (returned.push(i), id)));
    await new Promise((r) => setImmediate(r));
    expect(returned).toEqual([0, 1]); // the third is over the limit
    // The writer took the batch and is stuck on the database: the third caller still waits.
    for (const deadline = Date.now() + 5_000; !entered; ) {
      if (Date.now() > deadline) throw new Error('the writer never started');
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(returned).toEqual([0, 1]);
    expect(meter.stats().pending).toBe(3); // taken by the writer but not written: still pending
    open();
    const ids = await Promise.all(calls);
    expect(returned).toEqual([0, 1, 2]);
    await meter.drain();
    expect(meter.stats()).toEqual({ pending: 0, dropped: 0, writes: 1 });
    expect(await usageIds(x, ids)).toEqual([...ids].sort());
  });
});

describe('sync mode', () => {
  it('config ai.metering = sync (ATRIUM_AI_METERING=sync): the usage row and diff exist when complete returns', async () => {
    expect(loadConfig({ ATRIUM_AI_METERING: 'sync' }).ai.metering).toBe('sync');
    expect(loadConfig({}).ai.metering).toBe('write-behind');
    const s = await startAiTestApp({ metering: 'sync' });
    try {
      const x = await s.t.tenant('Sync');
      const { writes } = s.t.app.ai.meter.stats();
      const r = await s.t.app.ai.complete(userOf(x), { prompt: 'Metered before the answer', cache: false });
      // No settle: read straight away.
      const rows = await s.t.app.db.tenantTx(x.tenantId, (tx) => tx.selectFrom('ai_usage').select(['id', 'provider']).execute());
      expect(rows).toEqual([{ id: r.id, provider: 'openai' }]);
      const diffs = await s.t.app.db.tenantTx(x.tenantId, (tx) => tx.selectFrom('diffs').select('entity_id').where('event', '=', 'ai.call').execute());
      expect(diffs).toEqual([{ entity_id: r.id }]);
      expect(s.t.app.ai.meter.stats()).toMatchObject({ pending: 0, writes: writes + 1 });
    } finally {
      await s.stop();
    }
  });
});

describe('failed writes', () => {
  it('a write failing twice is retried with growing backoff and written the third time; nothing dropped', async () => {
    const x = await env.t.tenant('Retried');
    let failures = 2;
    const flaky = flakyDb(() => failures-- > 0);
    const { meter, states, sleeps, lines } = ownMeter({ db: flaky.db });
    const id = await meter.record(userOf(x), record('retried'), null);
    expect(states.unwritten(x.tenantId)).toEqual({ tokens: 40, cost: 0.001 });
    await meter.drain();
    expect(meter.stats()).toEqual({ pending: 0, dropped: 0, writes: 1 });
    expect(flaky.attempts()).toBe(3);
    expect(sleeps.length).toBe(2);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
    expect(lines.filter((l) => l.msg === 'ai metering write failed; will retry').map((l) => l.first_call)).toEqual([id, id]);
    expect(await usageIds(x, [id])).toEqual([id]);
    expect(states.unwritten(x.tenantId)).toEqual({ tokens: 0, cost: 0 });
  });

  it('sync mode: a failed write still answers; the call joins the retrying writer and is written', async () => {
    const x = await env.t.tenant('Sync retried');
    let failures = 1;
    const flaky = flakyDb(() => failures-- > 0);
    const { meter, lines } = ownMeter({ db: flaky.db, mode: 'sync' });
    const id = await meter.record(userOf(x), record('sync-retried'), null);
    expect(meter.stats().pending).toBe(1);
    expect(lines.some((l) => l.msg === 'ai metering write failed; will retry behind the answer' && l.call === id)).toBe(true);
    await meter.drain();
    expect(meter.stats()).toEqual({ pending: 0, dropped: 0, writes: 1 });
    expect(flaky.attempts()).toBe(2);
    expect(await usageIds(x, [id])).toEqual([id]);
  });

  it('a write that keeps failing is given up after maxAttempts, with the record in the error log', async () => {
    const x = await env.t.tenant('Given up');
    const flaky = flakyDb(() => true);
    const { meter, states, sleeps, lines } = ownMeter({ db: flaky.db, maxAttempts: 3 });
    const id = await meter.record(userOf(x), record('lost'), null);
    await meter.drain();
    expect(meter.stats()).toEqual({ pending: 0, dropped: 1, writes: 0 });
    expect(flaky.attempts()).toBe(3);
    expect(sleeps.length).toBe(2);
    const given = lines.filter((l) => l.msg === 'ai metering write given up');
    expect(given).toEqual([expect.objectContaining({ call: id, tenant: x.tenantId, record: expect.objectContaining({ feature: 'lost', inputTokens: 30 }) })]);
    // Its charge no longer counts at this process's budget gate.
    expect(states.unwritten(x.tenantId)).toEqual({ tokens: 0, cost: 0 });
    expect(await usageIds(x, [id])).toEqual([]);
  });

  it('one call failing in a group does not hold the others back: they are written alone at once', async () => {
    const x = await env.t.tenant('Isolated');
    const real = env.t.app.ledger;
    // The diff write fails (not an AppError: retryable) for one call only.
    let poisonAttempts = 0;
    const ledger: Ledger = {
      ...real,
      recordBatch: (ctx, inputs) => {
        if (!inputs.some((d) => (d.after as { feature?: string } | null | undefined)?.feature === 'poison')) return real.recordBatch(ctx, inputs);
        poisonAttempts++;
        return Promise.reject(new Error('transient'));
      },
    };
    const { meter, sleeps } = ownMeter({ ledger, maxAttempts: 2 });
    const [a, poison, b] = await Promise.all([
      meter.record(userOf(x), record('fine'), null), meter.record(userOf(x), record('poison'), null), meter.record(userOf(x), record('fine'), null),
    ]);
    await meter.drain();
    // Group failed → each alone: two written at once; the poisoned one retried once more, then given up.
    expect(meter.stats()).toEqual({ pending: 0, dropped: 1, writes: 2 });
    expect(poisonAttempts).toBe(3); // in the group, alone, alone again after its backoff
    // The backoff is waited for unless the isolating writes already took longer.
    expect(sleeps.length).toBeLessThanOrEqual(1);
    expect(await usageIds(x, [a, poison, b])).toEqual([a, b].sort());
  });
});

describe('rules cannot refuse the record of a call already made', () => {
  it('a guard rule on ai.call does not stop its metering: both calls are written, nothing dropped', async () => {
    const x = await env.t.tenant('Guarded');
    const created = await call(x, 'POST', '/v1/rules', {
      name: 'No forbidden AI features',
      trigger: { namespace: 'ai', event: 'ai.call', when: { all: [{ path: 'after.feature', op: 'eq', value: 'forbidden' }] } },
      actions: [{ type: 'guard', message: 'feature {{after.feature}} is not allowed' }],
    });
    expect(created.status, JSON.stringify(created.error)).toBe(201);
    const meter = env.t.app.ai.meter;
    const { dropped } = meter.stats();
    env.openai.script({ text: 'forbidden answer' }, { text: 'allowed answer' });
    const [forbidden, allowed] = await Promise.all([
      env.t.app.ai.complete(userOf(x), { prompt: 'Forbidden question', feature: 'forbidden', cache: false }),
      env.t.app.ai.complete(userOf(x), { prompt: 'Allowed question', feature: 'allowed', cache: false }),
    ]);
    await env.t.app.ai.settled();
    expect(meter.stats().dropped).toBe(dropped);
    expect(await usageIds(x, [forbidden.id, allowed.id])).toEqual([forbidden.id, allowed.id].sort());
    expect((await callDiffs(x, [forbidden.id, allowed.id])).map((d) => d.entity_id).sort()).toEqual([forbidden.id, allowed.id].sort());
  });
});

describe('a call that cannot be written (refused or bad data)', () => {
  it('in one group: the group fails, each call is tried alone once, the culprit is given up at once (no retry)', async () => {
    const x = await env.t.tenant('Refused');
    const real = env.t.app.ledger;
    const ledger: Ledger = {
      ...real,
      recordBatch: (ctx, inputs) =>
        inputs.some((d) => (d.after as { feature?: string } | null | undefined)?.feature === 'refused')
          ? Promise.reject(new AppError('BLOCKED_BY_RULE', 409, 'refused by a policy'))
          : real.recordBatch(ctx, inputs),
    };
    const counted = flakyDb(() => false); // never fails; counts the transactions
    const { meter, sleeps, lines } = ownMeter({ db: counted.db, ledger });
    const [ok, refused] = await Promise.all([meter.record(userOf(x), record('allowed'), null), meter.record(userOf(x), record('refused'), null)]);
    await meter.drain();
    expect(meter.stats()).toEqual({ pending: 0, dropped: 1, writes: 1 });
    expect(counted.attempts()).toBe(3); // the group, then each alone
    expect(sleeps).toEqual([]);
    expect(lines.filter((l) => l.msg === 'ai metering write failed; will retry')).toEqual([]);
    expect(lines.filter((l) => l.msg === 'ai metering write given up')).toEqual([expect.objectContaining({ call: refused, err: expect.objectContaining({ code: 'BLOCKED_BY_RULE' }) })]);
    expect(await usageIds(x, [ok, refused])).toEqual([ok]);
  });

  it('a Postgres data error (SQLSTATE class 22) is not retried; a connection error is, as a group', async () => {
    expect(failureKind(Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }))).toBe('unwritable');
    expect(failureKind(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe('unwritable');
    expect(failureKind(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe('unavailable');
    expect(failureKind(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
    expect(failureKind(new AppError('BLOCKED_BY_RULE', 409, 'no'))).toBe('unwritable');
    expect(failureKind(new Error('something else'))).toBe('unknown');
  });
});

describe('drain', () => {
  it('waits for the calls recorded before it, not for calls recorded while it waits; per workspace; with a timeout', async () => {
    const x = await env.t.tenant('Drain one');
    const y = await env.t.tenant('Drain two');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const real = env.t.app.db;
    const slowForY: Db = { ...real, tenantTx: (tenantId, fn) => (tenantId === y.tenantId ? gate.then(() => real.tenantTx(tenantId, fn)) : real.tenantTx(tenantId, fn)) };
    const { meter } = ownMeter({ db: slowForY });
    await meter.record(userOf(y), record('stuck'), null);
    await meter.record(userOf(x), record('flows'), null);
    // x's calls are written although y's write is stuck, and x's drain does not wait for y's.
    await Promise.race([meter.drain({ tenantId: x.tenantId, timeoutMs: 60_000 }),
      new Promise((_, reject) => setTimeout(() => reject(new Error("x's drain waited for y's stuck write")), 10_000))]);
    await expect(meter.drain({ tenantId: y.tenantId, timeoutMs: 100 })).rejects.toMatchObject({ code: 'METERING_BEHIND', status: 503 });
    const all = meter.drain();
    await meter.record(userOf(x), record('later'), null); // recorded after: not waited for
    open();
    await all;
    await meter.drain();
    expect(meter.stats()).toMatchObject({ pending: 0, dropped: 0 });
  });
});

// PGlite lives in this process: there is no separate client to hold a lock or count with.
describe.runIf(serverDatabaseUrl())('stopping the app (server Postgres)', () => {
  it('app.stop() writes every call still pending — the write in flight and those queued behind it — before closing the database', async () => {
    const fresh = await freshDatabase(serverDatabaseUrl()!);
    const openai = await startFakeProvider('openai');
    const direct = new pg.Client({ connectionString: fresh.url });
    try {
      const app = await createApp(loadConfig({}, {
        port: 0, host: '127.0.0.1', databaseUrl: fresh.url, logLevel: 'silent', seedDemo: false,
        ai: { openai: { baseUrl: openai.baseUrl, apiKey: 'sk-test', model: 'fake-gpt', embedModel: undefined }, anthropic: undefined, timeoutMs: 5000, maxRetries: 0, retryBaseMs: 5, metering: 'write-behind' },
      }));
      await app.start('serve', { listen: false });
      const { tenantId, userId } = await app.identity.createTenantWithOwner({ name: 'Stopping', plan: 'enterprise', owner: { email: 'owner@stopping.test', name: 'Owner' } });
      const ask = (i: number) => app.ai.complete({ tenantId, actor: { type: 'user', id: userId } }, { prompt: `Last words ${i}`, cache: false });

      // A slow database: the first write waits on a lock, so later calls queue behind it.
      await direct.connect();
      await direct.query('begin');
      await direct.query('lock table ai_usage in exclusive mode');
      const first = await Promise.all([0, 1, 2].map(ask));
      const waiting = async () => (await direct.query<{ n: number }>(`select count(*)::int as n from pg_locks where relation = 'ai_usage'::regclass and not granted`)).rows[0]!.n;
      for (const deadline = Date.now() + 10_000; (await waiting()) === 0; ) {
        if (Date.now() > deadline) throw new Error('the first write never reached the lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      const second = await Promise.all([3, 4].map(ask));
      expect(app.ai.meter.stats().pending).toBeGreaterThanOrEqual(2);

      const stopped = app.stop(); // no settle
      await new Promise((r) => setTimeout(r, 300));
      await direct.query('commit');
      await stopped;

      const usage = await direct.query<{ id: string }>('select id from ai_usage');
      expect(usage.rows.map((r) => r.id).sort()).toEqual([...first, ...second].map((a) => a.id).sort());
      const diffs = await direct.query<{ n: number }>(`select count(*)::int as n from diffs where event = 'ai.call'`);
      expect(diffs.rows[0]!.n).toBe(5);
    } finally {
      await direct.end().catch(() => {});
      await openai.close();
      await fresh.drop();
    }
  });
});
