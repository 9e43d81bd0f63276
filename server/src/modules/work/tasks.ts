// Task commands. A status change to blocked/failed needs a why (the ledger's policy);
// moving a task rewrites only its own rank; each change refreshes the workflow's health.
import { generateKeyBetween } from 'fractional-indexing';
import { sql } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { DiffInput } from '../ledger/index.js';
import { assertActive, assertMember, expectVersion } from './guards.js';
import { refreshHealth, touchWorkflow } from './health-store.js';
import { changes, taskState, taskView, type TaskRow, type TaskView } from './model.js';
import type { Priority, TaskStatus } from './schema.js';
import { loadWorkflow, type WorkDeps } from './workflows.js';

export type TaskFields = {
  name?: string;
  description?: string;
  status?: TaskStatus;
  assignee_id?: string | null;
  due_date?: string | null;
  priority?: Priority;
  tags?: string[];
  position?: number;
};
export type WhyInput = { why?: string; sentiment?: NonNullable<DiffInput['sentiment']> };

async function loadTask(tx: Tx, id: string, lock = false): Promise<TaskRow> {
  let q = tx.selectFrom('tasks').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw errors.notFound('Task');
  return row;
}

/** The rank that puts a task at `position` among the others (0 = first). */
async function rankAt(tx: Tx, workflowId: string, position: number | undefined, excludeId?: string): Promise<string> {
  let q = tx.selectFrom('tasks').select('rank').where('workflow_id', '=', workflowId).orderBy('rank');
  if (excludeId) q = q.where('id', '!=', excludeId);
  const ranks = (await q.execute()).map((r) => r.rank);
  const at = position ?? ranks.length;
  if (at < 0 || at > ranks.length) {
    throw errors.validation([{ path: 'body.position', message: `must be between 0 and ${ranks.length}` }]);
  }
  return generateKeyBetween(ranks[at - 1] ?? null, ranks[at] ?? null);
}

export async function positionOf(tx: Tx, t: TaskRow): Promise<number> {
  const r = await tx.selectFrom('tasks').select(sql<number>`count(*)::int`.as('n')).where('workflow_id', '=', t.workflow_id).where('rank', '<', t.rank).executeTakeFirstOrThrow();
  return r.n;
}

export async function getTask(tx: Tx, id: string, now: Date): Promise<TaskView> {
  const t = await loadTask(tx, id);
  return taskView(t, await positionOf(tx, t), now);
}

export async function createTask(ctx: Ctx, d: WorkDeps, workflowId: string, input: TaskFields & WhyInput & { name: string }): Promise<string> {
  const w = await loadWorkflow(ctx.tx, workflowId, { lock: true });
  assertActive(w);
  await assertMember(ctx, d.identity, input.assignee_id, 'assignee_id');
  const status = input.status ?? 'todo';
  const t = await ctx.tx
    .insertInto('tasks')
    .values({
      id: newId('task'), tenant_id: ctx.tenantId, workflow_id: workflowId, name: input.name, description: input.description ?? '',
      status, assignee_id: input.assignee_id ?? null, due_date: input.due_date ?? null, priority: input.priority ?? 'normal',
      tags: input.tags ?? [], rank: await rankAt(ctx.tx, workflowId, input.position),
      blocked_at: status === 'blocked' ? d.now() : null, completed_at: status === 'done' ? d.now() : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const diff = await d.ledger.record(ctx, {
    namespace: 'flow_os', entityType: 'task', entityId: t.id, event: 'task.created', after: taskState(t),
    why: input.why, sentiment: input.sentiment, scopeId: workflowId,
  });
  await refreshHealth(ctx, d.ledger, workflowId, d.now(), diff.id);
  return t.id;
}

/** Returns the task as it now is (the row the UPDATE returned: no second read). */
export async function updateTask(ctx: Ctx, d: WorkDeps, id: string, input: TaskFields & WhyInput & { version?: number }): Promise<TaskRow> {
  const before = await loadTask(ctx.tx, id, true);
  // Locked and read in one statement: is it archived, and its health before (refreshHealth below).
  const workflow = await touchWorkflow(ctx.tx, before.workflow_id);
  assertActive(workflow);
  expectVersion(before, input.version);
  if (input.assignee_id !== undefined) await assertMember(ctx, d.identity, input.assignee_id, 'assignee_id');
  const { position, why, sentiment, version: _v, ...fields } = input;
  const statusChanged = fields.status !== undefined && fields.status !== before.status;
  const after = await ctx.tx
    .updateTable('tasks')
    .set({
      ...fields,
      ...(position !== undefined ? { rank: await rankAt(ctx.tx, before.workflow_id, position, id) } : {}),
      // Stamped by the module's clock, the one health is judged by (injectable in tests).
      ...(statusChanged ? { blocked_at: fields.status === 'blocked' ? d.now() : null, completed_at: fields.status === 'done' ? d.now() : null } : {}),
      version: sql`version + 1`,
      updated_at: sql`date_trunc('milliseconds', now())`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const diff = await d.ledger.record(ctx, {
    namespace: 'flow_os', entityType: 'task', entityId: id, event: 'task.updated', ...changes(taskState(before), taskState(after)),
    metadata: { workflow_id: before.workflow_id }, why, sentiment, scopeId: before.workflow_id,
  });
  await refreshHealth(ctx, d.ledger, before.workflow_id, d.now(), diff.id, workflow);
  return after;
}

export async function deleteTask(ctx: Ctx, d: WorkDeps, id: string, input: WhyInput & { version?: number }): Promise<void> {
  const before = await loadTask(ctx.tx, id, true);
  assertActive(await loadWorkflow(ctx.tx, before.workflow_id));
  expectVersion(before, input.version);
  await ctx.tx.deleteFrom('tasks').where('id', '=', id).execute();
  const diff = await d.ledger.record(ctx, {
    namespace: 'flow_os', entityType: 'task', entityId: id, event: 'task.deleted', before: taskState(before), after: null,
    why: input.why, sentiment: input.sentiment, scopeId: before.workflow_id,
  });
  await refreshHealth(ctx, d.ledger, before.workflow_id, d.now(), diff.id);
}

/** The critical-change rule of this module: blocked or failed needs a why. */
export const TASK_NEEDS_WHY = (d: { before: unknown; after: unknown }): boolean => {
  const after = d.after as { status?: string } | null;
  const before = d.before as { status?: string } | null;
  return !!after?.status && ['blocked', 'failed'].includes(after.status) && before?.status !== after.status;
};
