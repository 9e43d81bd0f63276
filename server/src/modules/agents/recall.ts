// Semantic recall for agent memories (issue 14; decision 0070): an agent's memories with their
// embeddings, searched by cosine similarity inside that agent's store of its tenant.
// One API, two storage modes, picked per database from what migration 0019 created:
//  - 'pgvector': the `vec vector(512)` column (kept equal to `embedding` by a trigger) with an
//    HNSW index — embedded PGlite loads pgvector, server Postgres has it when the extension is
//    installed; approximate nearest neighbours (HNSW), exact for stores smaller than k;
//  - 'array': `embedding real[]` only, scored exactly in SQL (a dot product of unit vectors): the
//    portable path, linear in the agent's store.
// Embeddings are stored unit-length (cosine = dot product); only embeddings of the query's
// dimensions are compared, so memories embedded by another model never come back. The search
// itself is platform/vectors.ts (knowledge search uses it too).
import { sql, type ColumnType } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { unitVector, vectorMode, vectorSearch, type VectorMode, type VectorTable } from '../../platform/vectors.js';

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

export type RecallMode = VectorMode;
export type RecallItem = { memoryId: string; agentId: string; text: string; embedding: number[] };
export type RecallHit = { memoryId: string; score: number };

/** Rows per INSERT statement when indexing many memories. */
const INSERT_BATCH = 200;
/** Most results one recall returns. */
export const RECALL_MAX_K = 100;
/** The store as platform/vectors.ts searches it (HNSW settings as before: ef_search 64, at most 5 000 tuples). */
const STORE: VectorTable = { table: 'agent_recall', key: 'memory_id', efSearch: 64, maxScanTuples: 5000 };

/** The storage mode of the database `tx` belongs to: asked once per database and process. */
export const recallMode = (tx: Tx): Promise<RecallMode> => vectorMode(tx, STORE.table);
const unit = unitVector;

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

/**
 * The agent's k memories most similar to `embedding`, best first; score = cosine similarity.
 * `opts.mode` forces a storage mode ('array' works on every database; tests compare the two).
 */
export async function recall(ctx: Ctx, agentId: string, embedding: readonly number[], k: number, opts: { mode?: RecallMode } = {}): Promise<RecallHit[]> {
  if (!Number.isInteger(k) || k < 1 || k > RECALL_MAX_K) throw new RangeError(`recall: k is an integer from 1 to ${RECALL_MAX_K}`);
  const hits = await vectorSearch(ctx.tx, STORE, sql`r.tenant_id = ${ctx.tenantId} and r.agent_id = ${agentId}`, embedding, k, opts);
  return hits.map((h) => ({ memoryId: h.id, score: h.score }));
}
