// HTTP surface of tasks, the dashboard, departments and the CSV export.
import { z } from 'zod';
import { actingAs, inTenant, type Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { STREAMED, type RouteRegistry } from '../../platform/http/route.js';
import type { Identity } from '../identity/index.js';
import { dashboard, departments } from './dashboard.js';
import { exportWorkflowsCsv } from './export.js';
import { versionFromIfMatch } from './guards.js';
import { department, idParam, sentiment, taskFields, taskSchema, why } from './schemas.js';
import { getTask } from './tasks.js';
import type { TaskView } from './model.js';
import { WORK_COMMANDS } from './commands.js';
import type { CommandRegistry } from '../../platform/commands.js';
import { workflowWithTasks, type WorkDeps } from './workflows.js';

/** Sign-ins and sign-outs: in the audit log, not in the Pulse's feed of the business (issue 16, defect 8). */
const NOT_BUSINESS = ['session.created', 'session.revoked'];

export function registerTaskRoutes(r: RouteRegistry, db: Db, d: WorkDeps & { identity: Pick<Identity, 'directory' | 'isMember'>; commands: CommandRegistry }): void {
  const show = (p: Principal, id: string) => db.tenantTx(p.tenantId, (tx) => getTask(tx, id, d.now()));

  r.add({
    method: 'GET', url: '/v1/workflows/:id/tasks', tags: ['work'], scope: 'read', summary: 'Tasks of a workflow in order',
    params: idParam, response: z.array(taskSchema),
    handler: async ({ principal, params }) => ({ data: (await db.tenantTx(principal.tenantId, (tx) => workflowWithTasks(tx, params.id, d.now(), d.ledger))).tasks }),
  });

  r.add({
    method: 'POST', url: '/v1/workflows/:id/tasks', tags: ['work'], scope: 'write', successStatus: 201,
    summary: 'Add a task (at the end, or at `position`)', params: idParam,
    body: z.strictObject({ ...taskFields, ...why }), response: taskSchema,
    handler: async ({ principal, params, body, requestId }) => ({
      data: await d.commands.execute<TaskView>(principal, WORK_COMMANDS.createTask, { workflow_id: params.id, ...body }, { requestId }),
    }),
  });

  r.add({
    method: 'GET', url: '/v1/tasks/:id', tags: ['work'], scope: 'read', summary: 'One task', params: idParam, response: taskSchema,
    handler: async ({ principal, params }) => ({ data: await show(principal, params.id) }),
  });

  r.add({
    method: 'PATCH', url: '/v1/tasks/:id', tags: ['work'], scope: 'write',
    summary: 'Update a task; blocked/failed need a why (422 WHY_REQUIRED); `position` reorders; version or If-Match guards concurrent edits',
    params: idParam,
    body: z.strictObject({ ...taskFields, name: taskFields.name.optional(), version: z.number().int().min(1).optional(), ...why }),
    response: taskSchema,
    handler: async ({ principal, params, body, req, requestId }) => ({
      // The answer is read in the command's own transaction: one round trip set fewer on the hot path.
      data: await d.commands.execute<TaskView>(principal, WORK_COMMANDS.updateTask, { ...body, id: params.id, version: body.version ?? versionFromIfMatch(req.headers['if-match']) }, { requestId }),
    }),
  });

  r.add({
    method: 'DELETE', url: '/v1/tasks/:id', tags: ['work'], scope: 'write', summary: 'Delete a task (recorded in the ledger)', params: idParam,
    query: z.strictObject({ why: z.string().trim().min(1).max(5000).optional() }),
    response: z.object({ deleted: z.literal(true) }),
    handler: async ({ principal, params, query, req, requestId }) => ({
      data: await d.commands.execute<{ deleted: true }>(principal, WORK_COMMANDS.deleteTask, { id: params.id, why: query.why, version: versionFromIfMatch(req.headers['if-match']) }, { requestId }),
    }),
  });

  r.add({
    method: 'POST', url: '/v1/tasks/:id/annotations', tags: ['work'], scope: 'write', successStatus: 201,
    summary: 'Add a why (with sentiment) to the task’s latest change', params: idParam,
    body: z.strictObject({ why: z.string().trim().min(1).max(5000), sentiment: sentiment.optional() }),
    response: z.object({ id: z.string(), diff_id: z.string(), why: z.string(), sentiment: sentiment }).passthrough(),
    handler: async ({ principal, params, body }) => ({
      data: await inTenant(db, actingAs(principal), async (ctx) => {
        await getTask(ctx.tx, params.id, d.now()); // 404 for another tenant's or unknown task
        return d.ledger.annotateLatest(ctx, { entityType: 'task', entityId: params.id }, body);
      }),
    }),
  });

  r.add({
    method: 'GET', url: '/v1/dashboard', tags: ['work'], scope: 'read',
    summary: 'The Pulse: health counts, overdue and blocked tasks, workload per member, recent diffs, annotation count',
    query: z.strictObject({ department: department.optional() }),
    handler: async ({ principal, query }) => ({
      data: await db.tenantTx(principal.tenantId, async (tx) =>
        dashboard(tx, d.now(), {
          directory: await d.identity.directory(tx),
          recentDiffs: (await d.ledger.recent(tx, 20, principal.userId, { exceptEvents: NOT_BUSINESS })).items,
          annotationCount: await d.ledger.annotationCount(tx),
          ledger: d.ledger,
        }, query.department),
      ),
    }),
  });

  r.add({
    method: 'GET', url: '/v1/departments', tags: ['work'], scope: 'read', summary: 'Department canvas: health per department and the handoffs between them',
    handler: async ({ principal }) => ({ data: await db.tenantTx(principal.tenantId, (tx) => departments(tx, d.now())) }),
  });

  r.add({
    method: 'GET', url: '/v1/export/workflows.csv', tags: ['work'], scope: 'read', summary: 'Workflows and their tasks as CSV, streamed',
    produces: ['text/csv'],
    handler: async ({ principal, reply }) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="atrium-workflows.csv"' });
      try {
        await exportWorkflowsCsv(db, principal.tenantId, d.now(), reply.raw);
      } finally {
        reply.raw.end();
      }
      return STREAMED;
    },
  });
}
