// Crash safety: `atrium serve` is SIGKILLed while a stream of writes is in flight; the
// database must then hold every diff that was acknowledged (201), each with its why,
// nothing half-written (a diff without the why it was sent with), nothing that was
// refused, and no gap in the ids other than the writes cut off by the kill.
// Postgres leg: a fresh database on the server. PGlite leg: an embedded data dir, which
// dies with the process (the harder case: the database itself is killed mid-write).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtriumClient } from '../../sdk/src/index.js';
import { serverDatabaseUrl } from './testing/harness.js';
import {
  freePort, killAllChildren, openDirect, freshStore, provisionTenant, runAtrium, storeEnv, type DirectSql, type Store,
} from './testing/processes.js';

const CONCURRENCY = 8;
/** Kill once this many writes are acknowledged, or after KILL_AFTER_MS, whichever comes first. */
const KILL_AT_ACKS = 250;
const KILL_AFTER_MS = 6_000;
/** Enough acknowledged writes for the test to mean something. */
const MIN_ACKS = 20;
const NAMESPACE = 'crash_test';
const LISTENING = /listening on (http:\/\/[^)\s]+)\)/;

type Write = {
  entityId: string;
  why: string;
  /** pending: no answer yet; acked: 201 read in full; refused: any other status; lost: the connection died first. */
  state: 'pending' | 'acked' | 'refused' | 'lost';
  status?: number;
  diffId?: number;
};

/** Per test. Idle, each takes well under a minute; child processes (tsx, PGlite init) start slowly on a loaded machine. */
const CHILD_TIMEOUT = { timeout: 150_000 };
const serverUrl = serverDatabaseUrl();
const cleanups: Array<() => Promise<void> | void> = [];
let store: Store;
let token: string;
let tenantId: string;
let port: number;
const writes: Write[] = [];
let committed: Array<{ id: number; entity_id: string }> = [];

beforeAll(async () => {
  store = await freshStore('atrium-crash-', cleanups);
  ({ token, tenantId } = await provisionTenant(store, 'Crash Test Co'));
  port = await freePort();
});

afterAll(async () => {
  await killAllChildren();
  for (const c of cleanups.reverse()) await c();
});

const serveEnv = () => ({ ...storeEnv(store), ATRIUM_PORT: String(port), ATRIUM_LOG_LEVEL: 'warn' });
const diffNumber = (publicId: string) => Number(/^dif_(\d+)$/.exec(publicId)?.[1] ?? NaN);

async function writeOne(baseUrl: string, w: Write): Promise<void> {
  try {
    const res = await fetch(`${baseUrl}/v1/diffs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        namespace: NAMESPACE, entity_type: 'item', entity_id: w.entityId, event: 'item.written',
        after: { entity: w.entityId }, why: w.why,
      }),
    });
    const body = (await res.json()) as { data: { id: string } | null };
    w.status = res.status;
    if (res.status === 201 && body.data) {
      w.diffId = diffNumber(body.data.id);
      w.state = 'acked';
    } else {
      w.state = 'refused';
    }
  } catch {
    w.state = 'lost';
  }
}

/** On Postgres, in-flight statements of the dead client may still be running: wait until its sessions are gone. */
async function waitForQuiet(sql: DirectSql): Promise<void> {
  if (store.kind !== 'postgres') return;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [row] = await sql.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    if (row?.n === 0) return;
    if (Date.now() > deadline) throw new Error(`${row?.n} sessions of the killed server still open`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(`SIGKILL of atrium serve mid-stream (${serverUrl ? 'server PostgreSQL' : 'embedded PGlite'})`, CHILD_TIMEOUT, () => {
  it('keeps every acknowledged diff with its why, nothing half-written, no unexplained id gap', async () => {
    const serve = runAtrium('serve', serveEnv());
    const [, baseUrl] = await serve.waitFor(LISTENING);

    let stop = false;
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (!stop) {
        const n = next++;
        const entityId = `item_${String(n).padStart(6, '0')}`;
        const w: Write = { entityId, why: `crash test write ${n}: ${entityId}`, state: 'pending' };
        writes.push(w);
        await writeOne(baseUrl!, w);
      }
    };
    const workers = Array.from({ length: CONCURRENCY }, worker);
    const acked = () => writes.filter((w) => w.state === 'acked').length;
    while (acked() < KILL_AT_ACKS && Date.now() - started < KILL_AFTER_MS && serve.isRunning()) {
      await new Promise((r) => setTimeout(r, 10));
    }
    stop = true; // no new write starts from here; the ones in flight are cut by the kill
    const inFlightAtKill = writes.filter((w) => w.state === 'pending').length;
    serve.child.kill('SIGKILL');
    const exit = await serve.exited;
    await Promise.all(workers);

    expect(exit, serve.output()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(writes.every((w) => w.state !== 'pending')).toBe(true);
    const ackedWrites = writes.filter((w) => w.state === 'acked');
    const lost = writes.filter((w) => w.state === 'lost');
    const refused = writes.filter((w) => w.state === 'refused');
    expect(ackedWrites.length, serve.output()).toBeGreaterThanOrEqual(MIN_ACKS);
    // Killed mid-stream: writes were in flight; those whose answer never came are at most one per writer.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(lost.length).toBeLessThanOrEqual(CONCURRENCY);
    // Before the kill the server refused nothing for a server-side reason.
    expect(refused.filter((w) => (w.status ?? 0) >= 500).map((w) => w.status)).toEqual([]);

    const sql = await openDirect(store);
    try {
      await waitForQuiet(sql);
      committed = await sql.query<{ id: number; entity_id: string }>(
        `select id::int as id, entity_id from diffs where tenant_id = $1 and namespace = $2 order by id`,
        [tenantId, NAMESPACE],
      );
      const whys = await sql.query<{ diff_id: number; why: string }>(
        `select a.diff_id::int as diff_id, a.why from annotations a join diffs d on d.id = a.diff_id
          where d.tenant_id = $1 and d.namespace = $2`,
        [tenantId, NAMESPACE],
      );
      const whysOf = new Map<number, string[]>();
      for (const a of whys) whysOf.set(a.diff_id, [...(whysOf.get(a.diff_id) ?? []), a.why]);
      const byEntity = new Map(writes.map((w) => [w.entityId, w]));
      const committedById = new Map(committed.map((d) => [d.id, d]));

      // 1. Every acknowledged diff is there, under the id the client was given, with its why.
      const missing = ackedWrites.filter((w) => committedById.get(w.diffId!)?.entity_id !== w.entityId || whysOf.get(w.diffId!)?.join('|') !== w.why);
      expect(missing.map((w) => w.entityId)).toEqual([]);

      // 2. Every committed diff was sent, once, and carries exactly the why it was sent with.
      expect(new Set(committed.map((d) => d.entity_id)).size).toBe(committed.length);
      const halfWritten = committed.filter((d) => {
        const w = byEntity.get(d.entity_id);
        return !w || (whysOf.get(d.id) ?? []).join('|') !== w.why;
      });
      expect(halfWritten).toEqual([]);

      // 3. Committed but not acknowledged: only writes whose connection the kill cut off; never a refused one.
      const unacked = committed.filter((d) => byEntity.get(d.entity_id)?.state !== 'acked');
      expect(unacked.filter((d) => byEntity.get(d.entity_id)?.state !== 'lost')).toEqual([]);
      expect(unacked.length).toBeLessThanOrEqual(lost.length);

      // 4. No holes: between the first and the last committed id, every id not committed
      //    belongs to a write the kill cut off (its transaction took an id, then died).
      const first = committed[0]!.id;
      const last = committed[committed.length - 1]!.id;
      const [inRange] = await sql.query<{ n: number }>('select count(*)::int as n from diffs where id between $1 and $2', [first, last]);
      const holes = last - first + 1 - inRange!.n;
      expect(holes).toBeGreaterThanOrEqual(0);
      expect(holes).toBeLessThanOrEqual(lost.length - unacked.length);
      // The acknowledged ids run in the order the server handed them out, inside that range.
      expect(ackedWrites.every((w) => w.diffId! >= first && w.diffId! <= last)).toBe(true);
    } finally {
      await sql.close();
    }
  });

  it('serves again on the same database after the crash, with what was committed', async () => {
    expect(committed.length).toBeGreaterThan(0);
    const serve = runAtrium('serve', serveEnv());
    const [, baseUrl] = await serve.waitFor(LISTENING);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);

    const client = new AtriumClient({ baseUrl: baseUrl!, token });
    const listed = await client.diffs.all({ namespace: NAMESPACE });
    expect(listed.map((d) => diffNumber(d.id)).sort((a, b) => a - b)).toEqual(committed.map((d) => d.id));
    expect(listed.every((d) => d.annotations.length === 1)).toBe(true);

    const after = await client.diffs.record({
      namespace: NAMESPACE, entity_type: 'item', entity_id: 'item_after_restart', event: 'item.written', why: 'after the crash',
    });
    expect(diffNumber(after.id)).toBeGreaterThan(committed[committed.length - 1]!.id);
    expect((await client.diffs.get(after.id)).annotations.map((a) => a.why)).toEqual(['after the crash']);

    const exit = await serve.stop('SIGINT');
    expect(exit, serve.output()).toEqual({ code: 0, signal: null });
  });
});
