// What a rule can do to workflows and tasks: tag the task that changed, create a task, start a
// workflow, predict from the track record. Each renders its templates and people through the
// trigger the rule hands it, then runs this module's command (validated like any caller's input),
// so a rule's change is the same diff a person's would be — caused by the trigger, by the rule.
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import { errors } from '../../platform/errors.js';
import { ruleAction, ruleTarget, ruleTemplate, type RuleActionDef, type RuleTrigger } from '../../platform/rule-actions.js';
import type { Json } from '../../platform/schema.js';
import { WORK_COMMANDS as C } from './commands.js';
import { predict, PREDICTION_MODELS } from './predict.js';
import { findTemplate } from './templates.js';
import { loadWorkflow } from './workflows.js';

const tag = z.string().trim().min(1).max(40);
const str = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);
const addDays = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);

/** The one person a target names (`assignee`, `owner`, `actor`, `user:<id>`), if any. */
async function oneUser(t: RuleTrigger, target: string | undefined): Promise<string | null> {
  if (!target) return null;
  const [first] = await t.people([target]);
  return first?.startsWith('user:') ? first.slice(5) : null;
}

export function workRuleActions(d: { commands: Pick<CommandRegistry, 'run'>; now: () => Date }): RuleActionDef[] {
  return [
    ruleAction({
      type: 'tag', summary: 'Add or remove tags on the task that changed (templates allowed)',
      schema: z.strictObject({ add: z.array(tag).max(20).optional(), remove: z.array(tag).max(20).optional() }),
      check: (_ctx, a, at) => (a.add?.length || a.remove?.length ? [] : [{ path: at, message: 'tag needs `add` or `remove`' }]),
      run: async (ctx, a, t) => {
        if (t.diff.entity_type !== 'task') throw errors.badRequest('NOT_TAGGABLE', `Only tasks carry tags (this is a ${t.diff.entity_type}).`);
        const task = await ctx.tx.selectFrom('tasks').select(['tags']).where('id', '=', t.diff.entity_id).executeTakeFirst();
        if (!task) throw errors.notFound('Task');
        const tags = new Set(task.tags);
        for (const x of a.add ?? []) tags.add(t.render(x));
        for (const x of a.remove ?? []) tags.delete(t.render(x));
        const next = [...tags].filter(Boolean).slice(0, 20);
        if (JSON.stringify(next) === JSON.stringify(task.tags)) return { effect: { tags: next, changed: false } };
        await d.commands.run(ctx, C.updateTask, { id: t.diff.entity_id, tags: next });
        return { effect: { tags: next, changed: true } };
      },
      describe: (_ctx, a, t) => ({ add: (a.add ?? []).map(t.render), remove: (a.remove ?? []).map(t.render) }),
    }),
    ruleAction({
      type: 'create_task', summary: 'Create a task in the workflow of the change (`same`) or in a named one',
      schema: z.strictObject({
        /** `same` (the entity's workflow) or a workflow id. */
        workflow: z.string().min(1).max(64).default('same'),
        name: ruleTemplate, description: z.string().max(4000).optional(),
        priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
        assignee: ruleTarget.optional(), due_in_days: z.number().int().min(0).max(3650).optional(),
      }),
      targets: ['assignee'],
      check: async (ctx, a) => {
        if (a.workflow !== 'same') await loadWorkflow(ctx.tx, a.workflow); // 404 unless it exists in this tenant
        return [];
      },
      run: async (ctx, a, t) => {
        const { diff } = t;
        const workflowId = a.workflow === 'same'
          ? (diff.entity_type === 'workflow' ? diff.entity_id : str(t.entity?.workflow_id) ?? str(diff.metadata.workflow_id))
          : a.workflow;
        if (!workflowId) throw errors.badRequest('NO_WORKFLOW', 'The triggering entity belongs to no workflow; name one in the action.');
        const made = await d.commands.run<{ id: string }>(ctx, C.createTask, {
          workflow_id: workflowId, name: t.render(a.name).slice(0, 300) || t.rule.name, description: a.description ? t.render(a.description) : undefined,
          priority: a.priority, assignee_id: await oneUser(t, a.assignee),
          due_date: a.due_in_days !== undefined ? addDays(d.now(), a.due_in_days) : undefined,
        });
        return { effect: { task_id: made.id, workflow_id: workflowId } };
      },
      describe: (_ctx, a, t) => ({
        workflow: a.workflow === 'same' ? (t.diff.entity_type === 'workflow' ? t.diff.entity_id : (t.entity?.workflow_id ?? null)) : a.workflow,
        name: t.render(a.name),
      }),
    }),
    ruleAction({
      type: 'start_workflow', summary: 'Start a workflow, blank or from a template (built-in or this workspace’s)',
      schema: z.strictObject({
        template_id: z.string().min(1).max(64).optional(), name: ruleTemplate,
        department: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/).optional(), owner: ruleTarget.optional(),
      }),
      targets: ['owner'],
      check: async (ctx, a) => {
        if (a.template_id) await findTemplate(ctx.tx, a.template_id); // 404 unless built-in or this tenant's
        return [];
      },
      run: async (ctx, a, t) => {
        const made = await d.commands.run<{ id: string }>(ctx, C.createWorkflow, {
          name: t.render(a.name).slice(0, 200) || t.rule.name, template_id: a.template_id, department: a.department,
          owner_id: await oneUser(t, a.owner),
          started_from: t.diff.entity_type === 'workflow' ? t.diff.entity_id : str(t.entity?.workflow_id) ?? undefined,
        });
        return { effect: { workflow_id: made.id } };
      },
      describe: (_ctx, a, t) => ({ template_id: a.template_id ?? null, name: t.render(a.name) }),
    }),
    ruleAction({
      type: 'predict', summary: 'Predict from this workspace’s record: a workflow’s completion date, or the risk that a task slips',
      schema: z.strictObject({ model: z.enum(PREDICTION_MODELS) }),
      run: async (ctx, a, t) => {
        const p = await predict(ctx.tx, a.model, t.diff, t.entity, d.now().toISOString().slice(0, 10));
        return { effect: { prediction: p.prediction, evidence: p.evidence }, prediction: { model: a.model, ...p } };
      },
      describe: async (ctx, a, t) => ({ model: a.model, ...(await predict(ctx.tx, a.model, t.diff, t.entity, d.now().toISOString().slice(0, 10))) }),
    }),
  ];
}
