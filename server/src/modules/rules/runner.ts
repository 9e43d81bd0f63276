// The durable job behind every matched action (`rules.act`). A run row is the idempotency key
// (rule + triggering diff + action): the effect and the run's `succeeded` commit together, so a
// retried or duplicated job finds the run done and does nothing.
import type { Logger } from 'pino';
import { inTenant, type Cause, type Ctx } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Jobs } from '../../platform/jobs.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { UrlPolicy } from '../../platform/url-guard.js';
import type { BatchItem, RuleActionDef, RuleEffect } from '../../platform/rule-actions.js';
import { diffPublicId, type Ledger } from '../ledger/index.js';
import { sql } from 'kysely';
import { needsEntity, triggerOf, type EffectDeps, type TriggerDiff } from './actions.js';
import type { StoredAction } from './model.js';
import type { WebhookAction } from './own-actions.js';
import { asJson, cloudEvent, deliver, MAX_WEBHOOK_ATTEMPTS, retryDelaySeconds } from './webhook.js';

export const ACT_QUEUE = 'rules.act';
export type ActJob = { tenantId: string; runId: string };

export type RunnerDeps = EffectDeps & {
  db: Db; jobs: Jobs; log: Logger; secrets: () => SecretBox; urlPolicy: UrlPolicy; webhookBaseDelaySeconds: number;
};

type Loaded = {
  run: { id: string; rule_id: string; action_index: number; status: string; attempts: number };
  rule: { id: string; name: string; enabled: boolean; deleted_at: Date | null; actions: Json[] };
  diff: TriggerDiff;
  why: string | null;
};

const obj = (v: Json | null | undefined): JsonObject | null => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);

async function load(ledger: Pick<Ledger, 'diffsWithWhys'>, tx: Tx, runId: string, lock: boolean): Promise<Loaded | null> {
  let q = tx.selectFrom('rule_runs').select(['id', 'rule_id', 'action_index', 'status', 'attempts', 'diff_id']).where('id', '=', runId);
  if (lock) q = q.forUpdate();
  const run = await q.executeTakeFirst();
  if (!run) return null;
  const rule = await tx.selectFrom('rules').select(['id', 'name', 'enabled', 'deleted_at', 'actions']).where('id', '=', run.rule_id).executeTakeFirstOrThrow();
  const d = (await ledger.diffsWithWhys(tx, [run.diff_id])).get(run.diff_id);
  if (!d) throw new Error(`rule run ${run.id}: its trigger diff ${run.diff_id} is not visible`);
  const { why, ...diff } = d;
  return { run, rule, diff: { ...diff, before: diff.value_before, after: diff.value_after }, why };
}

/** Metadata every effect diff carries: which rule and run, and how deep in a causation chain. */
export function causeOf(l: { diff: TriggerDiff; rule: { id: string } }, runId: string): Cause {
  const depth = typeof l.diff.metadata.chain_depth === 'number' ? l.diff.metadata.chain_depth : 0;
  return { diffId: l.diff.id, metadata: { rule_id: l.rule.id, run_id: runId, chain_depth: depth + 1 } };
}

export function createRunner(d: RunnerDeps) {
  // Never over a success: a commit whose answer was lost (the connection died after COMMIT) looks
  // like a failure to the caller, and marking that run failed would run its effect again.
  const settle = (tx: Tx, runId: string, set: { status: 'succeeded' | 'failed' | 'skipped' | 'queued'; effect?: Json; effect_diff_id?: number | null; error?: string | null; attempts: number; duration_ms: number }) =>
    tx.updateTable('rule_runs').set({
      status: set.status, effect: set.effect === undefined ? null : JSON.stringify(set.effect), effect_diff_id: set.effect_diff_id ?? null,
      error: set.error ?? null, attempts: set.attempts, duration_ms: set.duration_ms, finished_at: set.status === 'queued' ? null : new Date(),
    }).where('id', '=', runId).where('status', '<>', 'succeeded').execute();

  /** A prediction is the rule's own record about the entity: `<entity>.predicted` in namespace rules. */
  const recordPrediction = async (ctx: Ctx, diff: TriggerDiff, p: NonNullable<RuleEffect['prediction']>): Promise<number> => (await d.ledger.record(ctx, {
    namespace: 'rules', entityType: diff.entity_type, entityId: diff.entity_id, event: `${diff.entity_type}.predicted`,
    after: { prediction: p.prediction }, metadata: { evidence: p.evidence, model: p.model },
  })).id;

  const asRule = (tenantId: string, l: Loaded, runId: string) => ({ tenantId, actor: { type: 'rule' as const, id: l.rule.id }, cause: causeOf(l, runId) });

  async function act(job: ActJob): Promise<void> {
    const started = performance.now();
    let attemptsBefore = 0;
    let outbound: { l: Loaded; action: StoredAction & WebhookAction } | null = null;
    try {
      await inTenant(d.db, { tenantId: job.tenantId, actor: { type: 'system', id: 'rules' } }, async (base: Ctx) => {
        const l = await load(d.ledger, base.tx, job.runId, true);
        if (!l || !['queued', 'failed'].includes(l.run.status)) return;
        attemptsBefore = l.run.attempts;
        const attempts = attemptsBefore + 1;
        const action = l.rule.actions[l.run.action_index] as StoredAction | undefined;
        if (!l.rule.enabled || l.rule.deleted_at || !action) {
          await settle(base.tx, l.run.id, { status: 'skipped', error: 'the rule was disabled or deleted before its action ran', attempts, duration_ms: performance.now() - started });
          return;
        }
        // Webhooks call out with no transaction open: this one ends without writing.
        if (action.type === 'webhook') {
          outbound = { l, action: action as StoredAction & WebhookAction };
          return;
        }
        // From here on the work is the rule's, caused by the triggering diff.
        const ctx: Ctx = { ...base, actor: { type: 'rule', id: l.rule.id }, cause: causeOf(l, job.runId) };
        const def = d.actions.get(action.type);
        if (!def.run) throw new Error(`rule action ${action.type} does not run as an effect`);
        const entity = obj((await d.ledger.stateIn(ctx.tx, { entityType: l.diff.entity_type, entityId: l.diff.entity_id }, l.diff.created_at)).state);
        const e = await def.run(ctx, action, triggerOf(d, ctx.tx, l, entity));
        const predicted = e.prediction ? await recordPrediction(ctx, l.diff, e.prediction) : undefined;
        // The effect's diff: the prediction, else the one the action returned, else the first it recorded (every diff of this run carries run_id).
        const effectDiff = predicted ?? (e.diffId !== undefined ? e.diffId : await d.ledger.firstDiffCausedBy(ctx.tx, l.diff.id, { key: 'run_id', value: l.run.id }));
        await settle(ctx.tx, l.run.id, { status: 'succeeded', effect: e.effect, effect_diff_id: effectDiff, attempts, duration_ms: performance.now() - started });
      });
    } catch (err) {
      // The effect rolled back; the failure is recorded (and shown in /v1/rule-runs).
      const message = err instanceof Error ? err.message : String(err);
      await d.db.tenantTx(job.tenantId, (tx) => settle(tx, job.runId, { status: 'failed', error: message.slice(0, 1000), attempts: attemptsBefore + 1, duration_ms: performance.now() - started }));
      // Refusals (validation, guards, missing entities) will not change on retry; other errors may.
      if (!(err instanceof AppError)) throw err;
    }
    const pending = outbound as { l: Loaded; action: StoredAction & WebhookAction } | null;
    if (pending) await webhook(job, pending.l, pending.action, started);
  }

  async function webhook(job: ActJob, peek: Loaded, action: StoredAction & WebhookAction, started: number): Promise<void> {
    const attempt = peek.run.attempts + 1;
    const secret = action.secret_sealed ? d.secrets().open(action.secret_sealed) : '';
    const event = cloudEvent({
      runId: job.runId, ruleId: peek.rule.id, event: peek.diff.event, entityType: peek.diff.entity_type, entityId: peek.diff.entity_id, time: peek.diff.created_at,
      data: {
        diff: { id: diffPublicId(peek.diff.id), namespace: peek.diff.namespace, event: peek.diff.event, before: peek.diff.before, after: peek.diff.after,
          metadata: peek.diff.metadata, actor: { type: peek.diff.actor_type, id: peek.diff.actor_id }, created_at: peek.diff.created_at.toISOString(), why: peek.why },
        rule: { id: peek.rule.id, name: peek.rule.name }, attempt,
      },
    });
    // No transaction is open while the receiver is called.
    const result = await deliver(action.url, secret, event, d.urlPolicy, d.now);
    const retry = !result.ok && attempt < MAX_WEBHOOK_ATTEMPTS;
    const delay = retry ? retryDelaySeconds(attempt, d.webhookBaseDelaySeconds, result.retryAfter) : null;
    await inTenant(d.db, asRule(job.tenantId, peek, job.runId), async (ctx) => {
      const run = await ctx.tx.selectFrom('rule_runs').select(['status']).where('id', '=', job.runId).forUpdate().executeTakeFirstOrThrow();
      if (run.status === 'succeeded') return;
      await ctx.tx.insertInto('webhook_deliveries').values({
        id: newId('whd'), tenant_id: job.tenantId, run_id: job.runId, attempt, url: action.url, status_code: result.statusCode, error: result.error,
        duration_ms: result.durationMs, next_retry_at: delay === null ? null : new Date(Date.now() + delay * 1000),
      }).execute();
      const after = asJson({ url: action.url, status_code: result.statusCode, attempt, error: result.error });
      if (result.ok || !retry) {
        const diff = await d.ledger.record(ctx, { namespace: 'rules', entityType: 'rule_run', entityId: job.runId, event: result.ok ? 'webhook.delivered' : 'webhook.failed', after });
        await settle(ctx.tx, job.runId, { status: result.ok ? 'succeeded' : 'failed', effect: after, effect_diff_id: diff.id, error: result.error, attempts: attempt, duration_ms: performance.now() - started });
      } else {
        await settle(ctx.tx, job.runId, { status: 'queued', effect: after, error: result.error, attempts: attempt, duration_ms: performance.now() - started });
        await d.jobs.enqueue(ctx.tx, ACT_QUEUE, job, { startAfterSeconds: delay! });
      }
    });
  }

  type Job = { id: string; data: ActJob };

  /**
   * A fetched batch of jobs: per tenant, every action that runs in batches (`runMany`: notify) in one
   * transaction — runs locked and read together, each rule's actions of a type handed over at once
   * (notify: one directory read, one INSERT of notifications, one ledger batch), one UPDATE of the
   * runs. Each run is still its own idempotency key: a run not queued/failed is skipped, and the
   * effects commit with the runs' `succeeded`. Other actions, and a tenant's batch that fails as a
   * whole, run one job at a time (`act`); the failures are returned for retry.
   */
  async function actMany(jobs: readonly Job[], guard: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn()): Promise<Map<string, unknown>> {
    const failed = new Map<string, unknown>();
    const byTenant = new Map<string, Job[]>();
    for (const j of jobs) byTenant.set(j.data.tenantId, [...(byTenant.get(j.data.tenantId) ?? []), j]);
    for (const [tenantId, group] of byTenant) {
      let single: Job[];
      try {
        single = await guard(() => batchOfTenant(tenantId, group));
      } catch (err) {
        d.log.warn({ err, tenantId, jobs: group.length }, 'batched rule actions failed; running them one at a time');
        single = group;
      }
      // Webhooks wait on their receivers (no transaction open): side by side. The rest in order.
      const hooks: Job[] = [];
      for (const j of single) {
        if (await isWebhook(j)) hooks.push(j);
        else await guard(() => act(j.data)).catch((err: unknown) => void failed.set(j.id, err));
      }
      await Promise.all(hooks.map((j) => guard(() => act(j.data)).catch((err: unknown) => void failed.set(j.id, err))));
    }
    return failed;
  }

  const webhookRuns = new Set<string>();
  const isWebhook = async (j: Job) => webhookRuns.delete(j.data.runId);

  /** Runs the tenant's batched actions of the batch; returns the jobs left to run one by one. */
  async function batchOfTenant(tenantId: string, group: readonly Job[]): Promise<Job[]> {
    const started = performance.now();
    const single: Job[] = [];
    await inTenant(d.db, { tenantId, actor: { type: 'system', id: 'rules' } }, async (base: Ctx) => {
      const runIds = [...new Set(group.map((j) => j.data.runId))].sort();
      // Locked in id order: batches of two workers never wait on each other in a cycle.
      const runs = await base.tx.selectFrom('rule_runs').select(['id', 'rule_id', 'action_index', 'status', 'attempts', 'diff_id'])
        .where('id', 'in', runIds).orderBy('id').forUpdate().execute();
      const open = runs.filter((r) => r.status === 'queued' || r.status === 'failed');
      if (open.length === 0) return;
      const rules = new Map((await base.tx.selectFrom('rules').select(['id', 'name', 'enabled', 'deleted_at', 'actions'])
        .where('id', 'in', [...new Set(open.map((r) => r.rule_id))]).execute()).map((r) => [r.id, r]));
      const diffIds = [...new Set(open.map((r) => r.diff_id))];
      const found = await d.ledger.diffsWithWhys(base.tx, diffIds);
      const diffs = new Map([...found].map(([id, { why: _w, ...x }]) => [id, { ...x, before: x.value_before, after: x.value_after } as TriggerDiff]));
      const whys = new Map([...found].filter(([, x]) => x.why !== null).map(([id, x]) => [id, x.why!]));

      const settles: Settle[] = [];
      /** Per rule and action type: the rule is the actor of its effects, one call per group. */
      const batches = new Map<string, { ruleId: string; def: RuleActionDef; items: { run: (typeof open)[number]; l: Loaded; action: StoredAction }[] }>();
      const jobsOf = (runId: string) => group.filter((j) => j.data.runId === runId);
      for (const run of open) {
        const rule = rules.get(run.rule_id);
        const diff = diffs.get(run.diff_id);
        const action = rule?.actions[run.action_index] as StoredAction | undefined;
        const def = action && d.actions.find(action.type);
        if (!rule || !diff) {
          single.push(...jobsOf(run.id));
        } else if (!rule.enabled || rule.deleted_at || !action) {
          settles.push({ id: run.id, status: 'skipped', effect: null, effect_diff_id: null, error: 'the rule was disabled or deleted before its action ran', attempts: run.attempts + 1 });
        } else if (def?.runMany) {
          const key = `${rule.id}\u0000${action.type}`;
          const batch = batches.get(key) ?? { ruleId: rule.id, def, items: [] };
          batch.items.push({ run, l: { run, rule, diff, why: whys.get(diff.id) ?? null }, action });
          batches.set(key, batch);
        } else {
          if (action.type === 'webhook') webhookRuns.add(run.id);
          single.push(...jobsOf(run.id));
        }
      }
      for (const { ruleId, def, items } of batches.values()) {
        const ctx: Ctx = { ...base, actor: { type: 'rule', id: ruleId } };
        const entities = new Map<number, JsonObject | null>();
        const prepared: BatchItem<StoredAction>[] = [];
        for (const { run, l, action } of items) {
          let entity: JsonObject | null = null;
          if (needsEntity(def, action, l.diff)) {
            if (!entities.has(l.diff.id)) entities.set(l.diff.id, obj((await d.ledger.stateIn(ctx.tx, { entityType: l.diff.entity_type, entityId: l.diff.entity_id }, l.diff.created_at)).state));
            entity = entities.get(l.diff.id)!;
          }
          prepared.push({ action, t: triggerOf(d, ctx.tx, l, entity), cause: causeOf(l, run.id) });
        }
        const effects = await def.runMany!(ctx, prepared);
        items.forEach(({ run }, i) => settles.push({
          id: run.id, status: 'succeeded', effect: effects[i]!.effect, effect_diff_id: effects[i]!.diffId ?? null, error: null, attempts: run.attempts + 1,
        }));
      }
      if (settles.length > 0) await settleMany(base.tx, settles, (performance.now() - started) / Math.max(1, open.length));
    });
    return single;
  }

  return { act, actMany };
}

type Settle = { id: string; status: 'succeeded' | 'skipped'; effect: Json | null; effect_diff_id: number | null; error: string | null; attempts: number };

/** Many runs settled in one statement (duration: the batch's time per run). */
async function settleMany(tx: Tx, rows: readonly Settle[], durationMs: number): Promise<void> {
  await sql`
    update rule_runs r set status = u.status, effect = u.effect, effect_diff_id = u.effect_diff_id, error = u.error,
           attempts = u.attempts, duration_ms = ${durationMs}, finished_at = now()
    from unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.status)}::text[],
                ${rows.map((r) => (r.effect === null ? null : JSON.stringify(r.effect)))}::jsonb[],
                ${rows.map((r) => r.effect_diff_id)}::bigint[], ${rows.map((r) => r.error)}::text[], ${rows.map((r) => r.attempts)}::int[])
         as u(id, status, effect, effect_diff_id, error, attempts)
    where r.id = u.id`.execute(tx);
}

