// "Nothing missed, nothing doubled" with real processes on server PostgreSQL: one `serve` and
// two `worker` processes; a stream of diffs goes in while one worker is SIGKILLed mid-stream,
// then every worker is killed while more diffs commit, and a fresh worker starts. Each diff
// must end with exactly one run and exactly one notification. (Embedded PGlite is a single
// process: there is no second worker to race and no separate process to kill.)
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, serverDatabaseUrl } from '../../testing/harness.js';
import {
  freePort, killAllChildren, openDirect, provisionTenant, runAtrium, storeEnv, tempDir, type AtriumProcess, type Store,
} from '../../testing/processes.js';

const serverUrl = serverDatabaseUrl();
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  await killAllChildren();
  for (const c of cleanups.reverse()) await c();
});

const LISTENING = /Atrium is running at (http:\/\/\S+) \(listening/;
const WORKER_UP = /Atrium worker running on server PostgreSQL/;

describe.runIf(serverUrl)('rules: kill -9 a worker mid-stream (server PostgreSQL, serve + 2 workers)', { timeout: 240_000 }, () => {
  it('evaluates every diff exactly once and performs every effect exactly once', async () => {
    const dir = tempDir('atrium-rules-');
    cleanups.push(dir.remove);
    const db = await freshDatabase(serverUrl!);
    cleanups.push(db.drop);
    const store: Store = { kind: 'postgres', url: db.url, dataDir: dir.path };
    const { token } = await provisionTenant(store, 'Durable Co');
    // Stuck jobs of a killed worker are expired after 3 s and retried (maintenance every 2 s).
    const common = { ...storeEnv(store), ATRIUM_LOG_LEVEL: 'warn', ATRIUM_JOB_MAINTENANCE_SECONDS: '2', ATRIUM_RULES_ACTION_TIMEOUT_SECONDS: '3' };
    const port = await freePort();
    const serve = runAtrium('serve', { ...common, ATRIUM_PORT: String(port) });
    const workers: AtriumProcess[] = [runAtrium('worker', common), runAtrium('worker', common)];
    const [[, base]] = await Promise.all([serve.waitFor(LISTENING), ...workers.map((w) => w.waitFor(WORKER_UP))]);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as { data: unknown };
    };
    await call('POST', '/v1/rules', { name: 'Tell the owner about every order', trigger: { namespace: 'shop', event: 'order.placed' }, actions: [{ type: 'notify', to: 'role:owner', message: 'Order {{after.n}}' }] });

    const placed: number[] = [];
    const place = async (from: number, to: number) => {
      for (let n = from; n < to; n += 10) {
        // Ten concurrent writers: commits land out of id order, which the cursor must not skip.
        await Promise.all(Array.from({ length: Math.min(10, to - n) }, (_, i) =>
          call('POST', '/v1/diffs', { namespace: 'shop', entity_type: 'order', entity_id: `o${n + i}`, event: 'order.placed', after: { n: n + i } }).then(() => placed.push(n + i))));
      }
    };
    await place(0, 100);
    workers[0]!.child.kill('SIGKILL'); // mid-stream: it may be holding the cursor or running an action
    await place(100, 200);
    workers[1]!.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await place(200, 260); // committed while no worker runs at all
    workers.push(runAtrium('worker', common));
    await workers[2]!.waitFor(WORKER_UP);

    const sql = await openDirect(store);
    cleanups.push(() => sql.close());
    const deadline = Date.now() + 120_000;
    let done = 0;
    while (Date.now() < deadline) {
      const [row] = await sql.query<{ n: number }>(`select count(*)::int as n from rule_runs where status = 'succeeded'`);
      done = row!.n;
      if (done >= placed.length) break;
      await new Promise((r) => setTimeout(r, 250)); // polling interval
    }
    expect(placed).toHaveLength(260);
    expect(done).toBe(260);
    // Before counting, wait until nothing more can happen: the cursor has passed every diff (no
    // run left to create) and no action job is waiting, running, or held by a killed worker until
    // it expires and is retried (no effect left to perform, so none left to double).
    let busy: { unread: boolean; jobs: number } | undefined;
    while (Date.now() < deadline) {
      [busy] = await sql.query<{ unread: boolean; jobs: number }>(
        `select exists (select 1 from diffs, ledger_subscriptions c where c.name = 'rules' and (diffs.xact_id, diffs.id) > (c.xact_id, c.diff_id)) as unread,
                (select count(*)::int from pgboss.job where name = 'rules.act' and state in ('created', 'retry', 'active')) as jobs`);
      if (!busy!.unread && busy!.jobs === 0) break;
      await new Promise((r) => setTimeout(r, 250)); // polling interval
    }
    expect(busy, 'every diff evaluated and every action job finished').toEqual({ unread: false, jobs: 0 });
    const perDiff = await sql.query<{ entity_id: string; runs: number }>(
      `select d.entity_id, count(r.id)::int as runs from diffs d left join rule_runs r on r.diff_id = d.id
       where d.event = 'order.placed' group by d.entity_id having count(r.id) <> 1`);
    expect(perDiff, 'every diff has exactly one run').toEqual([]);
    const notes = await sql.query<{ body: string; n: number }>(`select body, count(*)::int as n from notifications group by body having count(*) <> 1`);
    expect(notes, 'no notification doubled').toEqual([]);
    const [total] = await sql.query<{ n: number }>(`select count(*)::int as n from notifications`);
    expect(total!.n).toBe(260);
    const [sent] = await sql.query<{ n: number }>(`select count(*)::int as n from diffs where event = 'notification.sent'`);
    expect(sent!.n).toBe(260);
    await serve.stop();
    await workers[2]!.stop();
  });
});
