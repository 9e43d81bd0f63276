// What-if: run a rule (saved or draft) over a past window of the ledger and say what it would
// have done. The transaction is READ ONLY — Postgres itself refuses any write — and effects are
// described (rendered messages, resolved recipients, predictions) instead of performed.
import { sql } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import { diffPublicId } from '../ledger/index.js';
import { triggerOf, type EffectDeps, type TriggerDiff } from './actions.js';
import { compileRule, RuleIndex, type RuleRow } from './ruleset.js';

export type SimulationWindow = { since: Date; until: Date; limit: number };
const SCAN_CAP = 20_000;

const obj = (v: Json | null | undefined): JsonObject | null => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);

export async function simulate(db: Db, deps: EffectDeps, tenantId: string, row: RuleRow, w: SimulationWindow) {
  const rule = { ...compileRule(row), activeAfter: 0 }; // the past is exactly what we replay
  const index = new RuleIndex([rule]);
  return db.tenantTx(tenantId, async (tx) => {
    await sql`set transaction read only`.execute(tx);
    const ctx: Ctx = { tenantId, actor: { type: 'rule', id: row.id }, tx, onCommit: () => undefined };
    const diffs = await deps.ledger.diffsBetween(tx, {
      since: w.since, until: w.until, limit: SCAN_CAP,
      namespace: rule.trigger.namespace, entity_type: rule.trigger.entity_type, event: rule.trigger.event,
    });
    // First which diffs match (the entity is read only when the rule needs it or the match is
    // shown), then the whys of the shown ones in one query, then what each action would do.
    const shown: { d: (typeof diffs)[number]; entity: JsonObject | null }[] = [];
    let matched = 0;
    for (const d of diffs) {
      const facts = { ...d, before: d.value_before, after: d.value_after, actor: { type: d.actor_type, id: d.actor_id } };
      const entity = rule.needsEntity || matched < w.limit ? obj((await deps.ledger.stateIn(tx, { entityType: d.entity_type, entityId: d.entity_id }, d.created_at)).state) : null;
      if (index.match(facts, entity).length === 0) continue;
      matched += 1;
      if (shown.length < w.limit) shown.push({ d, entity });
    }
    const whys = shown.length > 0 ? await deps.ledger.diffsWithWhys(tx, shown.map((m) => m.d.id)) : new Map<number, { why: string | null }>();
    const matches: Json[] = [];
    for (const { d, entity } of shown) {
      const diff: TriggerDiff = { ...d, before: d.value_before, after: d.value_after };
      const t = triggerOf(deps, tx, { diff, rule: { id: row.id, name: row.name }, why: whys.get(d.id)?.why ?? null }, entity);
      const would: Json[] = [];
      // Each action says what it would do; its module knows how (nothing is written).
      for (const action of rule.actions) would.push({ type: action.type, ...(await deps.actions.get(action.type).describe(ctx, action, t)) });
      matches.push({
        diff: { id: diffPublicId(d.id), event: d.event, namespace: d.namespace, entity_type: d.entity_type, entity_id: d.entity_id, actor: { type: d.actor_type, id: d.actor_id }, created_at: d.created_at.toISOString() },
        would,
      });
    }
    return { window: { since: w.since.toISOString(), until: w.until.toISOString() }, scanned: diffs.length, scan_truncated: diffs.length === SCAN_CAP, matched, matches };
  });
}
