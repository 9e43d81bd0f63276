// Jobs are enqueued inside the caller's transaction: a job exists (and runs) if and only
// if that transaction commits. The app is built by hand so a test queue can be defined
// before start, as modules do.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app.js';
import { loadConfig } from '../config.js';
import { inTenant } from './context.js';
import { Jobs } from './jobs.js';
import { freshDatabase, serverDatabaseUrl } from '../testing/harness.js';
import { sleep, waitFor } from '../testing/http.js';

const QUEUE = 'test.echo';
type Echo = { marker: string; fail?: boolean };

let app: App;
let drop: (() => Promise<void>) | undefined;
let tenantId: string;
const ran: string[] = [];
const attempts = new Map<string, number>();

beforeAll(async () => {
  const server = serverDatabaseUrl();
  const fresh = server ? await freshDatabase(server) : null;
  drop = fresh?.drop;
  const config = loadConfig({}, {
    port: 0, host: '127.0.0.1', databaseUrl: fresh?.url ?? 'memory://', seedDemo: false,
    logLevel: (process.env.ATRIUM_TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent',
  });
  app = await createApp(config);
  app.jobs.define<Echo>(QUEUE, { retryLimit: 2, retryDelaySeconds: 1, retryBackoff: false }, async (data) => {
    attempts.set(data.marker, (attempts.get(data.marker) ?? 0) + 1);
    if (data.fail && attempts.get(data.marker)! < 2) throw new Error('transient failure');
    ran.push(data.marker);
  });
  await app.start('all', { listen: false });
  tenantId = (await app.identity.createTenantWithOwner({ name: 'Jobs', owner: { email: 'jobs@example.test', name: 'Jobs owner' } })).tenantId;
});
afterAll(async () => {
  await app?.stop();
  await drop?.();
});

const ctxSource = () => ({ tenantId, actor: { type: 'system' as const, id: 'test' } });
const jobRows = async (marker: string) =>
  (await app.db.ownerExecutor.executeSql(`select state from pgboss.job where name = $1 and data->>'marker' = $2`, [QUEUE, marker])).rows as { state: string }[];
/** Waits until pg-boss has marked the job completed: from then on it is never handed out again. */
const completed = (marker: string) =>
  waitFor(`job ${marker} completed`, async () => ((await jobRows(marker)).some((r) => r.state === 'completed') ? true : undefined));

describe('jobs and transactions', () => {
  it('a job enqueued in a committed transaction runs, once', async () => {
    await inTenant(app.db, ctxSource(), async (ctx) => {
      await app.jobs.enqueue(ctx.tx, QUEUE, { marker: 'committed' });
    });
    await completed('committed');
    expect(await jobRows('committed')).toEqual([{ state: 'completed' }]);
    expect(ran.filter((m) => m === 'committed')).toHaveLength(1);
    expect(attempts.get('committed')).toBe(1);
  });

  it('a job enqueued in a rolled-back transaction never exists, so never runs', async () => {
    const attempt = inTenant(app.db, ctxSource(), async (ctx) => {
      await app.jobs.enqueue(ctx.tx, QUEUE, { marker: 'rolled-back' });
      await app.ledger.record(ctx, { namespace: 'jobs', entityType: 'thing', entityId: 'rb', event: 'thing.created' });
      throw new Error('abort after enqueue');
    });
    await expect(attempt).rejects.toThrow('abort after enqueue');
    // A job enqueued afterwards runs: by then the worker has had every chance to see the first.
    await inTenant(app.db, ctxSource(), (ctx) => app.jobs.enqueue(ctx.tx, QUEUE, { marker: 'sentinel' }));
    await completed('sentinel');
    expect(ran).not.toContain('rolled-back');
    // No row: there is nothing a worker could ever fetch and run later.
    expect(await jobRows('rolled-back')).toEqual([]);
    expect(await jobRows('sentinel')).toHaveLength(1);
  });

  it('the job and the diff of one transaction commit together', async () => {
    await inTenant(app.db, ctxSource(), async (ctx) => {
      await app.ledger.record(ctx, { namespace: 'jobs', entityType: 'thing', entityId: 'together', event: 'thing.created' });
      await app.jobs.enqueue(ctx.tx, QUEUE, { marker: 'together' });
    });
    await waitFor('the job committed with its diff', () => (ran.includes('together') ? true : undefined));
    const diffs = await app.db.tenantTx(tenantId, (tx) => sql<{ n: number }>`select count(*)::int as n from diffs where entity_id in ('together', 'rb')`.execute(tx));
    expect(diffs.rows[0]!.n).toBe(1);
  });

  it('a failing job is retried and then succeeds', async () => {
    await inTenant(app.db, ctxSource(), (ctx) => app.jobs.enqueue(ctx.tx, QUEUE, { marker: 'flaky', fail: true }));
    await waitFor('the retried job', () => (ran.includes('flaky') ? true : undefined), 20_000);
    expect(attempts.get('flaky')).toBe(2);
  });

  it('refuses an unknown queue, and the queue depth is reported', async () => {
    await expect(inTenant(app.db, ctxSource(), (ctx) => app.jobs.enqueue(ctx.tx, 'no.such.queue', {}))).rejects.toThrow(/unknown queue/);
    const depths = await app.jobs.queueDepths();
    expect(Object.keys(depths)).toEqual(expect.arrayContaining([QUEUE, 'ledger.snapshot']));
    expect(Object.values(depths).every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
  });

  it('options given to enqueue reach the job engine (singleton key, priority, delay); absent ones are not sent', async () => {
    const id = await inTenant(app.db, ctxSource(), (ctx) =>
      app.jobs.enqueue(ctx.tx, QUEUE, { marker: 'later' }, { startAfterSeconds: 3600, singletonKey: 'only-one', priority: 5 }),
    );
    expect(id).toEqual(expect.any(String));
    const rows = (await app.db.ownerExecutor.executeSql(
      `select singleton_key, priority, start_after > now() + interval '50 minutes' as delayed, state from pgboss.job where id = $1`, [id],
    )).rows;
    expect(rows).toEqual([{ singleton_key: 'only-one', priority: 5, delayed: true, state: 'created' }]);
    expect(ran).not.toContain('later');
  });

  it('a job running longer than its lease keeps it (renewed): a second worker never starts it too', async () => {
    const starts: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    // Two workers on one database, each with a 6 s lease (renewed every 2 s: a 4 s margin for a
    // loaded machine; a lease shorter than the renewal period lapses by design); the job takes
    // as long as the test wants.
    const workers = [0, 1].map(() => {
      const j = new Jobs(app.db, app.log, { leaseSeconds: 6 });
      j.define<object>('test.long', { retryLimit: 3, retryDelaySeconds: 1, retryBackoff: false, expireInSeconds: 60 }, async () => {
        starts.push(Date.now());
        await gate;
      });
      return j;
    });
    for (const w of workers) await w.start({ work: true });
    try {
      await inTenant(app.db, ctxSource(), (ctx) => workers[0]!.enqueue(ctx.tx, 'test.long', {}));
      await waitFor('the long job started', () => (starts.length > 0 ? true : undefined));
      // Lease 6 s, expiry sweep every 2 s, retry after 1 s, poll 0.5 s: unrenewed, the job would be
      // started again within ~9.5 s. Absence of an event needs waiting past that: this sleep is
      // the lease's own timing under test (renewal outrunning expiry), not a wait for an outcome.
      await sleep(11_000);
      expect(starts).toHaveLength(1);
      const [row] = (await app.db.ownerExecutor.executeSql(`select state, retry_count from pgboss.job where name = 'test.long'`)).rows as { state: string; retry_count: number }[];
      expect(row).toEqual({ state: 'active', retry_count: 0 });
      release();
      await waitFor('the long job completed', async () => {
        const [r] = (await app.db.ownerExecutor.executeSql(`select state from pgboss.job where name = 'test.long'`)).rows as { state: string }[];
        return r?.state === 'completed' ? true : undefined;
      });
      expect(starts).toHaveLength(1);
    } finally {
      release();
      for (const w of workers) await w.stop();
    }
  });
});
