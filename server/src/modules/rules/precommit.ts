// Pre-commit policies: run inside the writer's transaction, just before its diffs are
// recorded. `guard` refuses the change (409 BLOCKED_BY_RULE, everything rolls back);
// `require_approval` rolls it back too but holds it (ChangeHeld → 202 + an approval item).
// When an approved change is re-applied, the same hook marks the approval decided in that
// very transaction, so "applied" and "approved" can never disagree.
import { sql } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { AppError, errors } from '../../platform/errors.js';
import { ChangeHeld } from '../../platform/http/route.js';
import type { Json } from '../../platform/schema.js';
import type { BeforeRecord, DiffInput, Ledger } from '../ledger/index.js';
import { RULE_COLUMNS } from './evaluator.js';
import { indexRules, type CompiledRule, type RuleCache, type RuleRow } from './ruleset.js';
import type { ApprovalAction, GuardAction } from './own-actions.js';
import { render } from './template.js';

export type Hold = { rule: CompiledRule; diff: DiffInput; message: string };

const HOLDABLE_ACTORS = new Set(['user', 'api_key']);
/** Key order does not matter: the proposal comes back from jsonb, which reorders keys. */
const canonical = (v: Json | null | undefined): string => JSON.stringify(v ?? null, (_k, x: unknown) =>
  x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0))) : x);
const same = (a: Json | null | undefined, b: Json | null | undefined) => canonical(a) === canonical(b);

export function precommitHook(deps: { cache: RuleCache; ledger: Pick<Ledger, 'record' | 'stateIn'> }): BeforeRecord {
  /** Approvals already settled in a transaction (a command may record several batches). */
  const settled = new WeakMap<Tx, number>();

  return async (ctx, inputs) => {
    // System work (migrations, the evaluator's own warnings) is never blocked.
    if (ctx.actor.type === 'system') return inputs;
    const rules = await deps.cache.getIn(ctx.tenantId, async () =>
      indexRules((await ctx.tx.selectFrom('rules').select([...RULE_COLUMNS]).where('deleted_at', 'is', null).execute()) as RuleRow[]), ctx);
    let out = inputs;
    if (ctx.approval) out = await settleApproval(ctx, out);
    if (rules.precommit.size === 0) return out;
    const now = new Date();
    // The entity as it is before this change (none yet for a creation).
    const currentState = async (d: DiffInput): Promise<Json | null> => {
      try {
        return (await deps.ledger.stateIn(ctx.tx, { entityType: d.entityType, entityId: d.entityId }, now)).state;
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return null;
        throw err;
      }
    };
    for (const d of out) {
      if (d.observed) continue; // a record of a fact (an AI call made): nothing to refuse or hold
      const facts = {
        namespace: d.namespace, entity_type: d.entityType, event: d.event, created_at: now,
        before: d.before ?? null, after: d.after ?? null, metadata: d.metadata ?? {}, actor: { type: ctx.actor.type, id: ctx.actor.id },
      };
      let entity: Json | null | undefined;
      for (const rule of rules.precommit.candidates(facts)) {
        if (rule.test) {
          if (rule.needsEntity && entity === undefined) entity = await currentState(d);
          if (!rule.test({ ...facts, entity: entity ?? null })) continue;
        }
        const action = rule.actions[0] as GuardAction | ApprovalAction;
        if (entity === undefined) entity = await currentState(d);
        const scope = { before: d.before ?? null, after: d.after ?? null, metadata: d.metadata ?? {}, entity: entity ?? null, rule: { id: rule.id, name: rule.name } };
        if (action.type === 'guard') {
          throw new AppError('BLOCKED_BY_RULE', 409, `Blocked by rule "${rule.name}": ${render(action.message, scope)}`, [
            { message: render(action.message, scope), rule_id: rule.id, rule_name: rule.name },
          ]);
        }
        if (action.type === 'require_approval') {
          if (ctx.approval?.ruleId === rule.id) continue; // this is the approved change being applied
          if (!HOLDABLE_ACTORS.has(ctx.actor.type)) continue; // rules' and agents' own effects are not held here
          if (ctx.holdable === false) continue; // a sign-in, a hold's own bookkeeping…: nothing to approve later (context.ts)
          const hold: Hold = { rule, diff: d, message: action.message ? render(action.message, scope) : `Needs approval (rule "${rule.name}").` };
          throw new ChangeHeld(hold);
        }
      }
    }
    return out;
  };

  /**
   * Marks the approval approved in the transaction that applies it — refusing if it was decided
   * meanwhile, or if the change now differs from what was proposed — and links the applied
   * diff to the approver's decision.
   */
  async function settleApproval(ctx: Ctx, inputs: readonly DiffInput[]): Promise<readonly DiffInput[]> {
    const grant = ctx.approval!;
    const done = settled.get(ctx.tx);
    if (done !== undefined) return inputs.map((d) => ({ ...d, causationId: d.causationId ?? done }));
    const approval = await ctx.tx.selectFrom('approvals').selectAll().where('id', '=', grant.id).forUpdate().executeTakeFirst();
    if (!approval) throw errors.notFound('Approval');
    const proposed = inputs.find((d) => d.entityType === approval.entity_type && d.entityId === approval.entity_id && d.event === approval.event);
    if (!proposed) return inputs; // the proposed change comes in a later batch of this command
    if (approval.status !== 'pending') throw errors.conflict('APPROVAL_DECIDED', `This approval was already ${approval.status}.`);
    if (!same(proposed.before, approval.proposed_before) || !same(proposed.after, approval.proposed_after)) {
      throw errors.conflict('APPROVAL_STALE', 'The entity changed since this change was proposed: it would no longer do what was approved. Reject it and ask again.');
    }
    await ctx.tx.updateTable('approvals').set({ status: 'approved', decided_by: grant.approver.id, decision_why: grant.why, decided_at: sql`now()` }).where('id', '=', grant.id).execute();
    // The decision itself is never held again (another rule on approvals would hold it for ever).
    const decision = await deps.ledger.record({ ...ctx, actor: grant.approver, approval: undefined, cause: undefined, holdable: false }, {
      namespace: 'rules', entityType: 'approval', entityId: grant.id, event: 'approval.approved',
      before: { status: 'pending' }, after: { status: 'approved' }, why: grant.why, sentiment: grant.sentiment,
      metadata: { rule_id: grant.ruleId, requested_by: approval.requested_by },
    });
    settled.set(ctx.tx, decision.id);
    return inputs.map((d) => ({ ...d, causationId: d.causationId ?? decision.id, metadata: { ...d.metadata, approval_id: grant.id, approved_by: grant.approver.id } }));
  }
}
