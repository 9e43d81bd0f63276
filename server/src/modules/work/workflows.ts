// Workflow commands and queries. Every change: row + diff (namespace flow_os) in one transaction.
import { generateNKeysBetween } from 'fractional-indexing';
import { sql } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JsonObject } from '../../platform/schema.js';
import type { Identity } from '../identity/index.js';
import type { Ledger } from '../ledger/index.js';
import { healthOf, type Health } from './health.js';
import { healthInputs, refreshHealth } from './health-store.js';
import { assertActive, assertMember, expectVersion } from './guards.js';
import { withBlockedWhys } from './blocked-whys.js';
import { changes, taskState, taskView, workflowState, workflowView, type TaskRow, type WorkflowRow, type WorkflowView } from './model.js';
import { findTemplate, type TemplateTask } from './templates.js';

export type WorkDeps = { ledger: Ledger; identity: Pick<Identity, 'isMember'>; now: () => Date };

export type NewWorkflow = {
  name?: string;
  description?: string;
  department?: string;
  owner_id?: string | null;
  template_id?: string;
  start_date?: string;
  settings?: JsonObject;
  started_from?: string;
  why?: string;
};

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export async function loadWorkflow(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<WorkflowRow> {
  let q = tx.selectFrom('workflows').selectAll().where('id', '=', id);
  if (opts.lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw errors.notFound('Workflow');
  return row;
}

async function tasksOf(tx: Tx, workflowId: string): Promise<TaskRow[]> {
  return tx.selectFrom('tasks').selectAll().where('workflow_id', '=', workflowId).orderBy('rank').execute();
}

export async function workflowWithTasks(tx: Tx, id: string, now: Date, ledger: Pick<Ledger, 'whysOfLatest'>): Promise<WorkflowView> {
  const w = await loadWorkflow(tx, id);
  const tasks = await tasksOf(tx, id);
  const done = tasks.filter((t) => t.status === 'done').length;
  const views = await withBlockedWhys(tx, ledger, tasks.map((t, i) => taskView(t, i, now)));
  return workflowView(w, healthOf(tasks, now), { done, total: tasks.length }, views);
}

/** Inserts tasks in order with fresh ranks and records one `task.created` diff each. */
async function insertTasks(ctx: Ctx, d: WorkDeps, workflowId: string, specs: Array<Omit<TaskRow, 'id' | 'tenant_id' | 'workflow_id' | 'rank' | 'created_at' | 'updated_at' | 'version' | 'blocked_at' | 'completed_at'>>, causationId: number | null): Promise<void> {
  if (specs.length === 0) return;
  const ranks = generateNKeysBetween(null, null, specs.length);
  const rows = await ctx.tx
    .insertInto('tasks')
    .values(specs.map((s, i) => ({ ...s, id: newId('task'), tenant_id: ctx.tenantId, workflow_id: workflowId, rank: ranks[i]!, blocked_at: null, completed_at: null })))
    .returningAll()
    .execute();
  await d.ledger.recordBatch(ctx, rows.map((t) => ({ namespace: 'flow_os', entityType: 'task', entityId: t.id, event: 'task.created', after: taskState(t), causationId, scopeId: workflowId })));
}

function fromTemplate(tasks: TemplateTask[], start: string) {
  return tasks.map((t) => ({ name: t.name, description: t.description, status: 'todo' as const, assignee_id: null, due_date: addDays(start, t.day), priority: t.priority, tags: t.tags ?? [] }));
}

export async function createWorkflow(ctx: Ctx, d: WorkDeps, input: NewWorkflow): Promise<string> {
  const template = input.template_id ? await findTemplate(ctx.tx, input.template_id) : null;
  if (!template && !input.name) throw errors.validation([{ path: 'body.name', message: 'required unless template_id is given' }]);
  await assertMember(ctx, d.identity, input.owner_id, 'owner_id');
  if (input.started_from) await loadWorkflow(ctx.tx, input.started_from).catch(() => {
    throw errors.validation([{ path: 'body.started_from', message: 'no such workflow in this workspace' }]);
  });
  const start = input.start_date ?? d.now().toISOString().slice(0, 10);
  const w = await ctx.tx
    .insertInto('workflows')
    .values({
      id: newId('wf'), tenant_id: ctx.tenantId, name: input.name ?? template!.name, description: input.description ?? template?.description ?? '',
      department: input.department ?? template?.department ?? 'ops', owner_id: input.owner_id ?? (ctx.actor.type === 'user' ? ctx.actor.id : null),
      template_id: template?.id ?? null, template_version: template?.version ?? null, cloned_from: null, started_from: input.started_from ?? null,
      settings: JSON.stringify(input.settings ?? {}) as unknown as JsonObject, start_date: start, archived_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const created = await d.ledger.record(ctx, {
    namespace: 'flow_os', entityType: 'workflow', entityId: w.id, event: 'workflow.created', after: workflowState(w),
    metadata: template ? { template_id: template.id, template_version: template.version } : {}, why: input.why, scopeId: w.id,
  });
  if (template) {
    await insertTasks(ctx, d, w.id, fromTemplate(template.tasks, start), created.id);
    await refreshHealth(ctx, d.ledger, w.id, d.now(), created.id);
  }
  return w.id;
}

export type WorkflowPatch = { name?: string; description?: string; department?: string; owner_id?: string | null; settings?: JsonObject; start_date?: string | null; version?: number; why?: string };

export async function updateWorkflow(ctx: Ctx, d: WorkDeps, id: string, patch: WorkflowPatch): Promise<void> {
  const before = await loadWorkflow(ctx.tx, id, { lock: true });
  assertActive(before);
  expectVersion(before, patch.version);
  if (patch.owner_id !== undefined) await assertMember(ctx, d.identity, patch.owner_id, 'owner_id');
  const { version: _v, why, ...fields } = patch;
  const set = { ...fields, ...(fields.settings ? { settings: JSON.stringify(fields.settings) as unknown as JsonObject } : {}) };
  const after = await ctx.tx
    .updateTable('workflows')
    .set({ ...set, version: sql`version + 1`, updated_at: sql`date_trunc('milliseconds', now())` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const diff = changes(workflowState(before), workflowState(after));
  await d.ledger.record(ctx, { namespace: 'flow_os', entityType: 'workflow', entityId: id, event: 'workflow.updated', ...diff, why, scopeId: id });
}

export async function setArchived(ctx: Ctx, d: WorkDeps, id: string, archived: boolean, why: string | undefined, version?: number): Promise<void> {
  const before = await loadWorkflow(ctx.tx, id, { lock: true });
  expectVersion(before, version);
  if ((before.status === 'archived') === archived) throw errors.conflict(archived ? 'ARCHIVED' : 'NOT_ARCHIVED', archived ? 'Already archived.' : 'This workflow is not archived.');
  const after = await ctx.tx
    .updateTable('workflows')
    .set({ status: archived ? 'archived' : 'active', archived_at: archived ? sql`now()` : null, version: sql`version + 1`, updated_at: sql`date_trunc('milliseconds', now())` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await d.ledger.record(ctx, {
    namespace: 'flow_os', entityType: 'workflow', entityId: id, event: archived ? 'workflow.archived' : 'workflow.restored',
    ...changes(workflowState(before), workflowState(after)), why, scopeId: id,
  });
}

/** Copies the workflow with its tasks (fresh statuses) and settings; archived sources may be cloned. */
export async function cloneWorkflow(ctx: Ctx, d: WorkDeps, id: string, input: { name?: string; start_date?: string; why?: string }): Promise<string> {
  const source = await loadWorkflow(ctx.tx, id);
  const tasks = await tasksOf(ctx.tx, id);
  const shift = input.start_date && source.start_date ? Math.round((Date.parse(input.start_date) - Date.parse(source.start_date)) / 86_400_000) : 0;
  const w = await ctx.tx
    .insertInto('workflows')
    .values({
      id: newId('wf'), tenant_id: ctx.tenantId, name: input.name ?? `${source.name} (copy)`, description: source.description, department: source.department,
      owner_id: ctx.actor.type === 'user' ? ctx.actor.id : source.owner_id, template_id: source.template_id, template_version: source.template_version,
      cloned_from: source.id, started_from: null, settings: JSON.stringify(source.settings) as unknown as JsonObject,
      start_date: input.start_date ?? source.start_date, archived_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const created = await d.ledger.record(ctx, {
    namespace: 'flow_os', entityType: 'workflow', entityId: w.id, event: 'workflow.created', after: workflowState(w),
    metadata: { cloned_from: source.id }, why: input.why, scopeId: w.id,
  });
  await insertTasks(ctx, d, w.id, tasks.map((t) => ({
    name: t.name, description: t.description, status: 'todo' as const, assignee_id: t.assignee_id, priority: t.priority, tags: t.tags,
    due_date: t.due_date && shift ? addDays(t.due_date, shift) : t.due_date,
  })), created.id);
  await refreshHealth(ctx, d.ledger, w.id, d.now(), created.id);
  return w.id;
}

export type WorkflowFilters = { status?: 'active' | 'archived'; health?: Health; owner_id?: string; department?: string; sort: 'updated_at' | 'status' | 'owner' | 'name'; order: 'asc' | 'desc' };

/** Health is computed live (time alone can turn a workflow red), so it filters after loading. */
export async function listWorkflows(tx: Tx, f: WorkflowFilters, now: Date): Promise<WorkflowView[]> {
  let q = tx.selectFrom('workflows').selectAll();
  if (f.status) q = q.where('status', '=', f.status);
  if (f.owner_id) q = q.where('owner_id', '=', f.owner_id);
  if (f.department) q = q.where('department', '=', f.department);
  const column = f.sort === 'owner' ? 'owner_id' : f.sort;
  const rows = await q.orderBy(column, f.order).orderBy('id').limit(2000).execute();
  const inputs = await healthInputs(tx, rows.map((r) => r.id), now);
  const views = rows.map((w) => {
    const i = inputs.get(w.id)!;
    return workflowView(w, healthOf(i.tasks, now), { done: i.done, total: i.total });
  });
  return f.health ? views.filter((v) => v.health.status === f.health) : views;
}
