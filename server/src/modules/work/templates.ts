// Templates: the built-in library plus each tenant's own (saved from a workflow).
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Json } from '../../platform/schema.js';
import type { Ledger } from '../ledger/index.js';
import { BUILTIN_TEMPLATES, type Template, type TemplateTask } from './templates-builtin.js';

export type { Template, TemplateTask };

const BUILTIN = new Map(BUILTIN_TEMPLATES.map((t) => [t.id, t]));

function tenantTemplate(r: { id: string; name: string; description: string; department: string; version: string; tasks: Json }): Template {
  return { id: r.id, name: r.name, description: r.description, department: r.department, version: r.version, builtin: false, tasks: r.tasks as unknown as TemplateTask[] };
}

/** A built-in template or one of this tenant's (RLS hides other tenants': they are "not found"). */
export async function findTemplate(tx: Tx, id: string): Promise<Template> {
  const builtin = BUILTIN.get(id);
  if (builtin) return builtin;
  const row = await tx.selectFrom('workflow_templates').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('Template');
  return tenantTemplate(row);
}

export async function listTemplates(tx: Tx): Promise<Template[]> {
  const own = await tx.selectFrom('workflow_templates').selectAll().orderBy('name').execute();
  return [...BUILTIN_TEMPLATES, ...own.map(tenantTemplate)];
}

const SEMVER = /^\d+\.\d+\.\d+$/;

/** Saves a workflow's tasks as a template; due dates become offsets from its start date. */
export async function saveAsTemplate(ctx: Ctx, ledger: Ledger, workflowId: string, input: { name?: string; version?: string; why?: string }): Promise<Template> {
  const w = await ctx.tx.selectFrom('workflows').selectAll().where('id', '=', workflowId).executeTakeFirst();
  if (!w) throw errors.notFound('Workflow');
  if (input.version !== undefined && !SEMVER.test(input.version)) throw errors.validation([{ path: 'body.version', message: 'semantic version like 1.0.0' }]);
  const tasks = await ctx.tx.selectFrom('tasks').selectAll().where('workflow_id', '=', workflowId).orderBy('rank').execute();
  const start = Date.parse(`${w.start_date ?? w.created_at.toISOString().slice(0, 10)}T00:00:00Z`);
  const specs: TemplateTask[] = tasks.map((t) => ({
    name: t.name, description: t.description, priority: t.priority, tags: t.tags,
    day: t.due_date ? Math.round((Date.parse(`${t.due_date}T00:00:00Z`) - start) / 86_400_000) : 0,
  }));
  const row = await ctx.tx
    .insertInto('workflow_templates')
    .values({
      id: newId('tpl'), tenant_id: ctx.tenantId, name: input.name ?? w.name, description: w.description, department: w.department,
      version: input.version ?? '1.0.0', tasks: JSON.stringify(specs) as unknown as Json, source_workflow_id: w.id, created_by: ctx.actor.id,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await ledger.record(ctx, {
    namespace: 'flow_os', entityType: 'template', entityId: row.id, event: 'template.created',
    after: { name: row.name, version: row.version, tasks: specs.length, source_workflow_id: w.id }, why: input.why,
  });
  return tenantTemplate(row);
}
