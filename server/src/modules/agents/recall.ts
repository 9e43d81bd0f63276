// Semantic recall for agent memories (issue 14; decision 0070): an agent's memories with their
// embeddings, searched by cosine similarity inside that agent's store of its tenant.
// One API, two storage modes, picked per database from what migration 0019 created:
//  - 'pgvector': the `vec vector(512)` column (kept equal to `embedding` by a trigger) with an
//    HNSW index — embedded PGlite loads pgvector, server Postgres has it when the extension is
//    installed; approximate nearest neighbours (HNSW), exact for stores smaller than k;
//  - 'array': `embedding real[]` only, scored exactly in SQL (a dot product of unit vectors): the
//    portable path, linear in the agent's store.
// Embeddings are stored unit-length (cosine = dot product); only embeddings of the query's
// dimensions are compared, so memories embedded by another model never come back.
import { sql, type ColumnType } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';

export interface RecallTables {
  agent_recall: {
    memory_id: string;
    tenant_id: string;
    agent_id: string;
    text: string;
    embedding: number[];
    created_at: ColumnType<Date, Date | undefined, never>;
  };
}

// The recall table joins the one Database type (see platform/db/database.ts, decision 0061).
declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends RecallTables {}
}

export type RecallMode = 'pgvector' | 'array';
export type RecallItem = { memoryId: string; agentId: string; text: string; embedding: number[] };
export type RecallHit = { memoryId: string; score: number };
type Storage = { mode: RecallMode; dimensions: number | null };

/** Rows per INSERT statement when indexing many memories. */
const INSERT_BATCH = 200;
/** Most results one recall returns. */
export const RECALL_MAX_K = 100;
/** HNSW candidates per search (pgvector's default is 40); at least k are asked for. */
const EF_SEARCH = 64;
/** Most index tuples one HNSW search visits looking for k of the agent's (pgvector's default: 20 000). */
const MAX_SCAN_TUPLES = 5000;

// Per database: a Kysely instance's adapter is shared by all its transactions and connections.
const storages = new WeakMap<object, Promise<Storage>>();

async function detect(tx: Tx): Promise<Storage> {
  // vector's typmod is its dimension count.
  const { rows } = await sql<{ typmod: number | null }>`
    select a.atttypmod as typmod from pg_attribute a
    where a.attrelid = to_regclass('agent_recall') and a.attname = 'vec' and not a.attisdropped`.execute(tx);
  const row = rows[0];
  return row ? { mode: 'pgvector', dimensions: row.typmod && row.typmod > 0 ? row.typmod : null } : { mode: 'array', dimensions: null };
}

function storage(tx: Tx): Promise<Storage> {
  const key = tx.getExecutor().adapter as object;
  let found = storages.get(key);
  if (!found) {
    found = detect(tx);
    storages.set(key, found);
    found.catch(() => storages.delete(key)); // a failed detection (database down) is asked again
  }
  return found;
}

/** The storage mode of the database `tx` belongs to: asked once per database and process. */
export async function recallMode(tx: Tx): Promise<RecallMode> {
  return (await storage(tx)).mode;
}

function unit(embedding: readonly number[], what: string): number[] {
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

/** Adds memories to their agents' stores, or replaces the text and embedding of one already there. */
export async function indexMemories(ctx: Ctx, items: readonly RecallItem[]): Promise<void> {
  const seen = new Set<string>();
  const rows = items.map((it) => {
    if (seen.has(it.memoryId)) throw new RangeError(`indexMemories: memory ${it.memoryId} is listed twice`);
    seen.add(it.memoryId);
    return { memory_id: it.memoryId, tenant_id: ctx.tenantId, agent_id: it.agentId, text: it.text, embedding: unit(it.embedding, `memory ${it.memoryId}`) };
  });
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    await ctx.tx
      .insertInto('agent_recall')
      .values(rows.slice(i, i + INSERT_BATCH).map((r) => ({ ...r, embedding: sql<number[]>`${r.embedding}::real[]` })))
      .onConflict((oc) =>
        oc.column('memory_id').doUpdateSet((eb) => ({ agent_id: eb.ref('excluded.agent_id'), text: eb.ref('excluded.text'), embedding: eb.ref('excluded.embedding') })),
      )
      .execute();
  }
}

/** Removes memories from recall (ids that are not there, or another tenant's, are ignored). */
export async function forgetMemories(ctx: Ctx, memoryIds: readonly string[]): Promise<void> {
  if (memoryIds.length === 0) return;
  await ctx.tx.deleteFrom('agent_recall').where('tenant_id', '=', ctx.tenantId).where('memory_id', '=', sql<string>`any(${[...memoryIds]}::text[])`).execute();
}

const exactSearch = (ctx: Ctx, agentId: string, q: number[], k: number) =>
  sql<{ memory_id: string; score: number }>`
    select r.memory_id, s.score from agent_recall r,
      lateral (select sum(x::float8 * y::float8) as score from unnest(r.embedding, ${q}::real[]) as u(x, y)) s
    where r.tenant_id = ${ctx.tenantId} and r.agent_id = ${agentId} and cardinality(r.embedding) = ${q.length}
    order by s.score desc, r.memory_id
    limit ${k}`.execute(ctx.tx);

async function vectorSearch(ctx: Ctx, agentId: string, q: number[], k: number) {
  // The HNSW index holds every agent of every tenant: an iterative scan goes on past the first
  // candidates until k rows pass the agent and tenant filters (pgvector ≥ 0.8), for at most
  // MAX_SCAN_TUPLES (a small store then gets its exact answer below). Sorting is switched off
  // for the statement so the planner takes the index: embedded PGlite never ANALYZEs (no
  // autovacuum), and without statistics it would sort the agent's whole store instead.
  const literal = `[${q.join(',')}]`;
  const { rows: [before] } = await sql<{ sort: string }>`
    select current_setting('enable_sort') as sort, set_config('enable_sort', 'off', true),
      set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', ${String(Math.max(EF_SEARCH, k))}, true),
      set_config('hnsw.max_scan_tuples', ${String(MAX_SCAN_TUPLES)}, true)`.execute(ctx.tx);
  const found = await sql<{ memory_id: string; score: number }>`
    select memory_id, 1 - (vec <=> ${literal}::vector) as score from agent_recall
    where tenant_id = ${ctx.tenantId} and agent_id = ${agentId} and vec is not null
    order by vec <=> ${literal}::vector
    limit ${k}`.execute(ctx.tx);
  // (After an error the transaction is aborted anyway: nothing to restore.)
  await sql`select set_config('enable_sort', ${before!.sort}, true)`.execute(ctx.tx);
  return found;
}

/**
 * The agent's k memories most similar to `embedding`, best first; score = cosine similarity.
 * `opts.mode` forces a storage mode ('array' works on every database; tests compare the two).
 */
export async function recall(ctx: Ctx, agentId: string, embedding: readonly number[], k: number, opts: { mode?: RecallMode } = {}): Promise<RecallHit[]> {
  if (!Number.isInteger(k) || k < 1 || k > RECALL_MAX_K) throw new RangeError(`recall: k is an integer from 1 to ${RECALL_MAX_K}`);
  const q = unit(embedding, 'recall');
  const store = await storage(ctx.tx);
  const mode = opts.mode ?? store.mode;
  if (mode === 'pgvector' && store.mode !== 'pgvector') throw new Error('recall: this database has no pgvector column (migration 0019 found no vector extension)');
  let rows = mode === 'pgvector' && store.dimensions === q.length ? (await vectorSearch(ctx, agentId, q, k)).rows : null;
  // Fewer than k from the index: the store is that small (or the scan gave up): ask exactly.
  if (!rows || rows.length < k) rows = (await exactSearch(ctx, agentId, q, k)).rows;
  return rows.map((r) => ({ memoryId: r.memory_id, score: Number(r.score) }));
}
