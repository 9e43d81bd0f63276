// What the Reflex Arc asks of Flow OS, through the command registry: rules name commands
// (`work.update_task`…), never import the work module. Every call runs in the caller's Ctx.
import type { CommandRegistry } from '../../platform/commands.js';
import type { Ctx } from '../../platform/context.js';
import type { Json } from '../../platform/schema.js';

/** The shapes `work.track_record` answers (the command's contract). */
export type FinishedWorkflow = { id: string; template_id: string | null; department: string; days: number };
export type AssigneeRecord = { on_time: number; late: number; open_overdue: number };
type TrackRecord = { finished: FinishedWorkflow[]; assignee: AssigneeRecord | null };

export function workPort(commands: Pick<CommandRegistry, 'run'>) {
  return {
    updateTask: (ctx: Ctx, id: string, patch: Record<string, Json | undefined>) => commands.run(ctx, 'work.update_task', { ...patch, id }).then(() => undefined),
    createTask: async (ctx: Ctx, workflowId: string, input: Record<string, Json | undefined>) =>
      (await commands.run<{ id: string }>(ctx, 'work.create_task', { ...input, workflow_id: workflowId })).id,
    createWorkflow: async (ctx: Ctx, input: Record<string, Json | undefined>) => (await commands.run<{ id: string }>(ctx, 'work.create_workflow', input)).id,
    /** 404 unless the template (built-in or this tenant's) exists. */
    assertTemplate: (ctx: Ctx, id: string) => commands.run(ctx, 'work.get_template', { id }).then(() => undefined),
    /** 404 unless the workflow exists in this tenant. */
    assertWorkflow: (ctx: Ctx, id: string) => commands.run(ctx, 'work.get_workflow', { id }).then(() => undefined),
    finishedWorkflows: async (ctx: Ctx) => (await commands.run<TrackRecord>(ctx, 'work.track_record', {})).finished,
    assigneeRecord: async (ctx: Ctx, userId: string) => (await commands.run<TrackRecord>(ctx, 'work.track_record', { assignee_id: userId })).assignee!,
  };
}

export type WorkPort = ReturnType<typeof workPort>;
