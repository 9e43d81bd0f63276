// A Kysely dialect over embedded PGlite. PGlite is a single connection, so every
// acquisition (a lone query or a whole transaction) is serialised by one mutex;
// anything else that talks to the same PGlite (pg-boss, migrations) must use `exclusive`.
import { performance } from 'node:perf_hooks';
import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

/** Opt-in timings of the one connection (benches): wait for the lock, hold it, run statements. */
export class LockStats {
  readonly waits: number[] = [];
  readonly holds: number[] = [];
  readonly execs: number[] = [];
}

export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  /** Set to a LockStats to record timings (off by default: nothing is kept). */
  stats: LockStats | null = null;

  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.#tail;
    this.#tail = prev.then(() => next);
    const stats = this.stats;
    const t0 = stats ? performance.now() : 0;
    await prev;
    if (!stats) return release;
    const t1 = performance.now();
    stats.waits.push(t1 - t0);
    return () => {
      stats.holds.push(performance.now() - t1);
      release();
    };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.lock();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Runs one statement on the held connection, timed when stats are on. */
  async exec<T>(fn: () => Promise<T>): Promise<T> {
    const stats = this.stats;
    if (!stats) return fn();
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      stats.execs.push(performance.now() - t0);
    }
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(
    private readonly pg: PGlite,
    private readonly mutex: Mutex,
  ) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const res = await this.mutex.exec(() => this.pg.query<R>(q.sql, q.parameters as unknown[]));
    return {
      rows: res.rows,
      numAffectedRows: res.affectedRows === undefined ? undefined : BigInt(res.affectedRows),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream; page with keyset queries instead.');
  }
}

class PGliteDriver implements Driver {
  readonly #conn: PGliteConnection;
  readonly #releases = new Map<DatabaseConnection, () => void>();

  constructor(
    private readonly pg: PGlite,
    private readonly mutex: Mutex,
  ) {
    this.#conn = new PGliteConnection(pg, mutex);
  }

  async init(): Promise<void> {
    await this.pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.mutex.lock();
    this.#releases.set(this.#conn, release);
    return this.#conn;
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    const release = this.#releases.get(conn);
    this.#releases.delete(conn);
    release?.();
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    // The owner of the PGlite instance closes it (after a final checkpoint).
  }
}

export class PGliteDialect implements Dialect {
  constructor(
    private readonly pg: PGlite,
    private readonly mutex: Mutex,
  ) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg, this.mutex);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
