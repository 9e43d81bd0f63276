// A tenant's active rules, compiled and indexed by namespace/event so that matching a diff
// looks at only the rules that could apply. Kept in memory per process; dropped when a rule
// changes (NOTIFY on commit, and the evaluator also checks a cheap epoch per batch).
import type { Json, JsonObject } from '../../platform/schema.js';
import type { TenantCache } from '../../platform/tenant-cache.js';
import { compileCondition, readsEntity, type Facts, type Predicate } from '../../platform/conditions.js';
import { normaliseTrigger, type StoredAction, type Trigger } from './model.js';
import type { RuleKind } from './schema.js';

export type RuleRow = {
  id: string; tenant_id: string; name: string; kind: RuleKind; enabled: boolean;
  trigger: JsonObject; actions: Json[];
  /** Id of the diff that switched the rule on as it now is (bigint arrives as a string from pg). */
  active_after_diff: number | string;
};

export type CompiledRule = {
  id: string;
  tenantId: string;
  name: string;
  kind: RuleKind;
  trigger: Trigger;
  test: Predicate | null;
  needsEntity: boolean;
  actions: StoredAction[];
  /** Rules apply to changes made after they were switched on as they are, never retroactively:
   *  only diffs with a larger id (one sequence) than the diff that did it. */
  activeAfter: number;
};

export type DiffFacts = {
  /** Absent for a change not recorded yet (pre-commit): it is later than every rule. */
  id?: number;
  namespace: string; entity_type: string; event: string; created_at: Date;
  before: Json | null; after: Json | null; metadata: Json; actor: Json;
};

/**
 * `active_after_diff` of a rule switched on (created, enabled, re-aimed) in a transaction that has
 * not recorded that change yet (store.ts sets the real diff id right after). A writer reading the
 * rules inside its own transaction sees the rule with it: a rule never judges the change that
 * switches it on, any more than a diff recorded before it.
 */
export const NOT_ACTIVE_YET_SQL = '9223372036854775807';
const NOT_ACTIVE_YET = Number(NOT_ACTIVE_YET_SQL);

export function compileRule(row: RuleRow): CompiledRule {
  const trigger = normaliseTrigger(row.trigger as Trigger);
  return {
    id: row.id, tenantId: row.tenant_id, name: row.name, kind: row.kind, trigger,
    test: trigger.when ? compileCondition(trigger.when) : null,
    needsEntity: trigger.when ? readsEntity(trigger.when) : false,
    actions: row.actions as StoredAction[],
    activeAfter: Number(row.active_after_diff),
  };
}

const ANY = '*';
const key = (namespace: string, event: string) => `${namespace}\u0000${event}`;

/** Rules of one kind, indexed by (namespace | *, event | *). */
export class RuleIndex {
  readonly #byKey = new Map<string, CompiledRule[]>();
  readonly all: CompiledRule[] = [];

  constructor(rules: readonly CompiledRule[]) {
    for (const r of rules) {
      const k = key(r.trigger.namespace ?? ANY, r.trigger.event ?? ANY);
      this.#byKey.set(k, [...(this.#byKey.get(k) ?? []), r]);
      this.all.push(r);
    }
  }

  get size(): number {
    return this.all.length;
  }

  /** Rules whose namespace / entity type / event / start filters pass (conditions not yet tested). */
  candidates(diff: Pick<DiffFacts, 'id' | 'namespace' | 'entity_type' | 'event'>): CompiledRule[] {
    if (this.all.length === 0) return [];
    const out: CompiledRule[] = [];
    for (const k of [key(diff.namespace, diff.event), key(diff.namespace, ANY), key(ANY, diff.event), key(ANY, ANY)]) {
      for (const r of this.#byKey.get(k) ?? []) {
        if (r.trigger.entity_type && r.trigger.entity_type !== diff.entity_type) continue;
        if (diff.id !== undefined ? diff.id <= r.activeAfter : r.activeAfter >= NOT_ACTIVE_YET) continue;
        out.push(r);
      }
    }
    return out;
  }

  /** Rules that match; `entity` (the entity's state) is consulted only by rules that read it. */
  match(diff: DiffFacts, entity?: Json | null): CompiledRule[] {
    const facts: Facts = { before: diff.before, after: diff.after, metadata: diff.metadata, actor: diff.actor, entity: entity ?? null };
    return this.candidates(diff).filter((r) => !r.test || r.test(facts));
  }
}

export type TenantRules = { reactive: RuleIndex; precommit: RuleIndex; scheduled: CompiledRule[] };

export function indexRules(rows: readonly RuleRow[]): TenantRules {
  const compiled = rows.filter((r) => r.enabled).map(compileRule);
  return {
    reactive: new RuleIndex(compiled.filter((r) => r.kind === 'reactive')),
    precommit: new RuleIndex(compiled.filter((r) => r.kind === 'precommit')),
    scheduled: compiled.filter((r) => r.kind === 'scheduled'),
  };
}

/** Tenants' compiled rules in this process (read in the writer's or the evaluator's transaction). */
export type RuleCache = TenantCache<TenantRules>;
