// What starts and wakes runs from outside: committed diffs (event waits, event triggers) through
// the ledger's durable subscription `orchestration`, schedules (cron with a time zone), and the
// retention sweep that prunes old journals.
import { sql } from 'kysely';
import { compileCondition, type Condition, type Predicate } from '../../platform/conditions.js';
import { SYSTEM_ACTOR, type Ctx } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { setBounded } from '../../platform/bounded-map.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { CommittedDiff, Delivery, Ledger } from '../ledger/index.js';
import { render } from './steps.js';
import { nextFire } from './definition.js';
import { NS, resolveWait, startRun, type StartDeps } from './runs.js';

const predicates = new Map<string, Predicate>();
function predicateOf(filter: unknown): Predicate {
  if (!filter) return () => true;
  const k = JSON.stringify(filter);
  let p = predicates.get(k);
  if (!p) { p = compileCondition(filter as Condition); setBounded(predicates, k, p, 2000); }
  return p;
}

const factsOf = (d: CommittedDiff) => ({ before: d.value_before, after: d.value_after, metadata: d.metadata as Json, actor: { type: d.actor_type, id: d.actor_id } });

type EventSpec = { namespace?: string; event?: string; entity_id?: string; filter?: unknown; input?: Record<string, unknown> };
const matches = (s: { namespace: string | null | undefined; event: string | null | undefined; entity_id: string | null | undefined; filter: unknown }, d: CommittedDiff) =>
  (!s.namespace || s.namespace === d.namespace) && (!s.event || s.event === d.event) && (!s.entity_id || s.entity_id === d.entity_id) && predicateOf(s.filter)(factsOf(d));

/** The diff as a flow sees it (`trigger` in templates of an event-started run). */
const diffFacts = (d: CommittedDiff): JsonObject => ({ id: d.id, namespace: d.namespace, event: d.event, entity_type: d.entity_type, entity_id: d.entity_id, before: d.value_before, after: d.value_after, actor: { type: d.actor_type, id: d.actor_id } });

export type TriggerDeps = StartDeps & { db: Db; ledger: Pick<Ledger, 'record'>; announce: () => void };

/** The subscription handler: wakes waiting runs and starts event-triggered ones, in the cursor's transaction. */
export function onDiffs(d: TriggerDeps) {
  return async (diffs: readonly CommittedDiff[], delivery: Delivery): Promise<void> => {
    // A run's own step bookkeeping never wakes or starts runs (no loops through the engine itself).
    const relevant = diffs.filter((x) => !(x.namespace === NS && x.event.startsWith('step.')));
    if (relevant.length === 0) return;
    const tenants = [...new Set(relevant.map((x) => x.tenant_id))];
    // One round trip for both: what waits on events, and what event triggers start.
    const interest = await sql<{ what: 'wait' | 'trigger'; tenant_id: string; ref: string; key: string; namespace: string | null; event: string | null; entity_id: string | null; spec: unknown }>`
      select 'wait' as what, w.tenant_id, w.run_id as ref, w.step_key as key, w.namespace, w.event, w.entity_id, w.spec
        from flow_waits w where w.kind = 'event' and w.tenant_id = any(${tenants}::text[])
      union all
      select 'trigger', t.tenant_id, t.flow_id, t.idx::text, null, null, null, t.spec
        from flow_triggers t join flows f on f.id = t.flow_id
        where t.kind = 'event' and t.tenant_id = any(${tenants}::text[]) and f.status = 'active'`.execute(delivery.tx);
    const waits = interest.rows.filter((r) => r.what === 'wait').map((r) => ({ tenant_id: r.tenant_id, run_id: r.ref, step_key: r.key, namespace: r.namespace, event: r.event, entity_id: r.entity_id, spec: r.spec }));
    const triggers = interest.rows.filter((r) => r.what === 'trigger').map((r) => ({ tenant_id: r.tenant_id, flow_id: r.ref, idx: Number(r.key), spec: r.spec }));
    if (waits.length === 0 && triggers.length === 0) return;
    let woke = false;
    for (const diff of relevant) {
      const ctx: Ctx = { tenantId: diff.tenant_id, actor: SYSTEM_ACTOR, tx: delivery.tx, onCommit: delivery.onCommit, cause: { diffId: diff.id, metadata: {} } };
      for (const w of waits) {
        if (w.tenant_id !== diff.tenant_id) continue;
        const spec = w.spec as { filter?: unknown; task?: boolean; held?: boolean };
        if (!matches({ namespace: w.namespace, event: w.event, entity_id: w.entity_id, filter: spec.filter }, diff)) continue;
        const after = (diff.value_after ?? {}) as JsonObject;
        const result = spec.task
          ? { branch: after['status'] === 'done' ? 'done' : 'failed', output: { task_id: diff.entity_id, status: after['status'] ?? null } }
          : spec.held
            ? { branch: after['status'] === 'approved' ? null : 'rejected', output: { approval_id: diff.entity_id, status: after['status'] ?? null } }
            : { branch: 'event', output: diffFacts(diff) };
        if (await resolveWait(d.ledger, ctx, w.run_id, w.step_key, result as { branch: string; output: Json })) woke = true;
      }
      for (const t of triggers) {
        if (t.tenant_id !== diff.tenant_id) continue;
        const spec = t.spec as EventSpec;
        if (!matches({ namespace: spec.namespace, event: spec.event, entity_id: spec.entity_id, filter: spec.filter }, diff)) continue;
        const flow = await delivery.tx.selectFrom('flows').selectAll().where('id', '=', t.flow_id).executeTakeFirstOrThrow();
        const input = render(spec.input ?? {}, { input: null, steps: {}, run: null, trigger: diffFacts(diff) });
        const started = await startRun(d, { ...ctx, actor: { type: 'system', id: `flow:${flow.key}` } }, {
          flow, input, trigger: 'event', idempotencyKey: `event:${diff.id}:${t.idx}`, scopes: ['write'],
        }).catch((err: unknown) => ({ error: err }));
        if ('run' in started && started.created) woke = true;
      }
    }
    if (woke) delivery.onCommit(d.announce);
  };
}

/** Starts the runs of schedules that are due (each fire at most once: its idempotency key). */
export async function fireSchedules(d: TriggerDeps, now: Date): Promise<number> {
  // system: schedules of every tenant; each run starts in its own tenant's rows below.
  return d.db.systemTx(async (tx) => {
    const due = await sql<{ tenant_id: string; flow_id: string; idx: number; spec: { cron: string; timezone: string; input: Record<string, unknown> }; next_at: Date }>`
      select t.tenant_id, t.flow_id, t.idx, t.spec, t.next_at from flow_triggers t join flows f on f.id = t.flow_id
      where t.kind = 'schedule' and t.next_at <= ${now} and f.status = 'active'
      order by t.next_at limit 100 for update of t skip locked`.execute(tx);
    let started = 0;
    for (const s of due.rows) {
      const flow = await tx.selectFrom('flows').selectAll().where('id', '=', s.flow_id).executeTakeFirstOrThrow();
      const ctx: Ctx = { tenantId: s.tenant_id, actor: { type: 'system', id: `flow:${flow.key}` }, tx, onCommit: () => undefined };
      const fire = new Date(s.next_at);
      const r = await startRun(d, ctx, { flow, input: s.spec.input as Json, trigger: 'schedule', idempotencyKey: `schedule:${s.idx}:${fire.toISOString()}`, scopes: ['write'] }).catch(() => null);
      if (r?.created) started += 1;
      // Missed fires (the process was down) are not all run late: the next is after now.
      await tx.updateTable('flow_triggers').set({ next_at: nextFire(s.spec.cron, s.spec.timezone, now > fire ? now : fire) }).where('flow_id', '=', s.flow_id).where('idx', '=', s.idx).execute();
    }
    return started;
  });
}

/**
 * Prunes the journals of finished runs older than each tenant's retention (days), or beyond its
 * last N runs per flow. The run rows and their diffs stay (the ledger keeps the history).
 */
export async function pruneJournals(db: Db, now: Date): Promise<number> {
  // system: a sweep over every tenant's finished runs, by each tenant's own settings.
  return db.systemTx(async (tx) => {
    const byAge = await sql<{ id: string }>`
      update flow_runs r set pruned_at = ${now}
      where r.pruned_at is null and r.finished_at is not null
        and r.finished_at < ${now}::timestamptz - make_interval(days => coalesce((select s.retention_days from flow_settings s where s.tenant_id = r.tenant_id), 30))
      returning r.id`.execute(tx);
    const byCount = await sql<{ id: string }>`
      with ranked as (
        select r.id, row_number() over (partition by r.flow_id order by r.created_at desc) as n, s.keep_runs
        from flow_runs r join flow_settings s on s.tenant_id = r.tenant_id
        where s.keep_runs is not null and r.finished_at is not null and r.pruned_at is null)
      update flow_runs r set pruned_at = ${now} from ranked where ranked.id = r.id and ranked.n > ranked.keep_runs
      returning r.id`.execute(tx);
    const ids = [...byAge.rows, ...byCount.rows].map((r) => r.id);
    if (ids.length === 0) return 0;
    await tx.deleteFrom('flow_steps').where('run_id', 'in', ids).execute();
    return ids.length;
  });
}
