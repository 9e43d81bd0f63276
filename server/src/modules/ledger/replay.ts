// Replay: an entity's state at any instant, folded from its diffs. Periodic snapshots
// (every N diffs, written by a background job) bound the fold to at most N diffs.
import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { Json } from '../../platform/schema.js';
import { diffPublicId } from './model.js';

type Folding = { id: number; event: string; value_after: Json | null };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes a key, anything else replaces. */
export function mergePatch(target: Json | null, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/**
 * How one diff moves an entity's state: `*.created` sets it, `*.deleted` clears it,
 * any other event merge-patches its `after` (modules record changed fields only).
 */
export function applyDiff(state: Json | null, diff: Pick<Folding, 'event' | 'value_after'>): Json | null {
  if (diff.event.endsWith('.deleted')) return null;
  if (diff.value_after === null) return state;
  if (diff.event.endsWith('.created') || state === null) return diff.value_after;
  return mergePatch(state, diff.value_after);
}

export function fold(start: Json | null, diffs: readonly Folding[]): Json | null {
  return diffs.reduce<Json | null>((s, d) => applyDiff(s, d), start);
}

export type EntityRef = { entityType: string; entityId: string };
export type ReplayedState = { state: Json | null; at: string; as_of_diff_id: string | null; folded: number };

export async function stateAt(tx: Tx, ref: EntityRef, at: Date): Promise<ReplayedState> {
  const target = await tx
    .selectFrom('diffs')
    .select('id')
    .where('entity_type', '=', ref.entityType)
    .where('entity_id', '=', ref.entityId)
    .where('created_at', '<=', at)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!target) {
    const exists = await tx
      .selectFrom('diffs')
      .select('id')
      .where('entity_type', '=', ref.entityType)
      .where('entity_id', '=', ref.entityId)
      .limit(1)
      .executeTakeFirst();
    if (!exists) throw errors.notFound('Entity');
    return { state: null, at: at.toISOString(), as_of_diff_id: null, folded: 0 };
  }
  const snap = await tx
    .selectFrom('entity_snapshots')
    .select(['diff_id', 'state'])
    .where('entity_type', '=', ref.entityType)
    .where('entity_id', '=', ref.entityId)
    .where('diff_id', '<=', target.id)
    .orderBy('diff_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const diffs = await tx
    .selectFrom('diffs')
    .select(['id', 'event', 'value_after'])
    .where('entity_type', '=', ref.entityType)
    .where('entity_id', '=', ref.entityId)
    .where('id', '>', snap?.diff_id ?? 0)
    .where('id', '<=', target.id)
    .orderBy('id')
    .execute();
  return {
    state: fold(snap?.state ?? null, diffs),
    at: at.toISOString(),
    as_of_diff_id: diffPublicId(target.id),
    folded: diffs.length,
  };
}

const PAGE = 5000;

/**
 * Writes snapshots every `every` diffs for one entity, continuing from its latest one.
 * Only diffs older than `lagSeconds` are covered, so a transaction still in flight can
 * never commit a diff underneath a snapshot. Runs as the system role (snapshots are
 * not writable by tenant code).
 */
export async function snapshotEntity(
  tx: Tx,
  tenantId: string,
  ref: EntityRef,
  every: number,
  lagSeconds: number,
): Promise<number> {
  const last = await tx
    .selectFrom('entity_snapshots')
    .select(['diff_id', 'diff_count', 'state'])
    .where('tenant_id', '=', tenantId)
    .where('entity_type', '=', ref.entityType)
    .where('entity_id', '=', ref.entityId)
    .orderBy('diff_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  let state: Json | null = last?.state ?? null;
  let count = last?.diff_count ?? 0;
  let cursor = last?.diff_id ?? 0;
  let written = 0;
  for (;;) {
    const page = await tx
      .selectFrom('diffs')
      .select(['id', 'event', 'value_after'])
      .where('tenant_id', '=', tenantId)
      .where('entity_type', '=', ref.entityType)
      .where('entity_id', '=', ref.entityId)
      .where('id', '>', cursor)
      .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${lagSeconds})`)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    for (const d of page) {
      state = applyDiff(state, d);
      count += 1;
      cursor = d.id;
      if (count % every === 0) {
        await tx
          .insertInto('entity_snapshots')
          .values({ tenant_id: tenantId, entity_type: ref.entityType, entity_id: ref.entityId, diff_id: d.id, diff_count: count, state: JSON.stringify(state) as unknown as Json })
          .onConflict((oc) => oc.doNothing())
          .execute();
        written += 1;
      }
    }
    if (page.length < PAGE) return written;
  }
}
