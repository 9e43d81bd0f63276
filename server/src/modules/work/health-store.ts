// Reads the tasks that decide health and keeps workflows.health (and its diff) in step.
import { sql, type ExpressionBuilder } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import type { Database } from '../../platform/db/database.js';
import type { Ledger } from '../ledger/index.js';
import { errors } from '../../platform/errors.js';
import type { Health } from './health.js';
import { healthOf, type HealthTask, type HealthVerdict } from './health.js';

export type HealthInputs = Map<string, { tasks: HealthTask[]; done: number; total: number }>;

/** The UTC calendar day of `now`: an open task due on or after it is not overdue at `now` (its due day has not ended). */
export const utcDay = (now: Date): string => now.toISOString().slice(0, 10);

/**
 * The tasks that can make a workflow other than green at `now`: blocked ones, and open ones
 * due before today (UTC). Every other task is green by the rule, so `healthOf` over these
 * equals `healthOf` over all of a workflow's tasks — without reading all of them (a tenant
 * with 10 000 tasks has a few hundred of these). A superset: `healthOf` still judges each one.
 */
export const atRisk = (now: Date) => (eb: ExpressionBuilder<Database, 'tasks'>) =>
  eb.or([eb('status', '=', 'blocked'), eb.and([eb('status', 'in', ['todo', 'in_progress']), eb('due_date', '<', utcDay(now))])]);

/** Done and total task counts per workflow, counted by the database. */
export async function progressOf(tx: Tx, workflowIds: string[]): Promise<Map<string, { done: number; total: number }>> {
  const out = new Map(workflowIds.map((id) => [id, { done: 0, total: 0 }]));
  if (workflowIds.length === 0) return out;
  const rows = await tx
    .selectFrom('tasks')
    .select(['workflow_id', sql<number>`count(*)::int`.as('total'), sql<number>`(count(*) filter (where status = 'done'))::int`.as('done')])
    .where('workflow_id', 'in', workflowIds)
    .groupBy('workflow_id')
    .execute();
  for (const r of rows) out.set(r.workflow_id, { done: r.done, total: r.total });
  return out;
}

/** One query for any number of workflows: the tasks that decide their health at `now` (see `atRisk`). */
export async function healthTasks(tx: Tx, workflowIds: string[], now: Date): Promise<Map<string, HealthTask[]>> {
  const out = new Map<string, HealthTask[]>(workflowIds.map((id) => [id, []]));
  if (workflowIds.length === 0) return out;
  const rows = await tx
    .selectFrom('tasks')
    .select(['workflow_id', 'name', 'status', 'priority', 'due_date', 'blocked_at'])
    .where('workflow_id', 'in', workflowIds)
    .where(atRisk(now))
    .orderBy('due_date')
    .orderBy('rank')
    .execute();
  for (const r of rows) out.get(r.workflow_id)!.push(r);
  return out;
}

/** Two queries for any number of workflows: their progress, and the tasks that decide health at `now`. */
export async function healthInputs(tx: Tx, workflowIds: string[], now: Date): Promise<HealthInputs> {
  const progress = await progressOf(tx, workflowIds);
  const tasks = await healthTasks(tx, workflowIds, now);
  return new Map(workflowIds.map((id) => [id, { tasks: tasks.get(id)!, ...progress.get(id)! }]));
}

/** Recomputes a workflow's health after a change; records `workflow.health_changed` when it moved. */
/**
 * Touches the workflow row: locks it, so concurrent task changes in one workflow judge health
 * one after another (never from a stale "before"), and "last updated" follows task activity.
 * Returns what a task change needs of it (is it archived? its health before).
 */
export async function touchWorkflow(tx: Tx, workflowId: string): Promise<{ health: Health; status: 'active' | 'archived' }> {
  const row = await tx.updateTable('workflows').set({ updated_at: sql`date_trunc('milliseconds', now())` })
    .where('id', '=', workflowId).returning(['health', 'status']).executeTakeFirst();
  if (!row) throw errors.notFound('Workflow');
  return row;
}

/** Re-judges a workflow's health after a change (`touched`: the caller already touched it). */
export async function refreshHealth(ctx: Ctx, ledger: Ledger, workflowId: string, now: Date, causationId: number | null, touched?: { health: Health }): Promise<HealthVerdict> {
  const current = touched ?? (await touchWorkflow(ctx.tx, workflowId));
  const verdict = healthOf((await healthTasks(ctx.tx, [workflowId], now)).get(workflowId)!, now);
  if (current.health !== verdict.status) {
    await ctx.tx.updateTable('workflows').set({ health: verdict.status }).where('id', '=', workflowId).execute();
    await ledger.record(ctx, {
      namespace: 'flow_os', entityType: 'workflow', entityId: workflowId, event: 'workflow.health_changed',
      before: { health: current.health }, after: { health: verdict.status }, metadata: { reasons: verdict.reasons },
      causationId, scopeId: workflowId,
    });
  }
  return verdict;
}
