// `notify`: the rule action that tells people about a change. The rule resolves who (`owner`,
// `assignee`, `actor`, `role:`, `user:`) and renders the text; this module sends. A worker's batch
// of notify runs of one rule goes out in one transaction: one directory read, one INSERT, one
// ledger batch (`runMany`).
import { z } from 'zod';
import type { Ctx } from '../../platform/context.js';
import { ruleAction, ruleTarget, ruleTemplate, type RuleActionDef, type RuleTrigger, type TriggerDiff } from '../../platform/rule-actions.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { Notice } from './index.js';

const fields = z.strictObject({
  to: z.union([ruleTarget, z.array(ruleTarget).min(1).max(10)]),
  title: z.string().max(200).optional(), message: ruleTemplate, email: z.boolean().optional(),
});
type Notify = z.output<typeof fields>;
type Sent = { ids: string[]; userIds: string[]; diffIds: number[] };

const targets = (a: Notify): string[] => (Array.isArray(a.to) ? a.to : [a.to]);
const str = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);

/** Where the notification leads in the app: the workflow, or the task inside it. */
function linkTo(diff: TriggerDiff, entity: JsonObject | null): string | null {
  if (diff.entity_type === 'workflow') return `/workflows/${diff.entity_id}`;
  const wf = str(entity?.workflow_id);
  if (diff.entity_type === 'task' && wf) return `/workflows/${wf}?task=${diff.entity_id}`;
  return null;
}

async function noticeOf(a: Notify, t: RuleTrigger): Promise<Notice> {
  return {
    to: await t.people(targets(a)), title: t.render(a.title ?? t.rule.name).slice(0, 200) || t.rule.name, body: t.render(a.message),
    link: linkTo(t.diff, t.entity), entity: { type: t.diff.entity_type, id: t.diff.entity_id }, email: a.email ?? true,
  };
}

export function notifyAction(n: { notifyMany(ctx: Ctx, notices: readonly Notice[]): Promise<Sent[]> }): RuleActionDef {
  const effectOf = (s: Sent) => ({ effect: { notified: s.userIds, notifications: s.ids }, diffId: s.diffIds[0] ?? null });
  return ruleAction({
    type: 'notify', summary: 'Notify people in the app (and by email when SMTP is configured)',
    schema: fields,
    targets: ['to'],
    // A task's link names its workflow, which only the entity's state holds.
    needsEntity: (_a, diff) => diff.entity_type === 'task',
    run: async (ctx, a, t) => effectOf((await n.notifyMany(ctx, [await noticeOf(a, t)]))[0]!),
    runMany: async (ctx, items) => {
      const notices: Notice[] = [];
      for (const { action, t, cause } of items) notices.push({ ...(await noticeOf(action, t)), causationId: cause.diffId, metadata: cause.metadata });
      return (await n.notifyMany(ctx, notices)).map(effectOf);
    },
    describe: async (_ctx, a, t) => ({ to: await t.people(targets(a)), title: t.render(a.title ?? t.rule.name), message: t.render(a.message) }),
  });
}
