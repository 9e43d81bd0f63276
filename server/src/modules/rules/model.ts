// The shapes of rules: trigger (incl. the seeds' flat form), the input over the registered actions, public views.
import { z } from 'zod';
import type { RuleActionInput, RuleActionRegistry } from '../../platform/rule-actions.js';
import type { Json } from '../../platform/schema.js';
import { conditionSchema, LIMITS, type Condition } from '../../platform/conditions.js';
import type { RuleKind } from './schema.js';

const name = z.string().trim().min(1).max(120);

/** An action as stored: `type` names a registered action (platform/rule-actions.ts), the rest are its fields. */
export type Action = RuleActionInput;
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

export type RuleInput = { name: string; description?: string; enabled?: boolean; trigger: Trigger; actions: Action[] };

/**
 * The rule input and patch schemas, actions as the registry has them. Lazy: built at creation,
 * the union is read on first use, once every module has registered its actions.
 */
export function ruleSchemas(actions: Pick<RuleActionRegistry, 'schema'>) {
  const ruleInput = z.strictObject({
    name,
    description: z.string().max(2000).optional(),
    enabled: z.boolean().optional(),
    trigger: triggerSchema,
    actions: z.array(z.lazy(() => actions.schema())).min(1).max(10),
  });
  return { ruleInput, rulePatch: ruleInput.partial().extend({ version: z.number().int().positive().optional() }) };
}

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
