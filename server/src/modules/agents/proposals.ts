// Proposals: a tool call that needs approval. The agent's reviewer agent answers first (praise |
// refute, with reasons and a confidence); praised, it waits for a person in the inbox; refuted,
// it goes back for one revision, and a second refute sends it to a person marked disputed.
import type { Ctx } from '../../platform/context.js';
import { newId } from '../../platform/ids.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { Ledger } from '../ledger/index.js';
import type { Verdict } from './behaviours.js';
import { NS } from './memory.js';
import type { AgentsTables, ProposalStatus } from './schema.js';

export type ProposalRow = import('kysely').Selectable<AgentsTables['agent_proposals']>;
export type Review = Verdict & { reviewer: { type: string; id: string }; iteration: number; at: string; offline: boolean };

export const proposalFacts = (p: Pick<ProposalRow, 'agent_id' | 'command' | 'status' | 'summary'>) => ({ agent_id: p.agent_id, command: p.command, status: p.status, summary: p.summary });

export function proposalView(p: ProposalRow, agent?: { name: string; colour: string; avatar: string; department: string | null }) {
  return {
    id: p.id, agent_id: p.agent_id, agent: agent ?? null, run_id: p.run_id, iteration: p.iteration, command: p.command, input: p.input,
    edited_input: p.edited_input, summary: p.summary, why: p.why, priority: p.priority, status: p.status, reviews: p.reviews as Review[],
    disputed: p.disputed, entity: p.entity_type && p.entity_id ? { type: p.entity_type, id: p.entity_id } : null,
    proposed_diff_id: p.proposed_diff_id === null ? null : String(p.proposed_diff_id),
    decided_by: p.decided_by, decision_why: p.decision_why, decided_at: p.decided_at?.toISOString() ?? null, result: p.result,
    created_at: p.created_at.toISOString(), updated_at: p.updated_at.toISOString(),
  };
}
export type ProposalView = ReturnType<typeof proposalView>;

/** The entity a tool call is about, for the staleness check (a task, a workflow, a notified entity). */
export function entityOf(command: string, input: JsonObject): { type: string; id: string } | null {
  const e = input['entity'];
  if (e && typeof e === 'object' && !Array.isArray(e) && typeof e['type'] === 'string' && typeof e['id'] === 'string') return { type: e['type'], id: e['id'] };
  if (typeof input['task_id'] === 'string') return { type: 'task', id: input['task_id'] };
  if (typeof input['id'] === 'string' && /_task$/.test(command)) return { type: 'task', id: input['id'] };
  if (typeof input['id'] === 'string' && /_workflow$/.test(command)) return { type: 'workflow', id: input['id'] };
  if (typeof input['workflow_id'] === 'string') return { type: 'workflow', id: input['workflow_id'] };
  return null;
}

export type ProposeInput = { agentId: string; runId: string | null; iteration: number; command: string; input: JsonObject; summary: string; why: string; review: boolean; priority?: number };

export async function propose(ctx: Ctx, ledger: Ledger, p: ProposeInput): Promise<ProposalRow> {
  const entity = entityOf(p.command, p.input);
  const latest = entity ? await ledger.latestOf(ctx.tx, { entityType: entity.type, entityId: entity.id }) : null;
  // A revision replaces the refuted proposal about the same thing.
  const revised = await ctx.tx.selectFrom('agent_proposals').selectAll().where('agent_id', '=', p.agentId).where('status', '=', 'revising').where('command', '=', p.command)
    .where('entity_id', entity ? '=' : 'is', entity?.id ?? null).execute();
  for (const r of revised) {
    const after = await ctx.tx.updateTable('agent_proposals').set({ status: 'superseded', updated_at: new Date() }).where('id', '=', r.id).returningAll().executeTakeFirstOrThrow();
    await ledger.record(ctx, { namespace: NS, entityType: 'agent_proposal', entityId: r.id, event: 'proposal.superseded', before: proposalFacts(r), after: proposalFacts(after), scopeId: p.agentId });
  }
  const status: ProposalStatus = p.review ? 'reviewing' : 'pending';
  const id = newId('prop');
  const priorReviews = revised.flatMap((r) => r.reviews as Review[]);
  const row = await ctx.tx.insertInto('agent_proposals').values({
    id, tenant_id: ctx.tenantId, agent_id: p.agentId, run_id: p.runId, iteration: p.iteration, command: p.command, input: JSON.stringify(p.input),
    summary: p.summary.slice(0, 300), why: p.why.slice(0, 2000), priority: p.priority ?? 2, status, reviews: JSON.stringify(priorReviews),
    entity_type: entity?.type ?? null, entity_id: entity?.id ?? null, entity_diff_id: latest?.id ?? null,
  }).returningAll().executeTakeFirstOrThrow();
  const diff = await ledger.record(ctx, { namespace: NS, entityType: 'agent_proposal', entityId: id, event: 'proposal.created', after: { ...proposalFacts(row), input: p.input }, why: p.why, scopeId: p.agentId });
  return ctx.tx.updateTable('agent_proposals').set({ proposed_diff_id: diff.id }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/**
 * Applies a review: praise → a person decides; refute → back for one revision, or to a person
 * marked disputed when it was refuted before (or no iteration is left).
 */
export async function applyReview(ctx: Ctx, ledger: Ledger, p: ProposalRow, review: Review, canRevise: boolean): Promise<{ row: ProposalRow; revise: boolean }> {
  const reviews = [...(p.reviews as Review[]), review];
  const refutedBefore = (p.reviews as Review[]).some((r) => r.verdict === 'refute');
  const revise = review.verdict === 'refute' && !refutedBefore && canRevise;
  const status: ProposalStatus = revise ? 'revising' : 'pending';
  const row = await ctx.tx.updateTable('agent_proposals').set({ status, reviews: JSON.stringify(reviews), disputed: review.verdict === 'refute' && !revise, updated_at: new Date() })
    .where('id', '=', p.id).returningAll().executeTakeFirstOrThrow();
  await ledger.record({ ...ctx, actor: { type: review.reviewer.type as Ctx['actor']['type'], id: review.reviewer.id } }, {
    namespace: NS, entityType: 'agent_proposal', entityId: p.id, event: 'proposal.reviewed', before: proposalFacts(p),
    after: { ...proposalFacts(row), verdict: review.verdict, reasons: review.reasons as Json, confidence: review.confidence },
    why: `${review.verdict}: ${review.reasons.join('; ')}`.slice(0, 2000), causationId: p.proposed_diff_id === null ? null : Number(p.proposed_diff_id), scopeId: p.agent_id,
  });
  return { row, revise };
}
