// SENSE: reads the ledger after commit, in commit order, through one durable cursor, and turns
// every match of an active rule into a run row + a durable job — all in the transaction that
// moves the cursor. A crash before that commit re-reads the same diffs; after it, the jobs exist.
// The cursor row is locked with SKIP LOCKED, so with N workers one evaluates and the others wait.
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Ctx } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { isDatabaseUnavailable } from '../../platform/db/unavailable.js';
import type { Jobs } from '../../platform/jobs.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import { DIFF_CHANNEL, type Ledger } from '../ledger/index.js';
import { ACT_QUEUE, type ActJob } from './runner.js';
import type { CompiledRule, RuleCache, RuleRow, TenantRules } from './ruleset.js';
import { indexRules } from './ruleset.js';

export type EvaluatorDeps = {
  db: Db; jobs: Jobs; hub: RealtimeHub; ledger: Ledger; cache: RuleCache; log: Logger;
  maxChainDepth: number; batchSize?: number; pollMs?: number;
};

type DiffRow = {
  id: number; tenant_id: string; namespace: string; entity_type: string; entity_id: string; event: string;
  value_before: Json | null; value_after: Json | null; metadata: JsonObject; actor_type: string; actor_id: string;
  created_at: Date; xact_id: string;
};

export const RULE_COLUMNS = ['id', 'tenant_id', 'name', 'kind', 'enabled', 'trigger', 'actions', 'active_after_diff'] as const;

/** Rule rows (not deleted) of some tenants, grouped. */
async function fetchRules(tx: Tx, tenantIds: readonly string[]): Promise<Map<string, RuleRow[]>> {
  const rows = await tx.selectFrom('rules').select([...RULE_COLUMNS]).where('tenant_id', 'in', tenantIds).where('deleted_at', 'is', null).execute();
  const out = new Map<string, RuleRow[]>(tenantIds.map((t) => [t, []]));
  for (const r of rows) out.get(r.tenant_id)!.push(r as RuleRow);
  return out;
}

/** Longest pause of the evaluator after consecutive failures. */
const MAX_BACKOFF_MS = 2_000;

export const chainDepth = (metadata: JsonObject): number => (typeof metadata.chain_depth === 'number' ? metadata.chain_depth : 0);

export function createEvaluator(d: EvaluatorDeps) {
  const batchSize = d.batchSize ?? 1000;
  let epoch: string | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  let stopped = false;
  let failures = 0;
  let pausedUntil = 0;

  async function rulesFor(tx: Tx, tenantIds: readonly string[]): Promise<Map<string, TenantRules>> {
    const missing = tenantIds.filter((t) => !d.cache.get(t));
    if (missing.length > 0) {
      for (const [t, rows] of await fetchRules(tx, missing)) d.cache.set(t, indexRules(rows));
    }
    return new Map(tenantIds.map((t) => [t, d.cache.get(t)!]));
  }

  /** One batch: returns how many diffs it consumed. */
  async function tick(): Promise<number> {
    let enqueued = 0;
    const consumed = await d.db.systemTx(async (tx) => {
      const cursor = await sql<{ xact_id: string; diff_id: string }>`
        select xact_id::text as xact_id, diff_id from rule_cursor where id = 1 for update skip locked`.execute(tx);
      const at = cursor.rows[0];
      if (!at) return 0; // another worker is evaluating
      const { rows } = await sql<DiffRow>`
        select id, tenant_id, namespace, entity_type, entity_id, event, value_before, value_after, metadata,
               actor_type, actor_id, created_at, xact_id::text as xact_id
        from diffs
        where (xact_id, id) > (${at.xact_id}::xid8, ${at.diff_id}::bigint)
          and xact_id < pg_snapshot_xmin(pg_current_snapshot())
        order by xact_id, id
        limit ${batchSize}`.execute(tx);
      if (rows.length === 0) return 0;

      // A rule changed anywhere since the last batch → recompile (NOTIFY usually got here first).
      const latest = await sql<{ v: string | null }>`select max(updated_at)::text as v from rules`.execute(tx);
      const v = latest.rows[0]?.v ?? null;
      if (v !== epoch) {
        d.cache.forget();
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
        // Insert-or-ignore: the (rule, diff, action) key makes re-evaluation harmless.
        const inserted = await tx.insertInto('rule_runs').values(runs.map((r) => ({ ...r, finished_at: r.status === 'loop_cut' ? new Date() : null,
          error: r.status === 'loop_cut' ? `causation chain deeper than ${d.maxChainDepth}: stopped` : null })))
          .onConflict((oc) => oc.columns(['rule_id', 'diff_id', 'action_index']).doNothing())
          .returning(['id', 'tenant_id', 'status']).execute();
        const jobs: ActJob[] = inserted.filter((r) => r.status === 'queued').map((r) => ({ tenantId: r.tenant_id, runId: r.id }));
        await d.jobs.enqueueMany(tx, ACT_QUEUE, jobs);
        enqueued = jobs.length;
      }
      for (const { row, rule } of cuts) await recordLoopCut(tx, row, rule);
      const last = rows.at(-1)!;
      await sql`update rule_cursor set xact_id = ${last.xact_id}::xid8, diff_id = ${last.id}, updated_at = now() where id = 1`.execute(tx);
      return rows.length;
    });
    if (enqueued > 0) d.jobs.nudge();
    return consumed;
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

  /** Whether some diff with id ≤ `target` is still behind the cursor. */
  async function unread(target: number): Promise<boolean> {
    const { rows } = await d.db.systemTx((tx) => sql<{ left: boolean }>`
      select exists (select 1 from diffs, rule_cursor c
                     where c.id = 1 and diffs.id <= ${target} and (diffs.xact_id, diffs.id) > (c.xact_id, c.diff_id)) as left`.execute(tx));
    return rows[0]?.left ?? false;
  }

  /** Drains the backlog; concurrent wake-ups coalesce into one more pass. */
  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (Date.now() < pausedUntil) return; // backing off after a failure: a later poll tries again
    running = (async () => {
      try {
        do {
          again = false;
          while (!stopped && (await tick()) === batchSize);
        } while (again && !stopped);
        failures = 0;
      } catch (err) {
        // Never fatal (a database restart, say): back off (poll interval doubling up to 2 s, jittered)
        // and go on from the durable cursor, which only a committed batch moved.
        failures++;
        const retryInMs = Math.round(Math.min(MAX_BACKOFF_MS, (d.pollMs ?? 250) * 2 ** (failures - 1)) * (0.5 + Math.random() / 2));
        pausedUntil = Date.now() + retryInMs;
        if (isDatabaseUnavailable(err)) d.log.warn({ err, failures, retry_in_ms: retryInMs }, 'rule evaluation: the database is unavailable; retrying');
        else d.log.error({ err, failures, retry_in_ms: retryInMs }, 'rule evaluation failed; retrying');
      } finally {
        running = null;
      }
    })();
  }

  return {
    tick,
    wake,
    /** Evaluates every diff committed before the call (tests, bench). A transaction still open
     *  anywhere on the server holds the horizon back, so this waits for the horizon, up to
     *  `timeoutMs`: "drained" must mean those diffs were seen, not merely that none were visible. */
    async drain(timeoutMs = 30_000): Promise<void> {
      while (running) await running;
      const target = (await d.db.systemTx((tx) => sql<{ id: number | null }>`select max(id) as id from diffs`.execute(tx))).rows[0]?.id ?? 0;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while ((await tick()) > 0);
        if (!(await unread(target))) return;
        if (Date.now() > deadline) throw new Error(`rules: diffs up to ${target} still unevaluated after ${timeoutMs} ms (a transaction holds the horizon back?)`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    start(): void {
      stopped = false;
      unsubscribe = d.hub.subscribeAll(DIFF_CHANNEL, () => wake());
      timer = setInterval(wake, d.pollMs ?? 250);
      timer.unref();
      wake();
    },
    async stop(): Promise<void> {
      stopped = true;
      unsubscribe?.();
      if (timer) clearInterval(timer);
      while (running) await running;
    },
  };
}
