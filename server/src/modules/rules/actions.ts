// REACT: what a matched rule does. Each effect runs in its own tenant transaction as the
// rule (actor type `rule`), and every diff it records is caused by the triggering diff
// (Ctx.cause) — the audit log shows the whole chain. Webhooks call out between two short
// transactions so no transaction is held open across the network.
import type { Ctx } from '../../platform/context.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import { errors } from '../../platform/errors.js';
import type { Ledger } from '../ledger/index.js';
import type { Notifications } from '../notifications/index.js';
import type { WorkPort } from './work-port.js';
import type { Action } from './model.js';
import { predict } from './predict.js';
import { render, type TemplateScope } from './template.js';

export type TriggerDiff = {
  id: number; namespace: string; entity_type: string; entity_id: string; event: string;
  before: Json | null; after: Json | null; metadata: JsonObject; actor_type: string; actor_id: string; created_at: Date;
};

export type EffectDeps = { ledger: Ledger; notifications: Notifications; work: WorkPort; now: () => Date };
export type Effect = { effect: Json; diffId?: number | null };
export type ActionContext = { ctx: Ctx; diff: TriggerDiff; rule: { id: string; name: string }; scope: TemplateScope; entity: JsonObject | null };

const obj = (v: Json | null | undefined): JsonObject | null => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);
const str = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);

/** The entity's owner: its own `owner_id`, else its workflow's (tasks). */
async function ownerOf(d: EffectDeps, a: ActionContext): Promise<string | null> {
  const own = str(a.entity?.owner_id);
  if (own) return own;
  const workflowId = str(a.entity?.workflow_id) ?? str(a.diff.metadata.workflow_id);
  if (!workflowId) return null;
  const wf = await d.ledger.stateIn(a.ctx.tx, { entityType: 'workflow', entityId: workflowId }, d.now());
  return str(obj(wf.state)?.owner_id);
}

/** `assignee`, `owner`, `actor`, `role:x`, `user:id` → notification targets (`user:` / `role:`). */
export async function resolveTargets(d: EffectDeps, a: ActionContext, targets: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const t of targets) {
    if (t.startsWith('role:') || t.startsWith('user:')) out.add(t);
    else if (t === 'assignee') {
      const id = str(a.entity?.assignee_id);
      if (id) out.add(`user:${id}`);
    } else if (t === 'owner') {
      const id = await ownerOf(d, a);
      if (id) out.add(`user:${id}`);
    } else if (t === 'actor' && a.diff.actor_type === 'user') out.add(`user:${a.diff.actor_id}`);
  }
  return [...out];
}

async function oneUser(d: EffectDeps, a: ActionContext, target: string | undefined): Promise<string | null> {
  if (!target) return null;
  const [first] = await resolveTargets(d, a, [target]);
  return first?.startsWith('user:') ? first.slice(5) : null;
}

function linkTo(diff: TriggerDiff, entity: JsonObject | null): string | null {
  if (diff.entity_type === 'workflow') return `/workflows/${diff.entity_id}`;
  const wf = str(entity?.workflow_id);
  if (diff.entity_type === 'task' && wf) return `/workflows/${wf}?task=${diff.entity_id}`;
  return null;
}

const addDays = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);

/** The notice a notify action sends (targets resolved, templates rendered). */
export async function noticeOf(d: EffectDeps, a: ActionContext, action: Action & { type: 'notify' }) {
  const to = await resolveTargets(d, a, Array.isArray(action.to) ? action.to : [action.to]);
  return {
    to, title: render(action.title ?? a.rule.name, a.scope).slice(0, 200) || a.rule.name, body: render(action.message, a.scope),
    link: linkTo(a.diff, a.entity), entity: { type: a.diff.entity_type, id: a.diff.entity_id }, email: action.email ?? true,
  };
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]{1,200})\s*\}\}/g;

/** Whether a notify action reads the entity's state (targets, `entity.*`, an `after.*` the diff lacks, a task's link). */
export function notifyNeedsEntity(action: Action & { type: 'notify' }, diff: TriggerDiff): boolean {
  if (diff.entity_type === 'task') return true;
  const targets = Array.isArray(action.to) ? action.to : [action.to];
  if (targets.some((t) => t === 'owner' || t === 'assignee')) return true;
  const after = obj(diff.after) ?? {};
  for (const text of [action.title ?? '', action.message]) {
    for (const [, path] of text.matchAll(PLACEHOLDER)) {
      if (path!.startsWith('entity.')) return true;
      if (path!.startsWith('after.') && after[path!.slice(6).split('.')[0]!] === undefined) return true;
    }
  }
  return false;
}

/** Runs one non-webhook action inside the effect's transaction. */
export async function runEffect(d: EffectDeps, a: ActionContext, action: Action): Promise<Effect> {
  const { ctx, diff, scope } = a;
  switch (action.type) {
    case 'notify': {
      const sent = await d.notifications.notify(ctx, await noticeOf(d, a, action));
      return { effect: { notified: sent.userIds, notifications: sent.ids }, diffId: sent.diffIds[0] ?? null };
    }
    case 'tag': {
      if (diff.entity_type !== 'task') throw errors.badRequest('NOT_TAGGABLE', `Only tasks carry tags (this is a ${diff.entity_type}).`);
      const now = await d.ledger.stateIn(ctx.tx, { entityType: 'task', entityId: diff.entity_id }, d.now());
      const current = obj(now.state);
      if (!current) throw errors.notFound('Task');
      const tags = new Set((current.tags as string[] | undefined) ?? []);
      for (const t of action.add ?? []) tags.add(render(t, scope));
      for (const t of action.remove ?? []) tags.delete(render(t, scope));
      const next = [...tags].filter(Boolean).slice(0, 20);
      if (JSON.stringify(next) === JSON.stringify(current.tags ?? [])) return { effect: { tags: next, changed: false } };
      await d.work.updateTask(ctx, diff.entity_id, { tags: next });
      return { effect: { tags: next, changed: true } };
    }
    case 'create_task': {
      const workflowId = action.workflow === 'same'
        ? (diff.entity_type === 'workflow' ? diff.entity_id : str(a.entity?.workflow_id) ?? str(diff.metadata.workflow_id))
        : action.workflow;
      if (!workflowId) throw errors.badRequest('NO_WORKFLOW', 'The triggering entity belongs to no workflow; name one in the action.');
      const id = await d.work.createTask(ctx, workflowId, {
        name: render(action.name, scope).slice(0, 300) || a.rule.name, description: action.description ? render(action.description, scope) : undefined,
        priority: action.priority, assignee_id: await oneUser(d, a, action.assignee),
        due_date: action.due_in_days !== undefined ? addDays(d.now(), action.due_in_days) : undefined,
      });
      return { effect: { task_id: id, workflow_id: workflowId } };
    }
    case 'start_workflow': {
      const id = await d.work.createWorkflow(ctx, {
        name: render(action.name, scope).slice(0, 200) || a.rule.name, template_id: action.template_id, department: action.department,
        owner_id: await oneUser(d, a, action.owner),
        started_from: diff.entity_type === 'workflow' ? diff.entity_id : str(a.entity?.workflow_id) ?? undefined,
      });
      return { effect: { workflow_id: id } };
    }
    case 'predict': {
      const p = await predict(ctx, d.work, action.model, diff, a.entity);
      const recorded = await d.ledger.record(ctx, {
        namespace: 'rules', entityType: diff.entity_type, entityId: diff.entity_id, event: `${diff.entity_type}.predicted`,
        after: { prediction: p.prediction }, metadata: { evidence: p.evidence, model: action.model },
      });
      return { effect: { prediction: p.prediction, evidence: p.evidence }, diffId: recorded.id };
    }
    default:
      throw new Error(`action ${action.type} does not run as an effect`);
  }
}
