// `record` is the only way into the `diffs` table. It writes inside the caller's
// transaction, so the diff commits or rolls back with the change it describes.
import { sql } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { WhyPolicy } from './policy.js';
import type { AnnotationRow, DiffRow } from './model.js';

export const DIFF_CHANNEL = 'atrium_diffs';

export type Sentiment = -1 | 0 | 1;

export type DiffInput = {
  namespace: string;
  entityType: string;
  entityId: string;
  event: string;
  before?: Json | null;
  after?: Json | null;
  metadata?: JsonObject;
  why?: string | null;
  sentiment?: Sentiment;
  causationId?: number | null;
  correlationId?: string | null;
  /** The aggregate the entity belongs to (a task's workflow): its history includes this diff. */
  scopeId?: string | null;
  /**
   * The diff records something that already happened outside the ledger's control (an AI
   * model answered and was paid): pre-commit policies (guards, approvals) cannot refuse it —
   * refusing would only lose the record, not undo the fact.
   */
  observed?: boolean;
};

export type RecordedDiff = {
  id: number;
  createdAt: Date;
  /** The diff as stored (after the pre-commit hooks and the cause's causation and metadata), and its why: a view without reading it back. */
  row: DiffRow;
  annotation: AnnotationRow | null;
};

/** What the realtime feed is told after commit: which tenant, which id range. */
export type DiffNotice = { t: string; min: number; max: number };

type Row = { id: number; created_at: Date };

/**
 * Runs inside the writer's transaction before its diffs are inserted (pre-commit policies:
 * the rules module's guards and approvals). It may refuse by throwing — the whole command
 * rolls back — or return the inputs amended (e.g. a causation link).
 */
export type BeforeRecord = (ctx: Ctx, inputs: readonly DiffInput[]) => Promise<readonly DiffInput[]>;

/** `publish` runs after commit: the realtime feed learns of the new ids. */
export function createRecorder(policy: WhyPolicy, publish: (notice: DiffNotice) => void, hooks: readonly BeforeRecord[] = [], events?: { check(d: DiffInput): void }) {
  async function recordBatch(ctx: Ctx, given: readonly DiffInput[]): Promise<RecordedDiff[]> {
    if (given.length === 0) return [];
    const cause = ctx.cause;
    let inputs: readonly DiffInput[] = cause
      ? given.map((d) => ({ ...d, causationId: d.causationId ?? cause.diffId, metadata: { ...cause.metadata, ...d.metadata } }))
      : given;
    for (const hook of hooks) inputs = await hook(ctx, inputs);
    for (const d of inputs) {
      events?.check(d);
      const needsWhy = policy.requiresWhy({
        namespace: d.namespace,
        event: d.event,
        before: d.before ?? null,
        after: d.after ?? null,
      });
      if (needsWhy && !d.why?.trim()) throw errors.whyRequired(d.event);
    }
    const col = <T>(pick: (d: DiffInput) => T) => inputs.map(pick);
    const json = (v: Json | null | undefined) => (v === undefined || v === null ? null : JSON.stringify(v));
    // One statement whatever the batch size: arrays unnested into rows — and for the commonest
    // case, one diff, a plain VALUES insert (the server plans it in a fraction of the unnest's time).
    const one = inputs.length === 1 ? inputs[0]! : null;
    const { rows } = one ? await sql<Row>`
      insert into diffs (tenant_id, namespace, entity_type, entity_id, event, value_before, value_after,
                         metadata, actor_type, actor_id, causation_id, correlation_id, scope_id)
      values (${ctx.tenantId}, ${one.namespace}, ${one.entityType}, ${one.entityId}, ${one.event}, ${json(one.before)}::jsonb,
              ${json(one.after)}::jsonb, coalesce(${json(one.metadata)}::jsonb, '{}'::jsonb), ${ctx.actor.type}, ${ctx.actor.id},
              ${one.causationId ?? null}::bigint, ${one.correlationId ?? ctx.correlationId ?? null}, ${one.scopeId ?? null})
      returning id, created_at`.execute(ctx.tx) : await sql<Row>`
      with inserted as (
        insert into diffs (tenant_id, namespace, entity_type, entity_id, event, value_before, value_after,
                           metadata, actor_type, actor_id, causation_id, correlation_id, scope_id)
        select ${ctx.tenantId}, u.namespace, u.entity_type, u.entity_id, u.event, u.value_before, u.value_after,
               coalesce(u.metadata, '{}'::jsonb), ${ctx.actor.type}, ${ctx.actor.id}, u.causation_id, u.correlation_id, u.scope_id
        from unnest(${col((d) => d.namespace)}::text[], ${col((d) => d.entityType)}::text[],
                    ${col((d) => d.entityId)}::text[], ${col((d) => d.event)}::text[],
                    ${col((d) => json(d.before))}::jsonb[], ${col((d) => json(d.after))}::jsonb[],
                    ${col((d) => json(d.metadata))}::jsonb[], ${col((d) => d.causationId ?? null)}::bigint[],
                    ${col((d) => d.correlationId ?? ctx.correlationId ?? null)}::text[],
                    ${col((d) => d.scopeId ?? null)}::text[])
          with ordinality as u(namespace, entity_type, entity_id, event, value_before, value_after, metadata,
                               causation_id, correlation_id, scope_id, ord)
        order by u.ord
        returning id, created_at
      )
      select id, created_at from inserted order by id`.execute(ctx.tx);
    const notice: DiffNotice = { t: ctx.tenantId, min: rows[0]!.id, max: rows.at(-1)!.id };
    ctx.onCommit(() => publish(notice));

    const annotated = inputs
      .map((d, i) => ({ d, row: rows[i]! }))
      .filter(({ d }) => d.why && d.why.trim().length > 0);
    const annotations = new Map<number, AnnotationRow>();
    if (annotated.length > 0) {
      const written = await ctx.tx
        .insertInto('annotations')
        .values(
          annotated.map(({ d, row }) => ({
            id: newId('ann'),
            tenant_id: ctx.tenantId,
            diff_id: row.id,
            author_type: ctx.actor.type,
            author_id: ctx.actor.id,
            why: d.why!.trim(),
            sentiment: d.sentiment ?? 0,
          })),
        )
        .returning(['id', 'diff_id', 'author_type', 'author_id', 'why', 'sentiment', 'created_at'])
        .execute();
      for (const a of written) annotations.set(Number(a.diff_id), { ...a, diff_id: Number(a.diff_id) });
    }
    // Stored JSON comes back as it was sent (a JSON round trip of the value).
    const stored = (v: Json | null | undefined): Json | null => (v === undefined || v === null ? null : (JSON.parse(JSON.stringify(v)) as Json));
    return rows.map((r, i) => {
      const d = inputs[i]!;
      const row: DiffRow = {
        id: r.id, namespace: d.namespace, entity_type: d.entityType, entity_id: d.entityId, event: d.event,
        value_before: stored(d.before), value_after: stored(d.after), metadata: (stored(d.metadata) ?? {}) as JsonObject,
        actor_type: ctx.actor.type, actor_id: ctx.actor.id, causation_id: d.causationId ?? null,
        correlation_id: d.correlationId ?? ctx.correlationId ?? null, created_at: r.created_at,
      };
      return { id: r.id, createdAt: r.created_at, row, annotation: annotations.get(r.id) ?? null };
    });
  }

  async function record(ctx: Ctx, input: DiffInput): Promise<RecordedDiff> {
    const [recorded] = await recordBatch(ctx, [input]);
    return recorded!;
  }

  return { record, recordBatch };
}

export type Recorder = ReturnType<typeof createRecorder>;
