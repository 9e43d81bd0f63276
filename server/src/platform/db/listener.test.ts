// The LISTEN connection survives being killed (a database restart, a failover, an idle
// killer): it comes back, listens again and says so, so subscribers can resynchronise.
// Server Postgres only: PGlite's notifications never leave the process.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, serverDatabaseUrl } from '../../testing/harness.js';
import { listenResilient } from './listener.js';

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) => {
  for (const deadline = Date.now() + ms; !(await ok()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.runIf(serverDatabaseUrl())('listenResilient (server Postgres)', () => {
  let fresh: { url: string; drop: () => Promise<void> };
  let admin: pg.Client;
  beforeAll(async () => {
    fresh = await freshDatabase(serverDatabaseUrl()!);
    admin = new pg.Client({ connectionString: fresh.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await fresh?.drop();
  });

  const listenerPids = async () =>
    (await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`)).rows.map((r) => r.pid);

  it('reconnects after its backend is terminated, listens again, reports it, and receives what is sent afterwards', async () => {
    const got: string[] = [];
    let reconnects = 0;
    const l = await listenResilient(fresh.url, 'atrium_test', (p) => got.push(p), () => reconnects++);
    try {
      await admin.query(`select pg_notify('atrium_test', 'before')`);
      await until('the first notice', () => got.includes('before'));
      const [pid] = await listenerPids();
      expect(pid).toBeDefined();
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await until('a reconnect to be scheduled', () => l.reconnecting);
      await until('the reconnect', () => reconnects === 1);
      expect(l.reconnecting).toBe(false);
      const [again] = await listenerPids();
      expect(again).toBeDefined();
      expect(again).not.toBe(pid);
      await admin.query(`select pg_notify('atrium_test', 'after')`);
      await until('the notice after the reconnect', () => got.includes('after'));
      expect(got).toEqual(['before', 'after']);
    } finally {
      await l.close();
    }
  });

  it('close stops it for good: no reconnect, no connection left', async () => {
    let reconnects = 0;
    const l = await listenResilient(fresh.url, 'atrium_test_closed', () => {}, () => reconnects++);
    const [pid] = await listenerPids();
    await l.close();
    // The client's own end (which runs its 'end' handlers) is done when close resolves: had that
    // handler taken it for a lost connection, a reconnect would be scheduled by now.
    expect(l.reconnecting).toBe(false);
    await until('the connection to go', async () => !(await listenerPids()).includes(pid!));
    expect(l.reconnecting).toBe(false);
    expect(reconnects).toBe(0);
    expect(await listenerPids()).toEqual([]);
  });
});
