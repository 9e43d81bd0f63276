// SENSE: the ledger subscription `rules` delivers every committed diff once, in commit order,
// and this turns every match of an active rule into a run row + a durable job — all in the
// transaction that moves the subscription's cursor. A crash before that commit redelivers the
// same diffs; after it, the jobs exist. With N workers one delivers and the others wait.
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import type { Jobs } from '../../platform/jobs.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { CommittedDiff, Ledger } from '../ledger/index.js';
import { ACT_QUEUE, type ActJob } from './runner.js';
import type { CompiledRule, RuleCache, RuleRow, TenantRules } from './ruleset.js';
import { indexRules } from './ruleset.js';

export type EvaluatorDeps = {
  jobs: Jobs; ledger: Ledger; cache: RuleCache; log: Logger;
  maxChainDepth: number; batchSize?: number; pollMs?: number;
};

type DiffRow = CommittedDiff;

export const RULE_COLUMNS = ['id', 'tenant_id', 'name', 'kind', 'enabled', 'trigger', 'actions', 'active_after_diff'] as const;

/** Rule rows (not deleted) of some tenants, grouped. */
async function fetchRules(tx: Tx, tenantIds: readonly string[]): Promise<Map<string, RuleRow[]>> {
  const rows = await tx.selectFrom('rules').select([...RULE_COLUMNS]).where('tenant_id', 'in', tenantIds).where('deleted_at', 'is', null).execute();
  const out = new Map<string, RuleRow[]>(tenantIds.map((t) => [t, []]));
  for (const r of rows) out.get(r.tenant_id)!.push(r as RuleRow);
  return out;
}

export const chainDepth = (metadata: JsonObject): number => (typeof metadata.chain_depth === 'number' ? metadata.chain_depth : 0);

export const RULES_SUBSCRIPTION = 'rules';

export function createEvaluator(d: EvaluatorDeps) {
  let epoch: string | null = null;

  async function rulesFor(tx: Tx, tenantIds: readonly string[]): Promise<Map<string, TenantRules>> {
    const out = new Map<string, TenantRules>();
    const missing: string[] = [];
    for (const t of tenantIds) {
      const held = d.cache.peek(t);
      if (held) out.set(t, held);
      else missing.push(t);
    }
    if (missing.length > 0) {
      for (const [t, rows] of await fetchRules(tx, missing)) {
        const rules = indexRules(rows);
        d.cache.set(t, rules);
        out.set(t, rules);
      }
    }
    return out;
  }

  /** One delivered batch: runs + jobs for every match, in the delivery's transaction. */
  async function evaluate(rows: readonly DiffRow[], { tx, onCommit }: { tx: Tx; onCommit(fn: () => void): void }): Promise<void> {
    // A rule changed anywhere since the last batch → recompile (NOTIFY usually got here first).
    const latest = await sql<{ v: string | null }>`select max(updated_at)::text as v from rules`.execute(tx);
    const v = latest.rows[0]?.v ?? null;
    if (v !== epoch) {
      d.cache.forgetAll();
      epoch = v;
    }
    const byTenant = await rulesFor(tx, [...new Set(rows.map((r) => r.tenant_id))]);
    const runs: { id: string; tenant_id: string; rule_id: string; diff_id: number; action_index: number; action_type: string; entity_type: string; entity_id: string; status: 'queued' | 'loop_cut' }[] = [];
    const cuts: { row: DiffRow; rule: CompiledRule }[] = [];
    for (const row of rows) {
      const rules = byTenant.get(row.tenant_id)!;
      if (rules.reactive.size === 0 || (row.namespace === 'rules' && row.event === 'rule.loop_cut')) continue;
      const facts = { ...row, before: row.value_before, after: row.value_after, actor: { type: row.actor_type, id: row.actor_id } };
      let entity: Json | null | undefined;
      for (const rule of rules.reactive.candidates(facts)) {
        if (rule.test) {
          if (rule.needsEntity && entity === undefined) {
            entity = (await d.ledger.stateIn(tx, { entityType: row.entity_type, entityId: row.entity_id }, row.created_at)).state;
          }
          if (!rule.test({ ...facts, entity: entity ?? null })) continue;
        }
        const cut = chainDepth(row.metadata) >= d.maxChainDepth;
        if (cut) cuts.push({ row, rule });
        rule.actions.forEach((a, i) => runs.push({
          id: newId('run'), tenant_id: row.tenant_id, rule_id: rule.id, diff_id: row.id, action_index: i, action_type: a.type,
          entity_type: row.entity_type, entity_id: row.entity_id, status: cut ? 'loop_cut' : 'queued',
        }));
      }
    }
    if (runs.length > 0) {
      // Insert-or-ignore: the (rule, diff, action) key makes a redelivery harmless.
      const inserted = await tx.insertInto('rule_runs').values(runs.map((r) => ({ ...r, finished_at: r.status === 'loop_cut' ? new Date() : null,
        error: r.status === 'loop_cut' ? `causation chain deeper than ${d.maxChainDepth}: stopped` : null })))
        .onConflict((oc) => oc.columns(['rule_id', 'diff_id', 'action_index']).doNothing())
        .returning(['id', 'tenant_id', 'status']).execute();
      const jobs: ActJob[] = inserted.filter((r) => r.status === 'queued').map((r) => ({ tenantId: r.tenant_id, runId: r.id }));
      await d.jobs.enqueueMany(tx, ACT_QUEUE, jobs);
      if (jobs.length > 0) onCommit(() => d.jobs.nudge());
    }
    for (const { row, rule } of cuts) await recordLoopCut(tx, row, rule);
  }

  /** The warning that a loop was cut, as a diff (system actor: pre-commit policies never block it). */
  async function recordLoopCut(tx: Tx, row: DiffRow, rule: CompiledRule): Promise<void> {
    const ctx: Ctx = { tenantId: row.tenant_id, actor: { type: 'system', id: 'rules' }, tx, onCommit: () => undefined };
    await d.ledger.record(ctx, {
      namespace: 'rules', entityType: 'rule', entityId: rule.id, event: 'rule.loop_cut', causationId: row.id,
      after: { rule_id: rule.id, rule_name: rule.name, chain_depth: chainDepth(row.metadata), limit: d.maxChainDepth },
      metadata: { chain_depth: chainDepth(row.metadata) + 1 },
    });
  }

  const subscription = d.ledger.subscribe(RULES_SUBSCRIPTION, evaluate, { batchSize: d.batchSize ?? 1000, pollMs: d.pollMs ?? 250, log: d.log });

  return {
    tick: subscription.tick,
    wake: subscription.wake,
    backlog: subscription.backlog,
    /** Evaluates every diff committed before the call (tests, bench), waiting for the horizon up to `timeoutMs`. */
    drain: (timeoutMs?: number) => subscription.drain(timeoutMs),
    start: () => subscription.start(),
    stop: () => subscription.stop(),
  };
}
