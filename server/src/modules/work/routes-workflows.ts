// HTTP surface of workflows and templates (contract: shared/design/API.md).
import { z } from 'zod';
import { actingAs, inTenant, type Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import { diffSchema } from '../ledger/index.js';
import { versionFromIfMatch } from './guards.js';
import { listTemplates, findTemplate, type Template } from './templates.js';
import { newWorkflowInput, workflowPatchInput, WORK_COMMANDS } from './commands.js';
import type { CommandRegistry } from '../../platform/commands.js';
import type { WorkflowView } from './model.js';
import { calendarDate, department, health, idParam, templateSchema, why, workflowSchema } from './schemas.js';
import { listWorkflows, workflowWithTasks, type WorkDeps } from './workflows.js';

const limit = z.coerce.number().int().min(1).max(200).default(50);
const offsetCursor = z.string().regex(/^\d{1,6}$/, 'a cursor from meta.next_cursor').optional();
const settings = z.record(z.string(), z.json());
const version = z.number().int().min(1).optional();

export function registerWorkflowRoutes(r: RouteRegistry, db: Db, d: WorkDeps & { commands: CommandRegistry }): void {
  const show = (p: Principal, id: string) => db.tenantTx(p.tenantId, (tx) => workflowWithTasks(tx, id, d.now(), d.ledger));

  r.add({
    method: 'GET', url: '/v1/workflows', tags: ['work'], scope: 'read', summary: 'Workflows with health and progress; filters and sort',
    query: z.strictObject({
      status: z.enum(['active', 'archived']).optional(), health: health.optional(), owner_id: z.string().max(100).optional(),
      department: department.optional(), namespace: department.optional(),
      sort: z.enum(['updated_at', 'status', 'owner', 'name']).default('updated_at'), order: z.enum(['asc', 'desc']).default('desc'),
      limit, cursor: offsetCursor,
    }),
    response: z.array(workflowSchema),
    handler: async ({ principal, query: { limit: n, cursor, namespace, department: dept, ...f } }) => {
      const all = await db.tenantTx(principal.tenantId, (tx) => listWorkflows(tx, { ...f, department: dept ?? namespace }, d.now()));
      const from = Number(cursor ?? 0);
      const page = all.slice(from, from + n);
      return { data: page, meta: from + n < all.length ? { next_cursor: String(from + n), total: all.length } : { total: all.length } };
    },
  });

  r.add({
    method: 'POST', url: '/v1/workflows', tags: ['work'], scope: 'write', successStatus: 201,
    summary: 'Create a workflow, blank or from a template (due dates computed from start_date)',
    body: newWorkflowInput,
    response: workflowSchema,
    handler: async ({ principal, body, requestId }) => ({ data: await d.commands.execute<WorkflowView>(principal, WORK_COMMANDS.createWorkflow, body, { requestId }) }),
  });

  r.add({
    method: 'GET', url: '/v1/workflows/:id', tags: ['work'], scope: 'read', summary: 'A workflow with its tasks, health and progress',
    params: idParam, response: workflowSchema,
    handler: async ({ principal, params }) => ({ data: await show(principal, params.id) }),
  });

  r.add({
    method: 'PATCH', url: '/v1/workflows/:id', tags: ['work'], scope: 'write', summary: 'Update a workflow (version or If-Match for optimistic concurrency)',
    params: idParam,
    body: workflowPatchInput,
    response: workflowSchema,
    handler: async ({ principal, params, body, req, requestId }) => ({
      data: await d.commands.execute<WorkflowView>(principal, WORK_COMMANDS.updateWorkflow, { ...body, id: params.id, version: body.version ?? versionFromIfMatch(req.headers['if-match']) }, { requestId }),
    }),
  });

  r.add({
    method: 'DELETE', url: '/v1/workflows/:id', tags: ['work'], scope: 'write', summary: 'Archive a workflow (soft; a why is required)',
    params: idParam, query: z.strictObject({ why: z.string().trim().min(1).max(5000).optional() }),
    body: z.strictObject({ why: z.string().trim().min(1).max(5000).optional(), version }).optional(),
    response: workflowSchema,
    handler: async ({ principal, params, query, body, req, requestId }) => ({
      data: await d.commands.execute<WorkflowView>(principal, WORK_COMMANDS.archiveWorkflow, { id: params.id, why: body?.why ?? query.why, version: body?.version ?? versionFromIfMatch(req.headers['if-match']) }, { requestId }),
    }),
  });

  r.add({
    method: 'POST', url: '/v1/workflows/:id/restore', tags: ['work'], scope: 'write', summary: 'Restore an archived workflow',
    params: idParam, body: z.strictObject({ ...why }).optional(), response: workflowSchema,
    handler: async ({ principal, params, body, requestId }) => ({
      data: await d.commands.execute<WorkflowView>(principal, WORK_COMMANDS.restoreWorkflow, { ...body, id: params.id }, { requestId }),
    }),
  });

  r.add({
    method: 'POST', url: '/v1/workflows/:id/clone', tags: ['work'], scope: 'write', successStatus: 201,
    summary: 'Copy a workflow with its tasks and settings (archived workflows can be cloned)',
    params: idParam, body: z.strictObject({ name: z.string().trim().min(1).max(200).optional(), start_date: calendarDate.optional(), ...why }).optional(),
    response: workflowSchema,
    handler: async ({ principal, params, body, requestId }) => ({
      data: await d.commands.execute<WorkflowView>(principal, WORK_COMMANDS.cloneWorkflow, { ...body, id: params.id }, { requestId }),
    }),
  });

  r.add({
    method: 'GET', url: '/v1/workflows/:id/versions', tags: ['work'], scope: 'read',
    summary: 'Version history from the ledger: every change to the workflow and its tasks (who, what, when, why)',
    params: idParam, query: z.strictObject({ limit, cursor: z.string().max(500).optional() }), response: z.array(diffSchema),
    handler: async ({ principal, params, query }) => {
      const page = await db.tenantTx(principal.tenantId, async (tx) => {
        await tx.selectFrom('workflows').select('id').where('id', '=', params.id).executeTakeFirst().then((w) => {
          if (!w) throw errors.notFound('Workflow');
        });
        return d.ledger.scopeHistory(tx, params.id, query.limit, principal.userId, query.cursor);
      });
      return { data: page.items, meta: page.nextCursor ? { next_cursor: page.nextCursor } : {} };
    },
  });

  r.add({
    method: 'POST', url: '/v1/workflows/:id/save-as-template', tags: ['work'], scope: 'write', successStatus: 201,
    summary: 'Save a workflow as this workspace’s own template', params: idParam,
    body: z.strictObject({ name: z.string().trim().min(1).max(200).optional(), version: z.string().max(20).optional(), ...why }).optional(),
    response: templateSchema,
    handler: async ({ principal, params, body, requestId }) => ({
      data: await d.commands.execute<Template>(principal, WORK_COMMANDS.saveAsTemplate, { ...body, id: params.id }, { requestId }),
    }),
  });

  r.add({
    method: 'GET', url: '/v1/templates', tags: ['work'], scope: 'read', summary: 'Built-in and workspace templates with their tasks',
    response: z.array(templateSchema),
    handler: async ({ principal }) => ({ data: await db.tenantTx(principal.tenantId, (tx) => listTemplates(tx)) }),
  });

  r.add({
    method: 'GET', url: '/v1/templates/:id', tags: ['work'], scope: 'read', summary: 'One template', params: idParam, response: templateSchema,
    handler: async ({ principal, params }) => ({ data: await db.tenantTx(principal.tenantId, (tx) => findTemplate(tx, params.id)) }),
  });
}
