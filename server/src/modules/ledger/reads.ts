// Reads of the ledger for other modules, inside their own transaction (RLS applies to a
// tenant's): they never query `diffs` or `annotations` themselves.
import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import type { Json, JsonObject } from '../../platform/schema.js';

export type DiffRecord = {
  id: number; namespace: string; entity_type: string; entity_id: string; event: string;
  value_before: Json | null; value_after: Json | null; metadata: JsonObject; actor_type: string; actor_id: string; created_at: Date;
};
const COLUMNS = ['id', 'namespace', 'entity_type', 'entity_id', 'event', 'value_before', 'value_after', 'metadata', 'actor_type', 'actor_id', 'created_at'] as const;

export type DiffQuery = { namespace?: string; entity_type?: string; event?: string };

/** Diffs by id, each with its first why (null without one). */
export async function diffsWithWhys(tx: Tx, ids: readonly number[]): Promise<Map<number, DiffRecord & { why: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.selectFrom('diffs').select([...COLUMNS]).where('id', 'in', [...new Set(ids)]).execute();
  const whys = new Map<number, string>();
  // Newest first, so the earliest why is the one left in the map.
  for (const a of await tx.selectFrom('annotations').select(['diff_id', 'why']).where('diff_id', 'in', [...new Set(ids)]).orderBy('created_at', 'desc').execute()) whys.set(a.diff_id, a.why);
  return new Map(rows.map((r) => [r.id, { ...(r as DiffRecord), why: whys.get(r.id) ?? null }]));
}

/**
 * For each entity, the first why of its newest diff whose `after` has `field` = `value` (a task's
 * newest move to blocked → the why it is blocked); entities without one are absent.
 */
export async function whysOfLatest(tx: Tx, q: { namespace: string; entity_type: string; entity_ids: readonly string[]; field: string; value: string }): Promise<Map<string, string>> {
  if (q.entity_ids.length === 0) return new Map();
  const { rows } = await sql<{ entity_id: string; why: string }>`
    select distinct on (d.entity_id) d.entity_id, a.why
    from diffs d join annotations a on a.diff_id = d.id
    where d.namespace = ${q.namespace} and d.entity_type = ${q.entity_type} and d.entity_id in (${sql.join([...new Set(q.entity_ids)])})
      and d.value_after ->> ${q.field} = ${q.value}
    order by d.entity_id, d.id desc, a.created_at asc`.execute(tx);
  return new Map(rows.map((r) => [r.entity_id, r.why]));
}

/** Diffs recorded in [since, until), oldest first, at most `limit` (rule simulations). */
export async function diffsBetween(tx: Tx, q: DiffQuery & { since: Date; until: Date; limit: number }): Promise<DiffRecord[]> {
  let s = tx.selectFrom('diffs').select([...COLUMNS]).where('created_at', '>=', q.since).where('created_at', '<', q.until).orderBy('id').limit(q.limit);
  if (q.namespace) s = s.where('namespace', '=', q.namespace);
  if (q.entity_type) s = s.where('entity_type', '=', q.entity_type);
  if (q.event) s = s.where('event', '=', q.event);
  return (await s.execute()) as DiffRecord[];
}

/** Whether anything matching was ever recorded (in the transaction's tenant). */
export async function anyDiff(tx: Tx, q: DiffQuery): Promise<boolean> {
  let s = tx.selectFrom('diffs').select('id').limit(1);
  if (q.namespace) s = s.where('namespace', '=', q.namespace);
  if (q.entity_type) s = s.where('entity_type', '=', q.entity_type);
  if (q.event) s = s.where('event', '=', q.event);
  return !!(await s.executeTakeFirst());
}

/** The first diff caused by `causationId` whose metadata carries the given value (a rule run's first effect). */
export async function firstDiffCausedBy(tx: Tx, causationId: number, metadata: { key: string; value: string }): Promise<number | null> {
  const row = await tx.selectFrom('diffs').select((eb) => eb.fn.min<number>('id').as('id'))
    .where('causation_id', '=', causationId).where(sql<boolean>`metadata->>${metadata.key} = ${metadata.value}`).executeTakeFirst();
  return row?.id === null || row?.id === undefined ? null : Number(row.id);
}

/** How many diffs exist, and how many of the last 24 hours (visible to the transaction). */
export async function diffCounts(tx: Tx): Promise<{ total: number; last24h: number }> {
  const r = await tx.selectFrom('diffs').select([sql<number>`count(*)::int`.as('total'), sql<number>`(count(*) filter (where created_at > now() - interval '1 day'))::int`.as('recent')]).executeTakeFirstOrThrow();
  return { total: r.total, last24h: r.recent };
}
