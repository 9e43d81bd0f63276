// The shapes of rules: trigger (incl. the seeds' flat form), actions, and their public views.
import { z } from 'zod';
import type { Json } from '../../platform/schema.js';
import { conditionSchema, LIMITS, type Condition } from './conditions.js';
import type { RuleKind } from './schema.js';

const name = z.string().trim().min(1).max(120);
const template = z.string().min(1).max(2000);
/** `assignee`, `owner`, `actor`, `role:<role>` or `user:<id>`. */
export const target = z.string().regex(/^(assignee|owner|actor|role:(owner|admin|member|viewer)|user:[A-Za-z0-9_-]{1,64})$/, 'assignee, owner, actor, role:<owner|admin|member|viewer> or user:<id>');
const tag = z.string().trim().min(1).max(40);

export const actionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('notify'), to: z.union([target, z.array(target).min(1).max(10)]),
    title: z.string().max(200).optional(), message: template, email: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('tag'), add: z.array(tag).max(20).optional(), remove: z.array(tag).max(20).optional() }),
  z.strictObject({
    type: z.literal('create_task'),
    /** `same` (the entity's workflow) or a workflow id. */
    workflow: z.string().min(1).max(64).default('same'),
    name: template, description: z.string().max(4000).optional(),
    priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
    assignee: target.optional(), due_in_days: z.number().int().min(0).max(3650).optional(),
  }),
  z.strictObject({
    type: z.literal('start_workflow'), template_id: z.string().min(1).max(64).optional(), name: template,
    department: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/).optional(), owner: target.optional(),
  }),
  z.strictObject({
    type: z.literal('webhook'), url: z.string().url().max(2000),
    /** Write-only: sealed at rest, never returned. Generated when omitted (and shown once). */
    secret: z.string().min(16).max(200).optional(),
  }),
  z.strictObject({ type: z.literal('predict'), model: z.enum(['workflow_completion', 'task_slip']) }),
  z.strictObject({ type: z.literal('guard'), message: z.string().trim().min(1).max(500) }),
  z.strictObject({
    type: z.literal('require_approval'),
    /** Who may decide (owners always may). */
    approvers: z.enum(['role:admin', 'role:member']).default('role:admin'),
    /** The four-eyes principle: the requester may not approve their own change. */
    not_by_requester: z.boolean().default(false),
    message: z.string().max(500).optional(),
  }),
]);
export type Action = z.infer<typeof actionSchema>;
export type StoredAction = Action & { secret_sealed?: string };
export const PRECOMMIT_ACTIONS = new Set(['guard', 'require_approval']);

/** The seeds' flat event form: `status=qualified` means "after.status changed to qualified". */
const FLAT_EVENT = /^([A-Za-z0-9_-]{1,64})=(.{1,200})$/;

export const triggerSchema = z.strictObject({
  namespace: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/).optional(),
  entity_type: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/).optional(),
  event: z.string().min(1).max(200).optional(),
  when: conditionSchema.optional(),
  /** Scheduled rules: the entity matched `when` and has not changed for this long (checked by cron). */
  stale_for_hours: z.number().min(0.01).max(24 * 365).optional(),
});
export type Trigger = z.infer<typeof triggerSchema>;

/** Turns the flat form into the canonical one (event `a.b` stays; `field=value` becomes a condition). */
export function normaliseTrigger(t: Trigger): Trigger {
  // Event names are `<entity_type>.<verb>` and never hold "="; a flat value may hold dots (`version=1.2`).
  const flat = t.event?.includes('=') ? FLAT_EVENT.exec(t.event) : null;
  if (!flat) return t;
  const cond: Condition = { path: `after.${flat[1]}`, op: 'changed_to', value: flat[2]! };
  return { ...t, event: undefined, when: t.when ? { all: [cond, t.when] } : cond };
}

export const ruleInput = z.strictObject({
  name,
  description: z.string().max(2000).optional(),
  enabled: z.boolean().optional(),
  trigger: triggerSchema,
  actions: z.array(actionSchema).min(1).max(10),
});
export type RuleInput = z.infer<typeof ruleInput>;
export const rulePatch = ruleInput.partial().extend({ version: z.number().int().positive().optional() });

export function kindOf(input: { trigger: Trigger; actions: readonly Action[] }): RuleKind {
  if (input.actions.some((a) => PRECOMMIT_ACTIONS.has(a.type))) return 'precommit';
  return input.trigger.stale_for_hours ? 'scheduled' : 'reactive';
}

export const triggerBytes = (t: Trigger): number => Buffer.byteLength(JSON.stringify(t));
export { LIMITS };

export type RuleView = {
  id: string; name: string; description: string; enabled: boolean; kind: RuleKind;
  trigger: Json; actions: Json[]; pack_id: string | null; created_by: string;
  created_at: string; updated_at: string; version: number;
};

/** A stored action as clients see it: secrets replaced by `has_secret`. */
export function publicAction(a: StoredAction): Json {
  const { secret_sealed, secret: _secret, ...rest } = a as StoredAction & { secret?: string };
  return (a.type === 'webhook' ? { ...rest, has_secret: !!secret_sealed } : rest) as Json;
}

export const ruleViewSchema = z.object({
  id: z.string(), name: z.string(), description: z.string(), enabled: z.boolean(), kind: z.enum(['reactive', 'precommit', 'scheduled']),
  trigger: z.record(z.string(), z.unknown()), actions: z.array(z.record(z.string(), z.unknown())), pack_id: z.string().nullable(),
  created_by: z.string(), created_at: z.string(), updated_at: z.string(), version: z.number(),
});
