// The database platform: one Kysely API over embedded PGlite or server Postgres,
// with the tenancy rule built in: tenant work runs as the non-superuser role
// `atrium_app` with `app.tenant_id` set for the transaction, so row-level security
// applies even to a hand-written query.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { CompiledQuery, Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { listenResilient, type Listening } from './listener.js';
import type { Database } from './database.js';
import { Mutex, PGliteDialect } from './pglite-dialect.js';

export type Tx = Transaction<Database>;
export type SqlExecutor = { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };
export type Unlisten = () => Promise<void>;
export type OwnerSession = SqlExecutor & { script(text: string): Promise<void> };

export interface Db {
  readonly kind: 'pglite' | 'postgres';
  readonly kysely: Kysely<Database>;
  /** A transaction scoped to one tenant: RLS applies. */
  tenantTx<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction for platform work across tenants (auth lookup, maintenance): bypasses RLS. */
  systemTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Holds one owner connection for a sequence of statements (migrations under a session lock). */
  ownerSession<T>(fn: (session: OwnerSession) => Promise<T>): Promise<T>;
  /** Owner-level executor for the job engine outside any transaction. */
  readonly ownerExecutor: SqlExecutor;
  /** PGlite only: the mutex of its one connection (benches read its timings). */
  readonly mutex?: Mutex;
  /** PGlite only: the whole cluster as an uncompressed tarball (the test suite's template). */
  dumpDataDir?(): Promise<Blob>;
  /** `onReconnect`: the listening connection was lost and is back; notifications in between are lost. */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<Unlisten>;
  close(): Promise<void>;
}

export const APP_ROLE = 'atrium_app';
export const SYSTEM_ROLE = 'atrium_system';

/** An executor bound to a transaction, for libraries (pg-boss) that take raw SQL. */
export function txExecutor(tx: Tx): SqlExecutor {
  return {
    executeSql: async (text, values = []) => {
      const res = await tx.executeQuery(CompiledQuery.raw(text, values));
      return { rows: res.rows as unknown[] };
    },
  };
}

async function enterRole<T>(tx: Tx, role: string, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  await sql`select set_config('role', ${role}, true), set_config('app.tenant_id', ${tenantId}, true)`.execute(tx);
  return fn(tx);
}

/** Ids we generate (`ten_<ULID>`): safe to write into SQL text as a literal. */
const PLAIN_ID = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Over a network every round trip counts: BEGIN, the role and the tenant go in one simple-protocol
 * query (`begin; select set_config(…)`), then the work, then COMMIT — one round trip fewer per
 * transaction than Kysely's BEGIN + a parameterised set_config. The tenant id is written as a
 * literal only when it has the shape of our ids; anything else takes the parameterised path.
 */
async function oneTripTx<T>(kysely: Kysely<Database>, role: string, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (!PLAIN_ID.test(tenantId) && tenantId !== '') return kysely.transaction().execute((tx) => enterRole(tx, role, tenantId, fn));
  return kysely.connection().execute(async (conn) => {
    await sql.raw(`begin; select set_config('role', '${role}', true), set_config('app.tenant_id', '${tenantId}', true)`).execute(conn);
    let result: T;
    try {
      // A connection inside BEGIN is what Kysely's Transaction is; nothing here opens nested transactions.
      result = await fn(conn as unknown as Tx);
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
    await sql`commit`.execute(conn);
    return result;
  });
}

function scoped(kysely: Kysely<Database>, opts: { oneTrip: boolean }) {
  return {
    tenantTx<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
      if (!tenantId) throw new Error('tenantTx needs a tenant id');
      if (opts.oneTrip) return oneTripTx(kysely, APP_ROLE, tenantId, fn);
      return kysely.transaction().execute((tx) => enterRole(tx, APP_ROLE, tenantId, fn));
    },
    systemTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      if (opts.oneTrip) return oneTripTx(kysely, SYSTEM_ROLE, '', fn);
      return kysely.transaction().execute((tx) => enterRole(tx, SYSTEM_ROLE, '', fn));
    },
  };
}

const INT8_OID = 20;
const DATE_OID = 1082;
const parseInt8 = (v: string) => Number(v);
// Calendar dates stay 'YYYY-MM-DD' strings: a JS Date would shift them by the time zone.
const parseDate = (v: string) => v;

/**
 * Postgres settings for embedded mode. PGlite's default shared_buffers (128 MB) is zeroed at
 * start inside the WASM heap, so it is resident from the first second: 16 MB (2 048 pages of
 * 8 kB) holds a team's working set and keeps an idle process small (see README, embedded mode).
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB'];

/**
 * Extensions every embedded database loads: pgvector (semantic recall, migration 0019 creates it
 * when `pg_available_extensions` lists it). Loaded at every open, not only where a migration
 * created it, since a database whose catalogue has the extension cannot use it without the
 * library (the test template and data dirs migrated with it); loading it costs ~50 kB and no
 * measurable start time. Decision 0070.
 */
export const PGLITE_EXTENSIONS = { vector };

/**
 * A fresh data directory is initialised (initdb) in a short-lived child process: PGlite runs
 * initdb in a second WASM instance whose memory this process would keep (~470 MB more RSS
 * for the life of the process); the child exits and the server then opens an existing database.
 */
async function initDataDirInChild(dataDir: string): Promise<void> {
  // The package's ESM entry (import.meta.resolve is missing under some loaders, e.g. vitest's).
  const moduleUrl = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite').replace(/index\.cjs$/, 'index.js')).href;
  const code = `const { PGlite } = await import(${JSON.stringify(moduleUrl)});
const db = await PGlite.create(${JSON.stringify(dataDir)});
await db.close();`;
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', code], { timeout: 120_000 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`initialising the PGlite data directory ${dataDir} failed: ${stderr || err.message}`)) : resolve(),
    );
  });
}

/**
 * The test suite opens ~70 in-memory databases per run; initdb + migrations cost ~1.5 s of
 * WASM each on a loaded 2-core machine. With ATRIUM_TEST_PGLITE_TEMPLATE naming a data-dir
 * dump already migrated (built once per run by server/src/testing/pglite-template.ts), a
 * memory:// database starts from it in ~0.3 s. Migrations still run at start (a no-op there).
 * In-memory databases only: an on-disk data directory is always initialised for real.
 */
function memoryTemplate(): Blob | undefined {
  const path = process.env.ATRIUM_TEST_PGLITE_TEMPLATE;
  if (!path || !existsSync(path)) return undefined;
  return new Blob([readFileSync(path)]);
}

async function openPGlite(dataDir: string): Promise<Db> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) {
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initDataDirInChild(dataDir);
  }
  const template = inMemory ? memoryTemplate() : undefined;
  const pglite = await PGlite.create(dataDir, {
    parsers: { [INT8_OID]: parseInt8, [DATE_OID]: parseDate },
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])],
    extensions: PGLITE_EXTENSIONS,
    ...(template && { loadDataDir: template }),
  });
  const mutex = new Mutex();
  const kysely = new Kysely<Database>({ dialect: new PGliteDialect(pglite, mutex) });
  return {
    kind: 'pglite',
    kysely,
    mutex,
    ...scoped(kysely, { oneTrip: false }),
    ownerSession: (fn) =>
      mutex.run(() =>
        fn({
          executeSql: (text, values) => pglite.query(text, values),
          script: async (text) => void (await pglite.exec(text)),
        }),
      ),
    ownerExecutor: {
      executeSql: (text, values) =>
        mutex.run(async () => {
          if (values && values.length > 0) return mutex.exec(() => pglite.query(text, values));
          const results = await mutex.exec(() => pglite.exec(text));
          // pg-boss expects a multi-statement script to return every statement's result.
          return (results.length === 1 ? results[0] : results) as { rows: unknown[] };
        }),
    },
    listen: async (channel, onPayload) => {
      const unlisten = await pglite.listen(channel, onPayload);
      return () => unlisten();
    },
    dumpDataDir: () => mutex.run(() => pglite.dumpDataDir('none')),
    close: async () => {
      await kysely.destroy();
      await mutex.run(() => pglite.close());
    },
  };
}

async function openPostgres(url: string, poolMax: number): Promise<Db> {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? parseInt8 : oid === DATE_OID ? parseDate : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max: poolMax, types, keepAlive: true });
  pool.on('error', () => {}); // idle client errors surface on the next query instead
  // A checked-out client has no 'error' listener of the pool's: when the server goes away
  // (restart, failover) during a transaction, pg would emit an unhandled 'error' and kill the
  // process. Its queries reject instead (→ 503 DATABASE_UNAVAILABLE), and on release the pool
  // drops the dead client (it is no longer queryable).
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<Listening>();
  return {
    kind: 'postgres',
    kysely,
    ...scoped(kysely, { oneTrip: true }),
    ownerSession: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn({
          executeSql: (text, values) => client.query(text, values),
          script: async (text) => void (await client.query(text)),
        });
      } finally {
        client.release();
      }
    },
    ownerExecutor: { executeSql: (text, values) => pool.query(text, values) },
    listen: async (channel, onPayload, onReconnect) => {
      const listening = await listenResilient(url, channel, onPayload, onReconnect);
      listeners.add(listening);
      return async () => {
        listeners.delete(listening);
        await listening.close();
      };
    },
    close: async () => {
      await Promise.all([...listeners].map((l) => l.close()));
      await kysely.destroy();
    },
  };
}

export type DbOptions = { databaseUrl: string | undefined; dataDir: string; poolMax: number };

export function openDb(opts: DbOptions): Promise<Db> {
  if (opts.databaseUrl && /^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
    return openPostgres(opts.databaseUrl, opts.poolMax);
  }
  return openPGlite(opts.databaseUrl?.startsWith('memory://') ? 'memory://' : opts.dataDir);
}
