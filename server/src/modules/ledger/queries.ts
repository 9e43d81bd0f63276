// Reading the ledger: filtered, keyset-paginated lists, single diffs, their whys, search.
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Database } from '../../schema.js';
import {
  annotationView,
  decodeCursor,
  diffView,
  encodeCursor,
  parseDiffId,
  type AnnotationRow,
  type AnnotationView,
  type DiffRow,
  type DiffView,
} from './model.js';
import type { Sentiment } from './record.js';

export type DiffFilters = {
  namespace?: string;
  entity_type?: string;
  entity_id?: string;
  event?: string;
  actor_id?: string;
  since?: Date;
  until?: Date;
};

const DIFF_COLUMNS = [
  'id', 'namespace', 'entity_type', 'entity_id', 'event', 'value_before', 'value_after', 'metadata',
  'actor_type', 'actor_id', 'causation_id', 'correlation_id', 'created_at',
] as const;

type DiffQuery = SelectQueryBuilder<Database, 'diffs', DiffRow>;

export function filteredDiffs(tx: Tx, f: DiffFilters): DiffQuery {
  let q = tx.selectFrom('diffs').select(DIFF_COLUMNS) as unknown as DiffQuery;
  if (f.namespace) q = q.where('namespace', '=', f.namespace);
  if (f.entity_type) q = q.where('entity_type', '=', f.entity_type);
  if (f.entity_id) q = q.where('entity_id', '=', f.entity_id);
  if (f.event) q = q.where('event', '=', f.event);
  if (f.actor_id) q = q.where('actor_id', '=', f.actor_id);
  if (f.since) q = q.where('created_at', '>=', f.since);
  if (f.until) q = q.where('created_at', '<=', f.until);
  return q;
}

export async function annotationsFor(tx: Tx, diffIds: number[]): Promise<Map<number, AnnotationRow[]>> {
  const byDiff = new Map<number, AnnotationRow[]>();
  if (diffIds.length === 0) return byDiff;
  const rows = await tx
    .selectFrom('annotations')
    .select(['id', 'diff_id', 'author_type', 'author_id', 'why', 'sentiment', 'created_at'])
    .where('diff_id', 'in', diffIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const r of rows) byDiff.set(r.diff_id, [...(byDiff.get(r.diff_id) ?? []), r]);
  return byDiff;
}

export async function withAnnotations(tx: Tx, rows: DiffRow[]): Promise<DiffView[]> {
  const notes = await annotationsFor(tx, rows.map((r) => r.id));
  return rows.map((r) => diffView(r, notes.get(r.id)));
}

export type Page<T> = { items: T[]; nextCursor: string | undefined };

/** Newest first, keyset-paginated on (created_at, id) so pages stay fast at any depth. */
async function newestFirst(tx: Tx, base: DiffQuery, limit: number, cursor?: string): Promise<Page<DiffView>> {
  const after = decodeCursor(cursor);
  let q = base;
  if (after) {
    q = q.where(({ eb, refTuple, tuple }) =>
      eb(refTuple('created_at', 'id'), '<', tuple(new Date(after.at), after.id)),
    ) as DiffQuery;
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: await withAnnotations(tx, page),
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.created_at.toISOString(), id: last.id }) : undefined,
  };
}

/** Diffs matching the filters, newest first; `exceptEvents` leaves those events out (a feed without bookkeeping). */
export function listDiffs(tx: Tx, f: DiffFilters, limit: number, cursor?: string, exceptEvents: readonly string[] = []): Promise<Page<DiffView>> {
  const q = exceptEvents.length ? (filteredDiffs(tx, f).where('event', 'not in', [...exceptEvents]) as DiffQuery) : filteredDiffs(tx, f);
  return newestFirst(tx, q, limit, cursor);
}

/** An aggregate's history: its own diffs and those of entities scoped to it (a workflow and its tasks). */
export function listScopeHistory(tx: Tx, scopeId: string, limit: number, cursor?: string): Promise<Page<DiffView>> {
  const q = filteredDiffs(tx, {}).where((eb) => eb.or([eb('entity_id', '=', scopeId), eb('scope_id', '=', scopeId)])) as DiffQuery;
  return newestFirst(tx, q, limit, cursor);
}

async function diffRow(tx: Tx, publicId: string): Promise<DiffRow> {
  const id = parseDiffId(publicId);
  const row = id === null ? undefined : await filteredDiffs(tx, {}).where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('Diff');
  return row;
}

export async function getDiff(tx: Tx, publicId: string): Promise<DiffView> {
  const [view] = await withAnnotations(tx, [await diffRow(tx, publicId)]);
  return view!;
}

export async function listAnnotations(tx: Tx, publicId: string): Promise<AnnotationView[]> {
  const row = await diffRow(tx, publicId);
  return ((await annotationsFor(tx, [row.id])).get(row.id) ?? []).map(annotationView);
}

export async function annotate(
  ctx: Ctx,
  publicId: string,
  input: { why: string; sentiment?: Sentiment },
): Promise<AnnotationView> {
  const row = await diffRow(ctx.tx, publicId);
  const created = await ctx.tx
    .insertInto('annotations')
    .values({
      id: newId('ann'),
      tenant_id: ctx.tenantId,
      diff_id: row.id,
      author_type: ctx.actor.type,
      author_id: ctx.actor.id,
      why: input.why.trim(),
      sentiment: input.sentiment ?? 0,
    })
    .returning(['id', 'diff_id', 'author_type', 'author_id', 'why', 'sentiment', 'created_at'])
    .executeTakeFirstOrThrow();
  return annotationView(created);
}

export type AnnotationHit = AnnotationView & {
  rank: number;
  diff: { id: string; namespace: string; entity_type: string; entity_id: string; event: string };
};

/** Full-text search over the tenant's whys, best match first. */
export async function searchAnnotations(tx: Tx, q: string, limit: number): Promise<AnnotationHit[]> {
  const query = sql`(websearch_to_tsquery('english', ${q}) || websearch_to_tsquery('simple', ${q}))`;
  const rows = await tx
    .selectFrom('annotations as a')
    .innerJoin('diffs as d', 'd.id', 'a.diff_id')
    .select(['a.id', 'a.diff_id', 'a.author_type', 'a.author_id', 'a.why', 'a.sentiment', 'a.created_at'])
    .select(['d.namespace', 'd.entity_type', 'd.entity_id', 'd.event'])
    .select(sql<number>`ts_rank(a.search, ${query})`.as('rank'))
    .where(sql<boolean>`a.search @@ ${query}`)
    .orderBy('rank', 'desc')
    .orderBy('a.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...annotationView(r),
    rank: Number(r.rank),
    diff: { id: annotationView(r).diff_id, namespace: r.namespace, entity_type: r.entity_type, entity_id: r.entity_id, event: r.event },
  }));
}
