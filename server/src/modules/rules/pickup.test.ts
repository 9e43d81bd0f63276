// A killed worker's in-flight job is picked up by another worker within 15 s and runs exactly
// once in effect; while its worker lives, the job is never handed to a second one (its lease is
// renewed). Real processes on server PostgreSQL, default settings: two `atrium worker`s and one
// notify rule. The test holds an EXCLUSIVE lock on `notifications`, so the action blocks inside
// its transaction — in flight — for as long as the test wants; the worker blocked on it is found
// by its application_name. (Embedded PGlite is one process: a worker dies with its database, and
// jobs still active at the next start are retried at once — see Jobs.start.)
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, serverDatabaseUrl } from '../../testing/harness.js';
import { freePort, killAllChildren, openDirect, provisionTenant, runAtrium, storeEnv, tempDir, type AtriumProcess, type Store } from '../../testing/processes.js';
import { LEASE_SECONDS } from '../../platform/jobs.js';

const serverUrl = serverDatabaseUrl();
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  await killAllChildren();
  for (const c of cleanups.reverse()) await c();
});

const LISTENING = /Atrium is running at (http:\/\/\S+) \(listening/;
const WORKER_UP = /Atrium worker running on server PostgreSQL/;
const PICKUP_LIMIT_S = 15;

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(serverUrl)('rules: kill -9 of the worker running an action (server PostgreSQL, 2 workers)', { timeout: 240_000 }, () => {
  it('another worker takes the job within 15 s, never while the first lives, and the effect happens once', async () => {
    const dir = tempDir('atrium-pickup-');
    cleanups.push(dir.remove);
    const db = await freshDatabase(serverUrl!);
    cleanups.push(db.drop);
    const store: Store = { kind: 'postgres', url: db.url, dataDir: dir.path };
    const { token } = await provisionTenant(store, 'Pickup Co');
    const common = { ...storeEnv(store), ATRIUM_LOG_LEVEL: 'warn' };
    const serve = runAtrium('serve', { ...common, ATRIUM_PORT: String(await freePort()) });
    const workers = new Map<string, AtriumProcess>([
      ['pickup-worker-a', runAtrium('worker', { ...common, PGAPPNAME: 'pickup-worker-a' })],
      ['pickup-worker-b', runAtrium('worker', { ...common, PGAPPNAME: 'pickup-worker-b' })],
    ]);
    const [[, base]] = await Promise.all([serve.waitFor(LISTENING), ...[...workers.values()].map((w) => w.waitFor(WORKER_UP))]);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as { data: { id: string } };
    };
    await call('POST', '/v1/rules', { name: 'Tell the owner', trigger: { namespace: 'shop', event: 'order.placed' }, actions: [{ type: 'notify', to: 'role:owner', message: 'Order {{after.n}}' }] });

    const lock = await openDirect(store);
    cleanups.push(() => lock.close());
    await lock.query('begin');
    await lock.query('lock table notifications in exclusive mode');
    const trigger = Number((await call('POST', '/v1/diffs', { namespace: 'shop', entity_type: 'order', entity_id: 'o1', event: 'order.placed', after: { n: 1 } })).data.id.slice(4));
    const runId = await until('the run', async () => (await lock.query<{ id: string }>('select id from rule_runs where diff_id = $1', [trigger]))[0]?.id, 30_000);
    const holder = await until('a worker blocked inside the action', async () => (await lock.query<{ app: string }>(
      `select application_name as app from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and application_name like 'pickup-worker-%'`))[0]?.app, 30_000);
    const job = async () => (await lock.query<{ started: string; state: string; retry_count: number }>(
      `select started_on::text as started, state::text as state, retry_count from pgboss.job where name = 'rules.act' and data->>'runId' = $1`, [runId]))[0]!;
    const first = await job();
    expect(first.state).toBe('active');

    // Alive and busy for longer than lease + expiry sweep + retry delay: nobody else takes it.
    const [{ age }] = await lock.query<{ age: number }>(`select extract(epoch from now() - $1::timestamptz)::float8 as age`, [first.started]) as [{ age: number }];
    const hold = Math.max(0, (LEASE_SECONDS + 2 + 3 - age) * 1000); // waiting out the lease is the point here
    await new Promise((r) => setTimeout(r, hold));
    expect(await job()).toEqual({ ...first, state: 'active' });

    // SIGKILL the worker holding it; the other must start it again within the limit.
    const victim = workers.get(holder)!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const [{ killed }] = await lock.query<{ killed: string }>('select clock_timestamp()::text as killed') as [{ killed: string }];
    const again = await until('the job started again', async () => {
      const j = await job();
      return j.state === 'active' && j.started > first.started ? j : undefined;
    }, 60_000);
    const [{ s }] = await lock.query<{ s: number }>(`select extract(epoch from $1::timestamptz - $2::timestamptz)::float8 as s`, [again.started, killed]) as [{ s: number }];
    expect(s, `picked up ${s} s after the kill`).toBeLessThanOrEqual(PICKUP_LIMIT_S);

    await lock.query('commit');
    const run = await until('the run succeeded', async () => {
      const [r] = await lock.query<{ status: string; attempts: number; effect_diff_id: string | null }>('select status, attempts, effect_diff_id from rule_runs where id = $1', [runId]);
      return r?.status === 'succeeded' ? r : undefined;
    }, 60_000);
    // The killed worker's transaction never committed: one attempt settled, one effect.
    expect(run.attempts).toBe(1);
    const notes = await lock.query<{ source: string | null }>(`select source_diff_id::text as source from notifications`);
    expect(notes).toEqual([{ source: String(trigger) }]);
    const sent = await lock.query<{ id: string }>(`select id::text as id from diffs where event = 'notification.sent'`);
    expect(sent).toHaveLength(1);
    expect(run.effect_diff_id).toBe(sent[0]!.id);
    await until('the job completed', async () => (await job()).state === 'completed', 30_000);
    await serve.stop();
    for (const [name, w] of workers) if (name !== holder) await w.stop();
  });
});
