// The `atrium` command as users run it, in child processes (bin/atrium.mjs).
// The suite runs twice (scripts/test.mjs); each leg exercises its own deployment:
//  - PGlite leg: embedded mode — `start` on a data dir, SIGINT, `start` again on the same dir;
//  - Postgres leg: server mode — `migrate`, then `serve` and `worker` as two processes.
// `migrate` and `seed` run in both legs against that leg's store; the unknown command in both.
// Every child is SIGKILLed in afterAll if a test left it running.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtriumClient } from '../../sdk/src/index.js';
import type { Diff } from '../../sdk/src/types.js';
import { freshDatabase, serverDatabaseUrl } from './testing/harness.js';
import {
  freePort, killAllChildren, openDirect, provisionTenant, runAtrium, runAtriumToEnd, storeEnv, tempDir, type AtriumProcess, type Store,
} from './testing/processes.js';

/** Per test. Idle, each takes well under a minute; child processes (tsx, PGlite init) start slowly on a loaded machine. */
const CHILD_TIMEOUT = { timeout: 150_000 };
const serverUrl = serverDatabaseUrl();
const cleanups: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  await killAllChildren();
  for (const c of cleanups.reverse()) await c();
});

const LISTENING = /Atrium is running at (http:\/\/\S+) \(listening on (http:\/\/[^)\s]+)\)/;
// "Demo login: <email> / <password>  (POST /v1/auth/login)" then "API token for this run:" and the token.
const DEMO_LOGIN = /Demo login: (\S+) \/ \S+[^\n]*\nAPI token for this run:\s*\n\s*(\S+)/;
const MIGRATED = /migrations: (\d+) applied, (\d+) in total/;

/** A brand-new database on the Postgres server (and an unused data dir beside it). */
async function newServerStore(adminUrl: string): Promise<Store> {
  const dir = tempDir('atrium-cli-');
  cleanups.push(dir.remove);
  const db = await freshDatabase(adminUrl);
  cleanups.push(db.drop);
  return { kind: 'postgres', url: db.url, dataDir: dir.path };
}

const count = (diffs: Diff[], event: string) => diffs.filter((d) => d.event === event).length;

// One deployment per leg: nothing is reported as skipped, nothing runs twice.
if (!serverUrl) {
  describe('atrium start (embedded PGlite): restart on the same data dir', CHILD_TIMEOUT, () => {
    let dataDir: string;
    let port: number;
    let env: Record<string, string>;
    let first: AtriumProcess;
    let firstToken: string;
    let recorded: Diff;

    beforeAll(async () => {
      const dir = tempDir('atrium-start-');
      cleanups.push(dir.remove);
      dataDir = dir.path;
      port = await freePort();
      env = { ATRIUM_DATA_DIR: dataDir, ATRIUM_PORT: String(port), ATRIUM_LOG_LEVEL: 'warn' };
    });

    it('listens, prints the URL and the demo login, and the token works', async () => {
      first = runAtrium('start', env);
      const [, shown, listening] = await first.waitFor(LISTENING);
      expect(shown).toBe(`http://localhost:${port}`);
      expect(listening).toBe(`http://127.0.0.1:${port}`);
      expect(first.output()).toContain(`embedded PGlite in ${dataDir}`);
      const [, email, token] = await first.waitFor(DEMO_LOGIN);
      expect(email).toBe('demo@atrium.local');
      firstToken = token!;

      const client = new AtriumClient({ baseUrl: listening!, token: firstToken });
      const diffs = await client.diffs.all();
      expect(count(diffs, 'tenant.created')).toBe(1);
      expect(count(diffs, 'note.created')).toBe(1);
      await expect(client.withToken(undefined).diffs.list()).rejects.toMatchObject({ status: 401 });

      recorded = await client.diffs.record({
        namespace: 'cli_test', entity_type: 'probe', entity_id: 'probe_1', event: 'probe.recorded',
        after: { run: 1 }, why: 'Written before the restart',
      });
      expect(recorded.annotations.map((a) => a.why)).toEqual(['Written before the restart']);
    });

    it('shuts down cleanly on SIGINT (exit code 0, port released)', async () => {
      const exit = await first.stop('SIGINT');
      expect(exit, first.output()).toEqual({ code: 0, signal: null });
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    });

    it('a second start sees everything committed before and does not create a second demo workspace', async () => {
      const second = runAtrium('start', env);
      const [, , listening] = await second.waitFor(LISTENING);
      const [, email, token] = await second.waitFor(DEMO_LOGIN);
      expect(email).toBe('demo@atrium.local');

      const client = new AtriumClient({ baseUrl: listening!, token });
      expect(await client.diffs.get(recorded.id)).toEqual(recorded);
      const diffs = await client.diffs.all();
      expect(count(diffs, 'tenant.created')).toBe(1);
      expect(count(diffs, 'note.created')).toBe(1);
      expect(count(diffs, 'probe.recorded')).toBe(1);
      // The first run's token was committed too.
      expect(await client.withToken(firstToken).diffs.get(recorded.id)).toEqual(recorded);

      const exit = await second.stop('SIGINT');
      expect(exit, second.output()).toEqual({ code: 0, signal: null });

      // Straight from the data dir (the process is gone): one tenant, the demo one.
      const sql = await openDirect({ kind: 'pglite', dataDir });
      try {
        expect(await sql.query('select is_demo from tenants')).toEqual([{ is_demo: true }]);
        expect(await sql.query(`select count(*)::int as n from diffs where event = 'tenant.created'`)).toEqual([{ n: 1 }]);
      } finally {
        await sql.close();
      }
    });

    it('migrate and seed on that data dir exit 0 and change nothing (idempotent after start)', async () => {
      const sql = await openDirect({ kind: 'pglite', dataDir });
      const [demo] = await sql.query<{ id: string }>('select id from tenants where is_demo');
      const [before] = await sql.query<{ n: number }>('select count(*)::int as n from diffs');
      await sql.close();

      const migrated = await runAtriumToEnd('migrate', { ATRIUM_DATA_DIR: dataDir, ATRIUM_LOG_LEVEL: 'warn' });
      expect(migrated.code, migrated.output).toBe(0);
      const [, applied, total] = migrated.stdout.match(MIGRATED) ?? [];
      expect(applied, migrated.output).toBe('0');
      expect(Number(total)).toBeGreaterThan(0);

      const seeded = await runAtriumToEnd('seed', { ATRIUM_DATA_DIR: dataDir, ATRIUM_LOG_LEVEL: 'warn' });
      expect(seeded.code, seeded.output).toBe(0);
      expect(seeded.stdout).toContain(`demo workspace already there: ${demo!.id}`);

      const after = await openDirect({ kind: 'pglite', dataDir });
      try {
        expect(await after.query('select id from tenants')).toEqual([{ id: demo!.id }]);
        expect(await after.query('select count(*)::int as n from diffs')).toEqual([before]);
      } finally {
        await after.close();
      }
    });
  });
} else {
  describe('atrium serve + atrium worker (server PostgreSQL): two processes, one database', CHILD_TIMEOUT, () => {
    let store: Store;
    let token: string;
    let serve: AtriumProcess;
    let worker: AtriumProcess;
    let baseUrl: string;

    beforeAll(async () => {
      store = await newServerStore(serverUrl);
    });

    it('migrate applies every migration once, then has nothing left to apply', async () => {
      const env = { ...storeEnv(store), ATRIUM_LOG_LEVEL: 'warn' };
      const first = await runAtriumToEnd('migrate', env);
      expect(first.code, first.output).toBe(0);
      const [, applied, total] = first.stdout.match(MIGRATED) ?? [];
      expect(Number(total)).toBeGreaterThan(0);
      expect(Number(applied)).toBe(Number(total));

      const second = await runAtriumToEnd('migrate', env);
      expect(second.code, second.output).toBe(0);
      expect(second.stdout).toContain(`migrations: 0 applied, ${total} in total`);
    });

    it('seed creates the demo workspace once: a second run finds the same one', async () => {
      const env = { ...storeEnv(store), ATRIUM_LOG_LEVEL: 'warn' };
      const first = await runAtriumToEnd('seed', env);
      expect(first.code, first.output).toBe(0);
      const tenantId = first.stdout.match(/demo workspace created: (\S+)/)?.[1];
      expect(tenantId, first.output).toBeDefined();

      const second = await runAtriumToEnd('seed', env);
      expect(second.code, second.output).toBe(0);
      expect(second.stdout).toContain(`demo workspace already there: ${tenantId}`);

      const sql = await openDirect(store);
      try {
        expect(await sql.query('select id, is_demo from tenants')).toEqual([{ id: tenantId, is_demo: true }]);
        expect(await sql.query(`select count(*)::int as n from diffs where event = 'tenant.created'`)).toEqual([{ n: 1 }]);
      } finally {
        await sql.close();
      }
    });

    it('serve and worker start as separate processes on the migrated database', async () => {
      ({ token } = await provisionTenant(store, 'Two Process Co'));

      // Snapshots after 10 diffs, without lag, so one replay gives the worker a job to do.
      const common = { ...storeEnv(store), ATRIUM_LOG_LEVEL: 'warn', ATRIUM_SNAPSHOT_EVERY: '10', ATRIUM_SNAPSHOT_LAG_SECONDS: '0' };
      const port = await freePort();
      serve = runAtrium('serve', { ...common, ATRIUM_PORT: String(port) });
      worker = runAtrium('worker', common);
      const [[, , listening]] = await Promise.all([serve.waitFor(LISTENING), worker.waitFor(/Atrium worker running on server PostgreSQL/)]);
      expect(listening).toBe(`http://127.0.0.1:${port}`);
      baseUrl = listening!;
      // `serve` does not seed the demo workspace; `worker` serves no HTTP.
      expect(serve.output()).not.toMatch(DEMO_LOGIN);
      expect(worker.output()).not.toMatch(LISTENING);
    });

    it('a diff written through serve is in the database with its why, and the worker does the jobs serve enqueues', async () => {
      const client = new AtriumClient({ baseUrl, token });
      const diff = await client.diffs.record({
        namespace: 'cli_test', entity_type: 'doc', entity_id: 'doc_1', event: 'doc.edited', after: { rev: 0 }, why: 'Through serve',
      });
      expect(await client.diffs.get(diff.id)).toEqual(diff);

      const sql = await openDirect(store);
      try {
        const id = Number(diff.id.replace(/^dif_/, ''));
        const rows = await sql.query<{ entity_id: string; why: string }>(
          `select d.entity_id, a.why from diffs d join annotations a on a.diff_id = d.id where d.id = $1`,
          [id],
        );
        expect(rows).toEqual([{ entity_id: 'doc_1', why: 'Through serve' }]);

        for (let rev = 1; rev <= 11; rev++) {
          await client.diffs.record({ namespace: 'cli_test', entity_type: 'doc', entity_id: 'doc_1', event: 'doc.edited', after: { rev } });
        }
        // A long replay on serve enqueues a snapshot job; only the worker process works jobs.
        const state = await client.entities.stateAt('doc', 'doc_1');
        expect(state.state).toEqual({ rev: 11 });
        const deadline = Date.now() + 30_000;
        let snapshots: Array<{ diff_count: number }> = [];
        while (Date.now() < deadline) {
          snapshots = await sql.query<{ diff_count: number }>(`select diff_count from entity_snapshots where entity_id = 'doc_1'`);
          if (snapshots.length > 0 || !worker.isRunning()) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        expect(snapshots, worker.output()).toEqual([{ diff_count: 10 }]);
      } finally {
        await sql.close();
      }
    });

    it('both stop cleanly on SIGINT', async () => {
      const [s, w] = await Promise.all([serve.stop('SIGINT'), worker.stop('SIGINT')]);
      expect(s, serve.output()).toEqual({ code: 0, signal: null });
      expect(w, worker.output()).toEqual({ code: 0, signal: null });
    });
  });
}

describe('atrium <unknown command>', CHILD_TIMEOUT, () => {
  it('exits 2 with the usage on stderr and starts nothing', async () => {
    const dir = tempDir('atrium-unknown-');
    cleanups.push(dir.remove);
    const run = await runAtriumToEnd('frobnicate', { ATRIUM_DATA_DIR: dir.path, ATRIUM_LOG_LEVEL: 'warn' });
    expect(run.code).toBe(2);
    expect(run.output).toContain('unknown command "frobnicate"');
    expect(run.output).toMatch(/usage: atrium <command>/);
    expect(run.stdout).toBe('');
    expect(readdirSync(dir.path)).toEqual([]);
  });
});
