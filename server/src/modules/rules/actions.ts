// REACT: how the Reflex Arc hands a matched diff to a registered action (platform/rule-actions.ts).
// The action owns what it does; the rule owns what its words mean relative to the change —
// templates (`{{after.name}}`) and people (`assignee`, `owner`, `actor`) — so every module's
// actions render and resolve them alike. Each effect runs as the rule (actor type `rule`), caused
// by the triggering diff (Ctx.cause): the audit log shows the whole chain.
import type { Tx } from '../../platform/db/index.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { RuleActionDef, RuleActionInput, RuleActionRegistry, RuleTrigger, TriggerDiff } from '../../platform/rule-actions.js';
import { diffPublicId, type Ledger } from '../ledger/index.js';
import { render, templateReadsEntity, type TemplateScope } from './template.js';

export type { TriggerDiff };
export type EffectDeps = { ledger: Ledger; actions: RuleActionRegistry; now: () => Date };
/** A rule that fired on a diff (with the diff's why). */
export type Fired = { diff: TriggerDiff; rule: { id: string; name: string }; why: string | null };

const obj = (v: Json | null | undefined): JsonObject | null => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);
const str = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);
/** A target field holds one target or a list of them. */
export const targetList = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : typeof v === 'string' ? [v] : []);

export function scopeOf(l: Fired, entity: JsonObject | null): TemplateScope {
  return {
    before: l.diff.before, after: l.diff.after, metadata: l.diff.metadata, entity,
    actor: { type: l.diff.actor_type, id: l.diff.actor_id }, why: l.why ?? '',
    rule: { id: l.rule.id, name: l.rule.name },
    diff: { id: diffPublicId(l.diff.id), event: l.diff.event, entity_type: l.diff.entity_type, entity_id: l.diff.entity_id },
  };
}

/** The entity's owner: its own `owner_id`, else its workflow's (tasks). */
async function ownerOf(d: EffectDeps, tx: Tx, diff: TriggerDiff, entity: JsonObject | null): Promise<string | null> {
  const own = str(entity?.owner_id);
  if (own) return own;
  const workflowId = str(entity?.workflow_id) ?? str(diff.metadata.workflow_id);
  if (!workflowId) return null;
  const wf = await d.ledger.stateIn(tx, { entityType: 'workflow', entityId: workflowId }, d.now());
  return str(obj(wf.state)?.owner_id);
}

/** `assignee`, `owner`, `actor`, `role:x`, `user:id` → notification targets (`user:` / `role:`). */
async function resolveTargets(d: EffectDeps, tx: Tx, diff: TriggerDiff, entity: JsonObject | null, targets: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const t of targets) {
    if (t.startsWith('role:') || t.startsWith('user:')) out.add(t);
    else if (t === 'assignee') {
      const id = str(entity?.assignee_id);
      if (id) out.add(`user:${id}`);
    } else if (t === 'owner') {
      const id = await ownerOf(d, tx, diff, entity);
      if (id) out.add(`user:${id}`);
    } else if (t === 'actor' && diff.actor_type === 'user') out.add(`user:${diff.actor_id}`);
  }
  return [...out];
}

/** What the action is handed: the diff, the rule, the entity, and the rule's templates and people. */
export function triggerOf(d: EffectDeps, tx: Tx, l: Fired, entity: JsonObject | null): RuleTrigger {
  const scope = scopeOf(l, entity);
  return {
    diff: l.diff, rule: l.rule, entity,
    render: (text) => render(text, scope),
    people: (targets) => resolveTargets(d, tx, l.diff, entity, targets),
  };
}

/** Whether running the action reads the entity's state: its own say, a target relative to the entity, a template reading it. */
export function needsEntity(def: RuleActionDef, action: RuleActionInput, diff: TriggerDiff): boolean {
  if (def.needsEntity?.(action, diff)) return true;
  if ((def.targets ?? []).some((f) => targetList(action[f]).some((t) => t === 'owner' || t === 'assignee'))) return true;
  return Object.values(action).some((v) => typeof v === 'string' && templateReadsEntity(v, diff.after));
}
