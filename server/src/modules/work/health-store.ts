// Reads the tasks that decide health and keeps workflows.health (and its diff) in step.
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import type { Ledger } from '../ledger/index.js';
import { healthOf, type HealthTask, type HealthVerdict } from './health.js';

export type HealthInputs = Map<string, { tasks: HealthTask[]; done: number; total: number }>;

/** One query for any number of workflows: their tasks' health-relevant columns. */
export async function healthInputs(tx: Tx, workflowIds: string[]): Promise<HealthInputs> {
  const out: HealthInputs = new Map(workflowIds.map((id) => [id, { tasks: [], done: 0, total: 0 }]));
  if (workflowIds.length === 0) return out;
  const rows = await tx
    .selectFrom('tasks')
    .select(['workflow_id', 'name', 'status', 'priority', 'due_date', 'blocked_at'])
    .where('workflow_id', 'in', workflowIds)
    .execute();
  for (const r of rows) {
    const entry = out.get(r.workflow_id)!;
    entry.total += 1;
    if (r.status === 'done') entry.done += 1;
    entry.tasks.push(r);
  }
  return out;
}

/** Recomputes a workflow's health after a change; records `workflow.health_changed` when it moved. */
export async function refreshHealth(ctx: Ctx, ledger: Ledger, workflowId: string, now: Date, causationId: number | null): Promise<HealthVerdict> {
  const inputs = (await healthInputs(ctx.tx, [workflowId])).get(workflowId)!;
  const verdict = healthOf(inputs.tasks, now);
  const current = await ctx.tx.selectFrom('workflows').select('health').where('id', '=', workflowId).executeTakeFirstOrThrow();
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
