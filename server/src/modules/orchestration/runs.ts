// Starting runs and waking them: each in the caller's transaction, with its diff, so a refused
// start leaves no run row and no diff, and a wake (an event, a decision, a child finishing)
// commits with the journal row it completes.
import { sql, type Selectable } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import { compileExpression } from '../../platform/expressions.js';
import { validatorFor } from '../../platform/json-schema.js';
import { newId } from '../../platform/ids.js';
import type { Json } from '../../platform/schema.js';
import type { Ledger } from '../ledger/index.js';
import { definitionSchema, type FlowDefinition } from './definition.js';
import type { OrchestrationTables, RunTrigger } from './schema.js';

export const NS = 'orchestration';
export type RunRow = Selectable<OrchestrationTables['flow_runs']>;
export type FlowRow = Selectable<OrchestrationTables['flows']>;

/** Versions never change: parsed once per process. */
export class Versions {
  readonly #cache = new Map<string, FlowDefinition>();

  /** Without a round trip: the parsed version when this process has read it before. */
  cached(flowId: string, version: string): FlowDefinition | undefined {
    return this.#cache.get(`${flowId}@${version}`);
  }

  async get(tx: Tx, flowId: string, version: string): Promise<FlowDefinition> {
    const k = `${flowId}@${version}`;
    const hit = this.#cache.get(k);
    if (hit) return hit;
    const row = await tx.selectFrom('flow_versions').select('definition').where('flow_id', '=', flowId).where('version', '=', version).executeTakeFirst();
    if (!row) throw errors.notFound('Flow version');
    // Stored definitions were checked when published; parsing again only applies the defaults.
    const def = definitionSchema.parse(row.definition);
    if (this.#cache.size > 5000) this.#cache.clear();
    this.#cache.set(k, def);
    return def;
  }
}

export type StartInput = {
  flow: FlowRow;
  version?: string;
  input: Json;
  trigger: RunTrigger;
  idempotencyKey?: string | null;
  scopes: readonly string[];
  parent?: { runId: string; stepKey: string } | null;
  source?: { runId: string; forkStep: string | null } | null;
  /** Claimed by this process at once (it executes runs), so the start is not a round trip to an executor. */
  leaseOwner?: string | null;
  leaseMs?: number;
};

export type Started = { run: RunRow; created: boolean };

export type StartDeps = { ledger: Pick<Ledger, 'record'>; versions: Versions };

/** Starts a run in the caller's transaction (400 on input that fails the schema, 409 when the flow is not active). */
export async function startRun(d: StartDeps, ctx: Ctx, s: StartInput): Promise<Started> {
  if (s.flow.status !== 'active') {
    throw errors.conflict(s.flow.status === 'paused' ? 'FLOW_PAUSED' : 'FLOW_ARCHIVED', `The flow "${s.flow.key}" is ${s.flow.status}: runs cannot start.`);
  }
  if (s.idempotencyKey) {
    const existing = await ctx.tx.selectFrom('flow_runs').selectAll().where('flow_id', '=', s.flow.id).where('idempotency_key', '=', s.idempotencyKey).executeTakeFirst();
    if (existing) return { run: existing, created: false };
  }
  const version = s.version ?? s.flow.latest_version;
  const def = await d.versions.get(ctx.tx, s.flow.id, version);
  const validate = validatorFor(def.input, 'input');
  if (!validate(s.input)) {
    throw errors.validation((validate.errors ?? []).slice(0, 20).map((e) => ({ path: `body.input${e.instancePath.replaceAll('/', '.')}`, message: e.message ?? 'invalid' })));
  }
  const limited = def.control.concurrency !== undefined || def.control.throttle !== undefined;
  let concurrencyKey: string | null = null;
  if (def.control.concurrency?.key) {
    try {
      const v = compileExpression(def.control.concurrency.key).evaluate({ input: s.input } as Record<string, unknown>);
      concurrencyKey = v === undefined || v === null ? null : String(v).slice(0, 500);
    } catch (err) {
      throw errors.validation([{ path: 'body.input', message: `the concurrency key could not be computed: ${(err as Error).message}` }]);
    }
  }
  const now = new Date();
  const id = newId('run');
  const lease = !limited && s.leaseOwner ? { lease_owner: s.leaseOwner, lease_until: new Date(now.getTime() + (s.leaseMs ?? 4000)) } : {};
  const row = {
    id, tenant_id: ctx.tenantId, flow_id: s.flow.id, version, status: (limited ? 'queued' : 'running') as RunRow['status'],
    input: JSON.stringify(s.input) as unknown as Json, actor_type: ctx.actor.type, actor_id: ctx.actor.id, scopes: [...s.scopes], trigger: s.trigger,
    idempotency_key: s.idempotencyKey ?? null, concurrency_key: concurrencyKey, priority: def.control.priority,
    cause_diff_id: ctx.cause?.diffId ?? null, parent_run_id: s.parent?.runId ?? null, parent_step: s.parent?.stepKey ?? null,
    source_run_id: s.source?.runId ?? null, fork_step: s.source?.forkStep ?? null,
    deadline_at: def.control.timeout_seconds ? new Date(now.getTime() + def.control.timeout_seconds * 1000) : null,
    started_at: limited ? null : now, ...lease,
  };
  // The diff first, so the run row is written once with it (a concurrent start with the same
  // key conflicts on the row below and rolls this transaction back with its diff).
  const diff = await d.ledger.record(ctx, {
    namespace: NS, entityType: 'run', entityId: id, event: 'run.started', scopeId: s.flow.id,
    after: { flow_id: s.flow.id, flow_key: s.flow.key, version, status: row.status, trigger: s.trigger, input: s.input, ...(s.parent && { parent_run_id: s.parent.runId }), ...(s.source && { source_run_id: s.source.runId }) },
    observed: true,
  });
  const inserted = await ctx.tx.insertInto('flow_runs').values({ ...row, started_diff_id: diff.id }).returningAll().executeTakeFirstOrThrow().catch((err: unknown) => {
    if ((err as { code?: string }).code === '23505') throw errors.conflict('IDEMPOTENCY_IN_PROGRESS', 'A start with this idempotency key is running; ask again for its run.');
    throw err;
  });
  return { run: inserted, created: true };
}

/**
 * Completes a waiting step (an event matched, a decision reached, a child finished, a deadline
 * passed) and makes its run claimable again, in the caller's transaction. False when the step
 * was no longer waiting (another wake got there first).
 */
export async function resolveWait(ledger: Pick<Ledger, 'record'>, ctx: Ctx, runId: string, stepKey: string, result: { branch: string | null; output: Json }): Promise<boolean> {
  const row = await ctx.tx.updateTable('flow_steps')
    .set({ status: 'completed', branch: result.branch, output: JSON.stringify(result.output) as unknown as Json, finished_at: new Date(), retry_at: null })
    .where('run_id', '=', runId).where('step_key', '=', stepKey).where('status', '=', 'waiting')
    .returning(['attempt', 'step_type']).executeTakeFirst();
  if (!row) return false;
  await ctx.tx.deleteFrom('flow_waits').where('run_id', '=', runId).where('step_key', '=', stepKey).execute();
  const run = await ctx.tx.updateTable('flow_runs').set((eb) => ({ status: sql`case when status = 'waiting' then 'running' else status end`, wake_at: null, wakes: eb('wakes', '+', 1) }))
    .where('id', '=', runId).returning(['flow_id', 'started_diff_id']).executeTakeFirstOrThrow();
  await ledger.record(ctx, {
    namespace: NS, entityType: 'run', entityId: runId, event: 'step.completed', scopeId: run.flow_id, causationId: run.started_diff_id,
    after: { step: stepKey, type: row.step_type, attempt: row.attempt, status: 'completed', branch: result.branch },
    metadata: { step: stepKey, flow_id: run.flow_id }, observed: true,
  });
  return true;
}

/** The public view of a run. */
export function runView(r: RunRow, flowKey?: string) {
  return {
    id: r.id, flow_id: r.flow_id, ...(flowKey !== undefined && { flow_key: flowKey }), version: r.version, status: r.status,
    input: r.input, output: r.output, error: r.error, trigger: r.trigger,
    actor: { type: r.actor_type, id: r.actor_id }, parent_run_id: r.parent_run_id, source_run_id: r.source_run_id, fork_step: r.fork_step,
    wake_at: r.wake_at?.toISOString() ?? null, created_at: r.created_at.toISOString(),
    started_at: r.started_at?.toISOString() ?? null, finished_at: r.finished_at?.toISOString() ?? null,
  };
}

