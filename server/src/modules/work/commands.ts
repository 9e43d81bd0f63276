// Flow OS's commands: what routes, rule actions, flow steps and agent tools do to workflows and
// tasks. Each runs in the caller's transaction and returns the resource as the API shows it, so
// a change held for approval is held as one of these and approving runs it again.
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import { assigneeRecord, finishedWorkflows } from './history.js';
import { calendarDate, department, taskFields, why } from './schemas.js';
import { createTask, deleteTask, getTask, positionOf, updateTask } from './tasks.js';
import { taskView } from './model.js';
import { findTemplate, saveAsTemplate } from './templates.js';
import { cloneWorkflow, createWorkflow, loadWorkflow, setArchived, updateWorkflow, workflowWithTasks, type WorkDeps } from './workflows.js';

const id = z.string().min(1).max(100);
const version = z.number().int().min(1).optional();
const settings = z.record(z.string(), z.json());
const whyText = z.string().trim().min(1).max(5000).optional();

export const workflowFields = {
  name: z.string().trim().min(1).max(200).optional(), description: z.string().max(20_000).optional(), department: department.optional(),
  owner_id: z.string().max(100).nullable().optional(), settings: settings.optional(),
};
export const newWorkflowInput = z.strictObject({
  ...workflowFields, template_id: z.string().max(100).optional(), start_date: calendarDate.optional(), started_from: z.string().max(100).optional(), ...why,
});
export const workflowPatchInput = z.strictObject({ ...workflowFields, start_date: calendarDate.nullable().optional(), version, ...why });
export const taskPatchInput = z.strictObject({ ...taskFields, name: taskFields.name.optional(), version, ...why });

/** The command names (other modules call them by name through the registry, never by import). */
export const WORK_COMMANDS = {
  createTask: 'work.create_task', updateTask: 'work.update_task', deleteTask: 'work.delete_task',
  createWorkflow: 'work.create_workflow', updateWorkflow: 'work.update_workflow', archiveWorkflow: 'work.archive_workflow',
  restoreWorkflow: 'work.restore_workflow', cloneWorkflow: 'work.clone_workflow', saveAsTemplate: 'work.save_as_template',
  getWorkflow: 'work.get_workflow', getTemplate: 'work.get_template', trackRecord: 'work.track_record', listTasks: 'work.list_tasks',
} as const;

export function registerWorkCommands(commands: CommandRegistry, d: WorkDeps): void {
  const c = WORK_COMMANDS;
  commands.register({
    name: c.createTask, scope: 'write', summary: 'Add a task to a workflow (at the end, or at `position`)',
    input: z.strictObject({ workflow_id: id, ...taskFields, ...why }),
    run: async (ctx, { workflow_id, ...input }) => getTask(ctx.tx, await createTask(ctx, d, workflow_id, input), d.now()),
  });
  commands.register({
    name: c.updateTask, scope: 'write', summary: 'Change a task (status, assignee, due date, priority, tags, position…); blocked/failed need a why',
    input: taskPatchInput.extend({ id }),
    run: async (ctx, { id: taskId, ...patch }) => {
      const after = await updateTask(ctx, d, taskId, patch);
      return taskView(after, await positionOf(ctx.tx, after), d.now());
    },
  });
  commands.register({
    name: c.deleteTask, scope: 'write', summary: 'Delete a task (a why is required when it was blocked or done)',
    input: z.strictObject({ id, why: whyText, version }),
    run: async (ctx, { id: taskId, ...input }) => {
      await deleteTask(ctx, d, taskId, input);
      return { deleted: true as const };
    },
  });
  commands.register({
    name: c.createWorkflow, scope: 'write', summary: 'Create a workflow, blank or from a template (due dates from start_date)',
    input: newWorkflowInput,
    run: async (ctx, input) => workflowWithTasks(ctx.tx, await createWorkflow(ctx, d, input), d.now(), d.ledger),
  });
  commands.register({
    name: c.updateWorkflow, scope: 'write', summary: 'Change a workflow’s name, description, department, owner, settings or start date',
    input: workflowPatchInput.extend({ id }),
    run: async (ctx, { id: workflowId, sentiment: _s, ...patch }) => {
      await updateWorkflow(ctx, d, workflowId, patch);
      return workflowWithTasks(ctx.tx, workflowId, d.now(), d.ledger);
    },
  });
  commands.register({
    name: c.archiveWorkflow, scope: 'write', summary: 'Archive a workflow (a why is required)',
    input: z.strictObject({ id, why: whyText, version }),
    run: async (ctx, input) => {
      await setArchived(ctx, d, input.id, true, input.why, input.version);
      return workflowWithTasks(ctx.tx, input.id, d.now(), d.ledger);
    },
  });
  commands.register({
    name: c.restoreWorkflow, scope: 'write', summary: 'Restore an archived workflow',
    input: z.strictObject({ id, ...why }),
    run: async (ctx, input) => {
      await setArchived(ctx, d, input.id, false, input.why);
      return workflowWithTasks(ctx.tx, input.id, d.now(), d.ledger);
    },
  });
  commands.register({
    name: c.cloneWorkflow, scope: 'write', summary: 'Copy a workflow with its tasks and settings',
    input: z.strictObject({ id, name: z.string().trim().min(1).max(200).optional(), start_date: calendarDate.optional(), ...why }),
    run: async (ctx, { id: workflowId, sentiment: _s, ...input }) => workflowWithTasks(ctx.tx, await cloneWorkflow(ctx, d, workflowId, input), d.now(), d.ledger),
  });
  commands.register({
    name: c.saveAsTemplate, scope: 'write', summary: 'Save a workflow as this workspace’s own template',
    input: z.strictObject({ id, name: z.string().trim().min(1).max(200).optional(), version: z.string().max(20).optional(), ...why }),
    run: (ctx, { id: workflowId, sentiment: _s, ...input }) => saveAsTemplate(ctx, d.ledger, workflowId, input),
  });
  // Reads for other modules, flows and agents.
  commands.register({
    name: c.getWorkflow, scope: 'read', summary: 'A workflow with its tasks (404 unless it exists in this workspace)',
    input: z.strictObject({ id }),
    run: async (ctx, input) => {
      await loadWorkflow(ctx.tx, input.id);
      return workflowWithTasks(ctx.tx, input.id, d.now(), d.ledger);
    },
  });
  commands.register({
    name: c.getTemplate, scope: 'read', summary: 'A template, built-in or this workspace’s (404 unless it exists)',
    input: z.strictObject({ id }),
    run: (ctx, input) => findTemplate(ctx.tx, input.id),
  });
  commands.register({
    name: c.listTasks, scope: 'read', summary: 'Tasks across active workflows (filters: status, assignee, due on or before a date), each with its workflow’s name, department and owner',
    input: z.strictObject({
      status: z.array(z.enum(['todo', 'in_progress', 'blocked', 'done', 'failed'])).max(5).optional(),
      assignee_id: id.optional(), due_before: calendarDate.optional(), open: z.boolean().optional(),
      limit: z.number().int().min(1).max(1000).default(200),
    }),
    run: async (ctx, input) => {
      let q = ctx.tx.selectFrom('tasks').innerJoin('workflows', 'workflows.id', 'tasks.workflow_id').selectAll('tasks')
        .select(['workflows.name as workflow_name', 'workflows.department as department', 'workflows.owner_id as owner_id'])
        .where('workflows.archived_at', 'is', null).orderBy('tasks.due_date', 'asc').orderBy('tasks.id').limit(input.limit);
      if (input.status) q = q.where('tasks.status', 'in', input.status);
      if (input.open) q = q.where('tasks.status', 'not in', ['done', 'failed']);
      if (input.assignee_id) q = q.where('tasks.assignee_id', '=', input.assignee_id);
      if (input.due_before) q = q.where('tasks.due_date', '<=', input.due_before);
      const rows = await q.execute();
      const now = d.now();
      return rows.map(({ workflow_name, department, owner_id, ...t }) => ({ ...taskView(t, 0, now), workflow: { name: workflow_name, department, owner_id } }));
    },
  });
  commands.register({
    name: c.trackRecord, scope: 'read', summary: 'Finished workflows (for completion estimates) or, given a person, only their record as an assignee (for slip risk)',
    input: z.strictObject({ assignee_id: id.optional() }),
    // Asked about a person, the finished workflows (a scan of every workflow's tasks) are not read.
    run: async (ctx, input) => (input.assignee_id
      ? { finished: null, assignee: await assigneeRecord(ctx.tx, input.assignee_id, d.now().toISOString().slice(0, 10)) }
      : { finished: await finishedWorkflows(ctx.tx), assignee: null }),
  });
}
