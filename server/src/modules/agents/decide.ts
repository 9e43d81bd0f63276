// A person decides a proposal. Approving runs its tool call as the agent (actor agent, caused by
// the approval, so the chain leads back to what woke the agent); an edit before approving is
// checked against the tool's schema (400 at the field), recorded as the person's correction and
// written to the agent's MEMORY as a learned fact; rejecting needs a reason, also learned.
// Approving twice is 409 ALREADY_DECIDED; a proposal whose entity changed since is 409
// PROPOSAL_STALE with the entity's new state. People with 2FA confirm a fresh code first.
import { actingAs, inTenant, type Ctx, type Principal } from '../../platform/context.js';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import { hasScope } from '../../platform/http/route.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { Identity } from '../identity/index.js';
import type { Ledger } from '../ledger/index.js';
import { logLine, NS, writeFact, type MemoryDeps } from './memory.js';
import { proposalFacts, proposalView, type ProposalRow } from './proposals.js';
import { loadAgent } from './store.js';

export type DecideDeps = MemoryDeps & { db: Db; commands: CommandRegistry; identity: Pick<Identity, 'requireFreshStepUp'> };
export type Decision = { decision: 'approve' | 'reject'; why: string; input?: Record<string, unknown> };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const short = (v: unknown) => { const s = typeof v === 'string' ? v : JSON.stringify(v); return s.length > 160 ? `${s.slice(0, 157)}…` : s; };

/** What a person changed, field by field (top level), in words. */
function correctionOf(before: JsonObject, after: JsonObject): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !same(before[k], after[k]));
  return keys.map((k) => `${k}: “${short(before[k] ?? '')}” → “${short(after[k] ?? '')}”`).join('; ');
}

export async function decideProposal(d: DecideDeps, p: Principal, id: string, body: Decision) {
  if (body.decision === 'approve') await d.identity.requireFreshStepUp(p);
  if (p.actor.type !== 'user') throw errors.forbidden('Only a person decides a proposal.');
  return inTenant(d.db, { ...actingAs(p), holdable: false }, async (ctx) => {
    const row = await ctx.tx.selectFrom('agent_proposals').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw errors.notFound('Proposal');
    if (row.status === 'approved' || row.status === 'rejected') throw errors.conflict('PROPOSAL_DECIDED', `This proposal was already ${row.status}.`, [{ message: 'already decided', status: row.status, decided_by: row.decided_by }]);
    if (row.status !== 'pending') throw errors.conflict('PROPOSAL_NOT_READY', `This proposal is ${row.status === 'reviewing' ? 'with its reviewer agent' : row.status}; it is not waiting for a person.`);
    const scope = d.commands.scopeOf(row.command);
    if (!scope || !hasScope(p, scope, row.command.split('.')[0]!)) throw errors.forbidden(`Deciding this needs the "${scope ?? 'write'}" scope for ${row.command}.`);
    const agent = await loadAgent(ctx.tx, row.agent_id);
    const now = d.now();
    const cause = row.proposed_diff_id === null ? null : Number(row.proposed_diff_id);

    if (body.decision === 'reject') {
      const after = await ctx.tx.updateTable('agent_proposals').set({ status: 'rejected', decided_by: p.actor.id, decision_why: body.why, decided_at: now, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      const diff = await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_proposal', entityId: id, event: 'proposal.rejected', before: proposalFacts(row), after: proposalFacts(after), why: body.why, causationId: cause, scopeId: agent.id });
      await writeFact(ctx, d, agent.id, { key: `rejected: ${row.summary}`.slice(0, 200), value: `A person rejected “${row.summary}” (${row.command}): ${body.why}`, confidence: 0.9, sourceDiffId: diff.id, why: 'learned from a rejection' });
      await logLine(ctx, d, agent.id, 'rejected', `A person rejected: ${row.summary} — ${body.why}`, { diffId: diff.id });
      return { proposal: proposalView(after), result: null };
    }

    if (row.entity_type && row.entity_id && row.entity_diff_id !== null) {
      const latest = await d.ledger.latestOf(ctx.tx, { entityType: row.entity_type, entityId: row.entity_id });
      if (latest && latest.id > Number(row.entity_diff_id)) {
        throw errors.conflict('PROPOSAL_STALE', `The ${row.entity_type} changed since the agent proposed this: look again before approving.`, [{ message: 'stale', entity: { type: row.entity_type, id: row.entity_id }, current: latest.after }]);
      }
    }
    let input = row.input as JsonObject;
    let edited: ProposalRow | null = null;
    if (body.input !== undefined) {
      const checked = d.commands.check(row.command, body.input, 'body.input') as JsonObject;
      if (!same(checked, input)) {
        const correction = correctionOf(input, checked);
        edited = await ctx.tx.updateTable('agent_proposals').set({ edited_input: JSON.stringify(checked), updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
        const diff = await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_proposal', entityId: id, event: 'proposal.edited', before: { ...proposalFacts(row), input }, after: { ...proposalFacts(edited), input: checked }, why: body.why, causationId: cause, scopeId: agent.id });
        await writeFact(ctx, d, agent.id, { key: `correction: ${row.command} — ${row.summary}`.slice(0, 200), value: `A person corrected my proposal before approving: ${correction}. Their why: ${body.why}`.slice(0, 8000), confidence: 0.9, sourceDiffId: diff.id, why: 'learned from a person’s edit' });
        input = checked;
      }
    }
    const approved = await ctx.tx.updateTable('agent_proposals').set({ status: 'approved', decided_by: p.actor.id, decision_why: body.why, decided_at: now, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    const approvedDiff = await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_proposal', entityId: id, event: 'proposal.approved', before: proposalFacts(edited ?? row), after: { ...proposalFacts(approved), input }, why: body.why, causationId: cause, scopeId: agent.id });
    // The tool runs as the agent, caused by the approval (a person approved it: no rule holds it again).
    const asAgent: Ctx = { ...ctx, actor: { type: 'agent', id: agent.id }, cause: { diffId: approvedDiff.id, metadata: { proposal: id } } };
    const result = JSON.parse(JSON.stringify((await d.commands.run(asAgent, row.command, input)) ?? null)) as Json;
    const done = await ctx.tx.updateTable('agent_proposals').set({ result: JSON.stringify(result) }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await logLine(ctx, d, agent.id, 'approved', `A person approved: ${row.summary}${edited ? ' (after editing it)' : ''} — ${body.why}`, { diffId: approvedDiff.id });
    return { proposal: proposalView(done), result };
  });
}
