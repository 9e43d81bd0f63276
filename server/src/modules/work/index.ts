// Flow OS (module work, namespace flow_os): workflows and tasks, templates, the heartbeat
// health rule, the dashboard and department canvas data, CSV export. Every change is a diff.
import type { Db } from '../../platform/db/index.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { Identity } from '../identity/index.js';
import type { Ledger } from '../ledger/index.js';
import { registerTaskRoutes } from './routes-tasks.js';
import { registerWorkflowRoutes } from './routes-workflows.js';
import { createTask, TASK_NEEDS_WHY, updateTask } from './tasks.js';
import type { Jobs } from '../../platform/jobs.js';
import { healthTick, HEALTH_TICK_QUEUE } from './health-tick.js';
import { createWorkflow, type NewWorkflow } from './workflows.js';
import type { Ctx } from '../../platform/context.js';
import { defineModule } from '../../platform/module.js';
import { WORK_EVENTS } from './events.js';
import { registerWorkCommands } from './commands.js';
import { workRuleActions } from './rule-actions.js';
import type { CommandRegistry } from '../../platform/commands.js';
// Its tables (schema.ts adds them to the one Database type): exported so any program that uses the module sees them.
export type { WorkTables } from './schema.js';
export { WORK_COMMANDS } from './commands.js';

export { healthOf, type Health, type HealthVerdict } from './health.js';
export { BUILTIN_TEMPLATES } from './templates-builtin.js';

export type WorkModuleDeps = {
  db: Db; ledger: Ledger; identity: Pick<Identity, 'directory' | 'isMember'>; jobs?: Jobs; now?: () => Date;
  /** False without the job engine (ATRIUM_JOBS=false): nothing is scheduled. */
  schedules?: boolean;
  /** Where this module's commands are registered (routes, rule actions, flows and agents call them there). */
  commands: CommandRegistry;
};

export function createWork({ db, ledger, identity, jobs, now = () => new Date(), schedules = true, commands }: WorkModuleDeps) {
  // The critical changes of this module: they never happen without a why.
  ledger.requireWhy({ namespace: 'flow_os', event: 'task.updated', when: TASK_NEEDS_WHY, label: 'task blocked or failed' });
  ledger.requireWhy({ namespace: 'flow_os', event: 'task.created', when: TASK_NEEDS_WHY, label: 'task created blocked or failed' });
  ledger.requireWhy({ namespace: 'flow_os', event: 'workflow.archived', label: 'workflow archived' });
  const deps = { ledger, identity, now };
  registerWorkCommands(commands, deps);
  jobs?.define<object>(HEALTH_TICK_QUEUE, { retryLimit: 0, policy: 'short' }, () => healthTick(db, ledger, now()).then(() => undefined));
  return {
    /** Commands for other modules and the demo seed (each inside the caller's Ctx). */
    createWorkflow: (ctx: Ctx, input: NewWorkflow) => createWorkflow(ctx, deps, input),
    updateTask: (ctx: Ctx, id: string, input: Parameters<typeof updateTask>[3]) => updateTask(ctx, deps, id, input).then(() => undefined),
    createTask: (ctx: Ctx, workflowId: string, input: Parameters<typeof createTask>[3]) => createTask(ctx, deps, workflowId, input),
    /** tag, create_task, start_workflow and predict: what rules do through this module. */
    ruleActions: workRuleActions({ commands, now }),
    tasksOf: (ctx: Ctx, workflowId: string) => ctx.tx.selectFrom('tasks').select(['id', 'name', 'status', 'version']).where('workflow_id', '=', workflowId).orderBy('rank').execute(),

    /** Re-judges every active workflow now (the cron job's body; tests pass a clock). */
    healthTick: (at: Date = now()) => healthTick(db, ledger, at),
    /** Worker processes schedule the health tick (every minute). */
    async start(role: 'serve' | 'worker' | 'all'): Promise<void> {
      if (jobs && schedules && role !== 'serve') await jobs.schedule(HEALTH_TICK_QUEUE, '* * * * *');
    },

    registerRoutes(registry: RouteRegistry): void {
      registerWorkflowRoutes(registry, db, { ...deps, commands });
      registerTaskRoutes(registry, db, { ...deps, commands });
    },
  };
}

export type Work = ReturnType<typeof createWork>;

export const WORK_ERRORS = {
  ARCHIVED: 'The workflow is archived; restore it first.',
  NOT_ARCHIVED: 'The workflow is not archived.',
  NOT_TAGGABLE: 'A rule action: only tasks carry tags.',
  NO_WORKFLOW: 'A rule action: the triggering entity belongs to no workflow and the action names none.',
} as const;

export const workModule = defineModule({
  // The folder is `work`; its diffs keep the namespace they were stored with.
  id: 'work', namespace: 'flow_os', deps: ['ledger', 'identity'], tables: ['workflows', 'tasks', 'workflow_templates'],
  errors: WORK_ERRORS, events: WORK_EVENTS,
  create: (p, { ledger, identity }: { ledger: Ledger; identity: Pick<Identity, 'directory' | 'isMember'> }) =>
    createWork({ db: p.db, ledger, identity, jobs: p.jobs, now: p.now, schedules: p.config.jobs, commands: p.commands }),
});
