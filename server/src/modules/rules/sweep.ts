// Scheduled rules: time passing writes no diff, so a cron job (the job engine's `schedule`)
// looks for entities that match a rule and have not changed for `stale_for_hours`. The run
// key is (rule, the entity's latest diff, action): one escalation per quiet spell, and a new
// one if the entity changes and goes quiet again.
import type { Db } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import type { Jobs } from '../../platform/jobs.js';
import type { Ledger } from '../ledger/index.js';
import { RULE_COLUMNS } from './evaluator.js';
import { ACT_QUEUE, type ActJob } from './runner.js';
import { compileRule, type RuleRow } from './ruleset.js';

export const SWEEP_QUEUE = 'rules.sweep';
const CANDIDATES_PER_RULE = 500;

export async function sweep(d: { db: Db; jobs: Jobs; ledger: Ledger }, now: Date): Promise<number> {
  // system: the cron sweep finds the scheduled rules of every tenant (each is then evaluated in its own tenant transaction).
  const rows = (await d.db.systemTx((tx) => tx.selectFrom('rules').select([...RULE_COLUMNS])
    .where('kind', '=', 'scheduled').where('enabled', '=', true).where('deleted_at', 'is', null).execute())) as RuleRow[];
  const byTenant = new Map<string, RuleRow[]>();
  for (const r of rows) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r]);
  let queued = 0;
  // Each tenant in its own RLS-bound transaction: a sweep never reads across tenants.
  for (const [tenantId, rules] of byTenant) {
    queued += await d.db.tenantTx(tenantId, async (tx) => {
      const jobs: ActJob[] = [];
      for (const row of rules) {
        const rule = compileRule(row);
        const type = rule.trigger.entity_type!;
        const olderThan = new Date(now.getTime() - rule.trigger.stale_for_hours! * 3_600_000);
        for (const q of await d.ledger.quietEntities(tx, { entityType: type, namespace: rule.trigger.namespace, olderThan, limit: CANDIDATES_PER_RULE })) {
          const state = (await d.ledger.stateIn(tx, { entityType: type, entityId: q.entityId }, now)).state;
          if (state === null) continue; // deleted
          if (rule.test && !rule.test({ before: null, after: null, metadata: {}, actor: {}, entity: state })) continue;
          const inserted = await tx.insertInto('rule_runs').values(rule.actions.map((a, i) => ({
            id: newId('run'), tenant_id: tenantId, rule_id: row.id, diff_id: q.lastDiffId, action_index: i, action_type: a.type,
            entity_type: type, entity_id: q.entityId, status: 'queued' as const,
          }))).onConflict((oc) => oc.columns(['rule_id', 'diff_id', 'action_index']).doNothing()).returning(['id']).execute();
          jobs.push(...inserted.map((r) => ({ tenantId, runId: r.id })));
        }
      }
      await d.jobs.enqueueMany(tx, ACT_QUEUE, jobs);
      return jobs.length;
    });
  }
  if (queued > 0) d.jobs.nudge();
  return queued;
}
