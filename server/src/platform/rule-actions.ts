// Rule actions: what a matched rule can do. The module that owns the doing defines each one
// (work: tag, create_task, start_workflow, predict; notifications: notify; rules itself: webhook,
// guard, require_approval) and returns it from its `create` as `ruleActions`; createModules
// collects them here and closes the registry once every module exists. The rules module builds
// its input schema from them (OpenAPI documents every shape), checks a rule's actions through
// them when it is saved and runs them, without importing any of those modules.
import { z } from 'zod';
import type { Cause, Ctx } from './context.js';
import { AppError, type ErrorDetail } from './errors.js';
import type { Json, JsonObject } from './schema.js';

/** People an action names, relative to the change: `assignee`, `owner`, `actor`, `role:<role>` or `user:<id>`. */
export const ruleTarget = z.string().regex(/^(assignee|owner|actor|role:(owner|admin|member|viewer)|user:[A-Za-z0-9_-]{1,64})$/, 'assignee, owner, actor, role:<owner|admin|member|viewer> or user:<id>');
/** A `{{placeholder}}` text (rendered by the rule from the diff, the entity, the why and the rule). */
export const ruleTemplate = z.string().min(1).max(2000);

/** An action as a rule stores it: `type` names its definition, the other fields are its own. */
export type RuleActionInput = { type: string } & JsonObject;

/** The committed diff that fired a rule. */
export type TriggerDiff = {
  id: number; namespace: string; entity_type: string; entity_id: string; event: string;
  before: Json | null; after: Json | null; metadata: JsonObject; actor_type: string; actor_id: string; created_at: Date;
};

/** What an action sees of the change that fired its rule (built by the rules module). */
export type RuleTrigger = {
  diff: TriggerDiff;
  rule: { id: string; name: string };
  /** The entity's state right after the diff; null when it is gone, or was not loaded (see `needsEntity`). */
  entity: JsonObject | null;
  /** Fills `{{after.name}}`-style placeholders (logic-less: `after.x` falls back to the entity). */
  render(text: string): string;
  /** Targets (`ruleTarget`) → `user:<id>` / `role:<role>`; one that resolves to nobody is dropped. */
  people(targets: readonly string[]): Promise<string[]>;
};

export type RuleEffect = {
  /** What the run shows as its effect (GET /v1/rule-runs). */
  effect: Json;
  /** The diff that is the effect; when absent, the first diff the run recorded. */
  diffId?: number | null;
  /** A prediction, which the rule records as its own `<entity>.predicted` diff (that diff is then the effect's). */
  prediction?: { model: string; prediction: JsonObject; evidence: JsonObject };
};

/** One action of a batch (`runMany`): its own trigger and cause, the transaction shared. */
export type BatchItem<A> = { action: A; t: RuleTrigger; cause: Cause };

export type RuleActionDef<S extends z.ZodRawShape = z.ZodRawShape, A = z.output<z.ZodObject<S>> & { type: string }> = {
  /** Unique over all modules; the value of `type` in a stored rule (stored rules keep their meaning). */
  type: string;
  summary: string;
  /** Its fields without `type` (made strict, `type` added, by the registry). */
  schema: z.ZodObject<S>;
  /** Fields that hold targets: a `user:<id>` there must be a member (checked on save); `owner`/`assignee` read the entity. */
  targets?: readonly (keyof S & string)[];
  /** Checks in the tenant when a rule is saved: problems under `at` (`body.actions.2`), or a thrown refusal (404). */
  check?(ctx: Ctx, action: A, at: string): Promise<ErrorDetail[]> | ErrorDetail[];
  /** Whether it reads the entity's state beyond its targets and templates (the rule sees those). Batched actions only. */
  needsEntity?(action: A, diff: TriggerDiff): boolean;
  /** Does it, in the effect's transaction: the rule is the actor, the trigger the cause. Absent: rules runs it itself. */
  run?(ctx: Ctx, action: A, t: RuleTrigger): Promise<RuleEffect>;
  /** Many runs of one rule in one transaction (`ctx` carries no cause: each item has its own). Effects in item order. */
  runMany?(ctx: Ctx, items: readonly BatchItem<A>[]): Promise<RuleEffect[]>;
  /** What it would do, without doing it (simulation, in a READ ONLY transaction). */
  describe(ctx: Ctx, action: A, t: RuleTrigger): Promise<JsonObject> | JsonObject;
};

/** Declares an action; keeps its fields typed inside and erases them for the registry. */
export function ruleAction<S extends z.ZodRawShape>(def: RuleActionDef<S>): RuleActionDef {
  return def as unknown as RuleActionDef;
}

export class RuleActionRegistry {
  readonly #defs = new Map<string, { module: string; def: RuleActionDef; schema: z.ZodObject }>();
  #closed = false;
  #union: z.ZodType<RuleActionInput> | null = null;

  /** At module creation (createModules); a type registered twice names both modules. */
  register(module: string, def: RuleActionDef): void {
    const fail = (why: string) => new Error(`rule action ${def.type} (module ${module}): ${why}`);
    if (this.#closed) throw fail('registered after the modules were created');
    const had = this.#defs.get(def.type);
    if (had) throw new Error(`rule action ${def.type}: registered by module ${had.module} and by module ${module}`);
    if ('type' in def.schema.shape) throw fail('its schema must not declare `type`');
    this.#defs.set(def.type, { module, def, schema: z.strictObject({ type: z.literal(def.type), ...def.schema.shape }) });
  }

  /** Every module is created: the set is final (rules may validate against it from now on). */
  close(): void {
    this.#closed = true;
  }

  find(type: string): RuleActionDef | undefined {
    return this.#defs.get(type)?.def;
  }

  /** The definition of a stored action's type; 400 for a type no module registers (any more). */
  get(type: string): RuleActionDef {
    const def = this.find(type);
    if (!def) throw new AppError('UNKNOWN_RULE_ACTION', 400, `No rule action "${type}".`, [{ message: 'unknown rule action', type }]);
    return def;
  }

  /** A rule's action: one of the registered shapes, told apart by `type` (an unknown type fails at `type`). */
  schema(): z.ZodType<RuleActionInput> {
    if (!this.#closed) throw new Error('rule actions are read only once every module is created');
    const options = [...this.#defs.values()].map((d) => d.schema) as [z.ZodObject, ...z.ZodObject[]];
    return (this.#union ??= z.discriminatedUnion('type', options) as unknown as z.ZodType<RuleActionInput>);
  }

  /** GET /v1/rule-actions: each type, who runs it, and the JSON Schema of the action. */
  list(): { type: string; module: string; summary: string; schema: Record<string, unknown> }[] {
    return [...this.#defs.entries()].map(([type, d]) => ({
      type, module: d.module, summary: d.def.summary,
      schema: z.toJSONSchema(d.schema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>,
    })).sort((a, b) => (a.type < b.type ? -1 : 1));
  }
}
