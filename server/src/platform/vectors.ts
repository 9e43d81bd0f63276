// Nearest-neighbour search over embeddings stored in a module's table, one API on every database
// (decision 0070): a table keeps `embedding real[]` (unit-length) always and, where pgvector
// exists (embedded PGlite loads it; server Postgres when the extension is installed), a
// `vec vector(N)` column kept equal by a trigger, with an HNSW index. `search` takes the index
// when there is one and the query has its dimensions, and scores exactly in SQL otherwise (or
// when the index gave fewer than k rows: a store that small is answered exactly).
// Table and column names come from the calling module's constants, never from input.
import { sql, type RawBuilder } from 'kysely';
import type { Tx } from './db/index.js';

export type VectorMode = 'pgvector' | 'array';
export type VectorTable = {
  table: string;
  /** The row's id column (returned with each hit). */
  key: string;
  /** HNSW candidates per search (pgvector's default is 40); at least k are asked for. */
  efSearch?: number;
  /** Most index tuples one HNSW search visits looking for k rows that pass the filters. */
  maxScanTuples?: number;
};
export type VectorHit = { id: string; score: number };
type Storage = { mode: VectorMode; dimensions: number | null };

// Per database and table: a Kysely instance's adapter is shared by all its transactions.
const storages = new WeakMap<object, Map<string, Promise<Storage>>>();

async function detect(tx: Tx, table: string): Promise<Storage> {
  // vector's typmod is its dimension count.
  const { rows } = await sql<{ typmod: number | null }>`
    select a.atttypmod as typmod from pg_attribute a
    where a.attrelid = to_regclass(${table}) and a.attname = 'vec' and not a.attisdropped`.execute(tx);
  const row = rows[0];
  return row ? { mode: 'pgvector', dimensions: row.typmod && row.typmod > 0 ? row.typmod : null } : { mode: 'array', dimensions: null };
}

function storage(tx: Tx, table: string): Promise<Storage> {
  const key = tx.getExecutor().adapter as object;
  const tables = storages.get(key) ?? new Map<string, Promise<Storage>>();
  storages.set(key, tables);
  let found = tables.get(table);
  if (!found) {
    found = detect(tx, table);
    tables.set(table, found);
    found.catch(() => tables.delete(table)); // a failed detection (database down) is asked again
  }
  return found;
}

/** The storage mode of `table` in the database `tx` belongs to: asked once per database and process. */
export async function vectorMode(tx: Tx, table: string): Promise<VectorMode> {
  return (await storage(tx, table)).mode;
}

/** The unit vector of `embedding`; refuses empty, non-finite, zero or over-long vectors. */
export function unitVector(embedding: readonly number[], what: string): number[] {
  if (!Array.isArray(embedding) || embedding.length === 0 || embedding.length > 4096) throw new RangeError(`${what}: an embedding has 1 to 4096 numbers`);
  let norm = 0;
  for (const x of embedding) {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`${what}: an embedding holds finite numbers only`);
    norm += x * x;
  }
  if (norm === 0) throw new RangeError(`${what}: a zero embedding has no direction`);
  const inv = 1 / Math.sqrt(norm);
  return embedding.map((x) => x * inv);
}

/** `embedding` as a real[] parameter (for inserts). */
export const realArray = (v: readonly number[]): RawBuilder<number[]> => sql<number[]>`${[...v]}::real[]`;

function exact(tx: Tx, t: VectorTable, where: RawBuilder<unknown>, q: number[], k: number) {
  return sql<{ id: string; score: number }>`
    select r.${sql.ref(t.key)} as id, s.score from ${sql.table(t.table)} r,
      lateral (select sum(x::float8 * y::float8) as score from unnest(r.embedding, ${q}::real[]) as u(x, y)) s
    where ${where} and r.embedding is not null and cardinality(r.embedding) = ${q.length}
    order by s.score desc, r.${sql.ref(t.key)}
    limit ${k}`.execute(tx);
}

async function approximate(tx: Tx, t: VectorTable, where: RawBuilder<unknown>, q: number[], k: number) {
  // The HNSW index holds every tenant's rows: an iterative scan goes on past the first
  // candidates until k rows pass the filters (pgvector ≥ 0.8), for at most maxScanTuples.
  // Sorting is switched off for the statement so the planner takes the index: embedded PGlite
  // never ANALYZEs (no autovacuum), and without statistics it would sort the whole store.
  const literal = `[${q.join(',')}]`;
  const { rows: [before] } = await sql<{ sort: string }>`
    select current_setting('enable_sort') as sort, set_config('enable_sort', 'off', true),
      set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', ${String(Math.max(t.efSearch ?? 64, k))}, true),
      set_config('hnsw.max_scan_tuples', ${String(t.maxScanTuples ?? 5000)}, true)`.execute(tx);
  const found = await sql<{ id: string; score: number }>`
    select r.${sql.ref(t.key)} as id, 1 - (r.vec <=> ${literal}::vector) as score from ${sql.table(t.table)} r
    where ${where} and r.vec is not null
    order by r.vec <=> ${literal}::vector
    limit ${k}`.execute(tx);
  // (After an error the transaction is aborted anyway: nothing to restore.)
  await sql`select set_config('enable_sort', ${before!.sort}, true)`.execute(tx);
  return found;
}

/**
 * The k rows of `t` passing `where` (a condition over alias `r`) most similar to `embedding`, best
 * first; score = cosine similarity. `opts.mode` forces a mode ('array' works everywhere).
 */
export async function vectorSearch(tx: Tx, t: VectorTable, where: RawBuilder<unknown>, embedding: readonly number[], k: number, opts: { mode?: VectorMode } = {}): Promise<VectorHit[]> {
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new RangeError('vectorSearch: k is an integer from 1 to 1000');
  const q = unitVector(embedding, 'vectorSearch');
  const store = await storage(tx, t.table);
  const mode = opts.mode ?? store.mode;
  if (mode === 'pgvector' && store.mode !== 'pgvector') throw new Error(`vectorSearch: ${t.table} has no pgvector column on this database`);
  let rows = mode === 'pgvector' && store.dimensions === q.length ? (await approximate(tx, t, where, q, k)).rows : null;
  if (!rows || rows.length < k) rows = (await exact(tx, t, where, q, k)).rows;
  return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
}
