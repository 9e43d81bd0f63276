// What-if: run a rule (saved or draft) over a past window of the ledger and say what it would
// have done. The transaction is READ ONLY — Postgres itself refuses any write — and effects are
// described (rendered messages, resolved recipients, predictions) instead of performed.
import { sql } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import { diffPublicId } from '../ledger/index.js';
import { resolveTargets, type EffectDeps, type TriggerDiff } from './actions.js';
import type { StoredAction } from './model.js';
import { predict } from './predict.js';
import { compileRule, RuleIndex, type RuleRow } from './ruleset.js';
import { scopeOf } from './runner.js';
import { render } from './template.js';

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
    const matches: Json[] = [];
    let matched = 0;
    for (const d of diffs) {
      const facts = { ...d, before: d.value_before, after: d.value_after, actor: { type: d.actor_type, id: d.actor_id } };
      const entity = rule.needsEntity || matched < w.limit ? obj((await deps.ledger.stateIn(tx, { entityType: d.entity_type, entityId: d.entity_id }, d.created_at)).state) : null;
      if (index.match(facts, entity).length === 0) continue;
      matched += 1;
      if (matches.length >= w.limit) continue;
      const diff: TriggerDiff = { ...d, before: d.value_before, after: d.value_after };
      const why = (await deps.ledger.diffsWithWhys(tx, [d.id])).get(d.id)?.why ?? null;
      const loaded = { diff, rule: { id: row.id, name: row.name }, why };
      const scope = scopeOf(loaded, entity);
      const a = { ctx, diff, rule: loaded.rule, scope, entity };
      const would: Json[] = [];
      for (const action of rule.actions) would.push(await describe(deps, a, action));
      matches.push({
        diff: { id: diffPublicId(d.id), event: d.event, namespace: d.namespace, entity_type: d.entity_type, entity_id: d.entity_id, actor: { type: d.actor_type, id: d.actor_id }, created_at: d.created_at.toISOString() },
        would,
      });
    }
    return { window: { since: w.since.toISOString(), until: w.until.toISOString() }, scanned: diffs.length, scan_truncated: diffs.length === SCAN_CAP, matched, matches };
  });
}

async function describe(deps: EffectDeps, a: Parameters<typeof resolveTargets>[1], action: StoredAction): Promise<Json> {
  const { scope } = a;
  switch (action.type) {
    case 'notify':
      return { type: 'notify', to: await resolveTargets(deps, a, Array.isArray(action.to) ? action.to : [action.to]), title: render(action.title ?? a.rule.name, scope), message: render(action.message, scope) };
    case 'tag':
      return { type: 'tag', add: (action.add ?? []).map((t) => render(t, scope)), remove: (action.remove ?? []).map((t) => render(t, scope)) };
    case 'create_task':
      return { type: 'create_task', workflow: action.workflow === 'same' ? (a.diff.entity_type === 'workflow' ? a.diff.entity_id : (a.entity?.workflow_id ?? null)) : action.workflow, name: render(action.name, scope) };
    case 'start_workflow':
      return { type: 'start_workflow', template_id: action.template_id ?? null, name: render(action.name, scope) };
    case 'webhook':
      return { type: 'webhook', url: action.url, event_type: `atrium.${a.diff.event}` };
    case 'predict': {
      const p = await predict(a.ctx, deps.work, action.model, a.diff, a.entity);
      return { type: 'predict', model: action.model, prediction: p.prediction, evidence: p.evidence };
    }
    case 'guard':
      return { type: 'guard', would_block: render(action.message, scope) };
    case 'require_approval':
      return { type: 'require_approval', would_hold: true, approvers: action.approvers };
  }
}
