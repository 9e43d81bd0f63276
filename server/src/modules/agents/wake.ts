// Heartbeats and wakes. Each agent has a staggered schedule (every N minutes, offset per agent)
// stored as `next_wake_at`; a worker's sweep wakes the due ones, each in its own tenant
// transaction with the agent row locked (SKIP LOCKED: two workers never wake one agent twice).
// A wake looks, in order, for: requests waiting for it (a rule's wake_agent, a mention, a
// handoff, a message, "wake now"), then its duties (the Ops coordinator: blocked and overdue
// tasks it has not nudged about today). No work → no run and no model call: it sleeps again.
// Work → a run of its work loop starts in the same transaction (durable from then on).
import { sql } from 'kysely';
import type { CommandRegistry } from '../../platform/commands.js';
import { inTenant, type Ctx } from '../../platform/context.js';
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/index.js';
import type { Json } from '../../platform/schema.js';
import type { Ledger } from '../ledger/index.js';
import type { Orchestration } from '../orchestration/index.js';
import type { TaskFacts, WorkItem } from './behaviours.js';
import { LOOP_FLOW_KEY, loopFlowDefinition } from './loop-flow.js';
import { NS } from './memory.js';
import { budgetOf, dayOf, nextWake, overBudget, type AgentRow } from './model.js';
import { templateOf } from './templates.js';

export type WakeDeps = { db: Db; ledger: Ledger; commands: CommandRegistry; orchestration: Pick<Orchestration, 'startRun' | 'ensureFlow' | 'runStatus'>; now: () => Date; log: Logger };
const FINISHED = new Set(['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled']);
export type WakeOutcome = { kind: 'slept' | 'working' | 'paused' | 'over_budget' | 'busy'; summary: string; run_id: string | null; items: number; at: string };

/** The Ops coordinator's duties: blocked and overdue tasks without a nudge today. */
async function opsDuties(ctx: Ctx, d: WakeDeps, agent: AgentRow, now: Date): Promise<WorkItem[]> {
  const today = dayOf(now);
  const open = await d.commands.run<TaskFacts[]>(ctx, 'work.list_tasks', { open: true, limit: 500 });
  const candidates = open.map((t): WorkItem | null => (t.status === 'blocked' ? { kind: 'task', reason: 'blocked', task: t } : t.overdue ? { kind: 'task', reason: 'overdue', task: t } : null))
    .filter((w): w is Extract<WorkItem, { kind: 'task' }> => w !== null);
  if (candidates.length === 0) return [];
  // One nudge per task per day, and none while one waits for a decision.
  const since = new Date(`${today}T00:00:00Z`);
  const nudged = await ctx.tx.selectFrom('agent_proposals').select('entity_id').where('agent_id', '=', agent.id).where('entity_type', '=', 'task')
    .where('entity_id', 'in', candidates.map((c) => (c as Extract<WorkItem, { kind: 'task' }>).task.id))
    .where((eb) => eb.or([eb('status', 'in', ['reviewing', 'pending', 'revising']), eb('created_at', '>=', since)])).execute();
  const skip = new Set(nudged.map((n) => n.entity_id));
  return candidates.filter((c) => !skip.has((c as Extract<WorkItem, { kind: 'task' }>).task.id)).slice(0, 20);
}

/**
 * Wakes one agent now, in the caller's tenant transaction (its row locked by the caller or here).
 * `force`: "wake now" — also when paused by its schedule (never when over budget or disabled).
 */
export async function wake(ctx: Ctx, d: WakeDeps, agent: AgentRow, reason: 'heartbeat' | 'manual', now: Date = d.now()): Promise<WakeOutcome> {
  const at = now.toISOString();
  const next = nextWake(now, agent.every_minutes, agent.offset_minutes);
  const settle = async (o: WakeOutcome, status: AgentRow['status']) => {
    await ctx.tx.updateTable('agents').set({ status, last_wake_at: now, next_wake_at: next, last_outcome: JSON.stringify(o), updated_at: now }).where('id', '=', agent.id).execute();
    await d.ledger.record(ctx, { namespace: NS, entityType: 'agent', entityId: agent.id, event: 'agent.woke', after: { agent_id: agent.id, reason, outcome: o.kind, summary: o.summary, run_id: o.run_id }, scopeId: agent.id });
    return o;
  };
  if (!agent.enabled || agent.archived_at) return settle({ kind: 'paused', summary: 'Disabled: not woken', run_id: null, items: 0, at }, agent.status);
  if (overBudget(budgetOf(agent, now))) return settle({ kind: 'over_budget', summary: 'The monthly budget is used: paused until a person raises it', run_id: null, items: 0, at }, 'paused');
  if (agent.status === 'paused') return settle({ kind: 'paused', summary: 'Paused', run_id: null, items: 0, at }, 'paused');
  // One loop at a time: a wake while one runs leaves the requests for the next. A loop that
  // ended without judging (it failed) leaves the agent in error until the next wake finds work.
  if (agent.status === 'active') {
    const last = (agent.last_outcome as { run_id?: string | null } | null)?.run_id ?? null;
    const status = last ? await d.orchestration.runStatus(ctx.tx, last) : null;
    if (status && !FINISHED.has(status)) return settle({ kind: 'busy', summary: 'Still working on the last wake', run_id: last, items: 0, at }, 'active');
  }

  const requests = await ctx.tx.selectFrom('agent_wakes').selectAll().where('agent_id', '=', agent.id).where('taken_at', 'is', null).orderBy('created_at').limit(20).execute();
  const items: WorkItem[] = requests.map((r) => ({ kind: 'request', reason: r.reason, wake_id: r.id, text: String((r.detail as { text?: string }).text ?? r.reason).slice(0, 2000), from: ((r.detail as { from?: { type: string; id: string } }).from ?? null) }));
  const behaviour = templateOf(agent.template)?.behaviour ?? 'none';
  if (behaviour === 'ops') items.push(...await opsDuties(ctx, d, agent, now));
  if (items.length === 0) return settle({ kind: 'slept', summary: 'Nothing to do (no model call)', run_id: null, items: 0, at }, 'sleeping');

  await d.orchestration.ensureFlow(ctx, loopFlowDefinition());
  // The chain: what asked (a rule's trigger, a message…) → agent.woke → run.started → every step and tool call.
  const asked = requests.find((r) => r.cause_diff_id !== null)?.cause_diff_id ?? null;
  const woke = await d.ledger.record({ ...ctx, ...(asked !== null && { cause: { diffId: Number(asked), metadata: { agent: agent.id } } }) }, {
    namespace: NS, entityType: 'agent', entityId: agent.id, event: 'agent.woke', after: { agent_id: agent.id, reason, outcome: 'working', items: items.length }, scopeId: agent.id,
  });
  const run = await d.orchestration.startRun({ ...ctx, actor: { type: 'agent', id: agent.id }, cause: { diffId: woke.id, metadata: { agent: agent.id } } }, LOOP_FLOW_KEY, { agent_id: agent.id, work: items as unknown as Json[] });
  if (requests.length > 0) await ctx.tx.updateTable('agent_wakes').set({ taken_at: now }).where('id', 'in', requests.map((r) => r.id)).execute();
  const o: WakeOutcome = { kind: 'working', summary: `${items.length} item(s) to work on`, run_id: run.id, items: items.length, at };
  await ctx.tx.updateTable('agents').set({ status: 'active', last_wake_at: now, next_wake_at: next, last_outcome: JSON.stringify(o), updated_at: now }).where('id', '=', agent.id).execute();
  return o;
}

/**
 * Wakes every due agent of every workspace (the worker's tick). Due agents are listed across
 * tenants, then each is woken in its own tenant transaction, locked and re-checked there.
 * Returns how late each wake was (ms after its due time): the heartbeat drift.
 */
export async function wakeDue(d: WakeDeps, now: Date, limit = 200): Promise<number[]> {
  // system: which agents are due, across every workspace (ids only; each wake is a tenant transaction).
  const due = await d.db.systemTx((tx) => sql<{ id: string; tenant_id: string }>`
    select id, tenant_id from agents where enabled and archived_at is null and next_wake_at <= ${now} order by next_wake_at limit ${limit}`.execute(tx));
  const drifts: number[] = [];
  for (const a of due.rows) {
    const drift = await inTenant(d.db, { tenantId: a.tenant_id, actor: { type: 'agent', id: a.id } }, async (ctx) => {
      const agent = await ctx.tx.selectFrom('agents').selectAll().where('id', '=', a.id).where('next_wake_at', '<=', now).forUpdate().skipLocked().executeTakeFirst();
      if (!agent) return null;
      await wake(ctx, d, agent, 'heartbeat', now);
      return d.now().getTime() - agent.next_wake_at!.getTime();
    }).catch((err: unknown) => {
      d.log.warn({ err, agent: a.id }, 'agent heartbeat failed; retried at its next tick');
      return null;
    });
    if (drift !== null) drifts.push(drift);
  }
  return drifts;
}
