// Monthly budget per workspace, in tokens and/or USD. Only paid calls count: offline and
// cache hits are free. A call is refused (429 BUDGET_EXCEEDED) once the month's usage has
// reached a limit — or served offline if the workspace allows it. Crossing 80 % records an
// `ai.budget_warning` diff and notifies the owners, once per month.
import { sql } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import type { Ledger } from '../ledger/index.js';

export const WARN_AT = 0.8;

export type Notify = (ctx: Ctx, n: { to: string; title: string; body: string; link?: string }) => Promise<void>;

export type BudgetStatus = {
  month: string;
  monthly_tokens: number | null;
  monthly_cost_usd: number | null;
  allow_offline: boolean;
  used: { tokens: number; cost_usd: number; calls: number };
  /** The larger of tokens and cost used over their limit, in percent (null without limits). */
  percent: number | null;
  state: 'unlimited' | 'ok' | 'warning' | 'exceeded';
};

export const monthOf = (now: Date): string => now.toISOString().slice(0, 7);
const monthStart = (now: Date): Date => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
const numOrNull = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

export async function budgetStatus(tx: Tx, now: Date): Promise<BudgetStatus> {
  const b = await tx.selectFrom('ai_budgets').selectAll().executeTakeFirst();
  const used = await tx
    .selectFrom('ai_usage')
    .select([
      sql<string>`coalesce(sum(input_tokens + output_tokens), 0)`.as('tokens'),
      sql<string>`coalesce(sum(cost_usd), 0)`.as('cost'),
      sql<string>`count(*)`.as('calls'),
    ])
    .where('created_at', '>=', monthStart(now))
    .where('provider', '<>', 'offline')
    .where('cached', '=', false)
    .executeTakeFirstOrThrow();
  const tokens = Number(used.tokens);
  const cost = Number(used.cost);
  const limitTokens = numOrNull(b?.monthly_tokens);
  const limitCost = numOrNull(b?.monthly_cost_usd);
  const ratios = [limitTokens === null ? null : limitTokens === 0 ? Infinity : tokens / limitTokens, limitCost === null ? null : limitCost === 0 ? Infinity : cost / limitCost].filter((r): r is number => r !== null);
  const ratio = ratios.length ? Math.max(...ratios) : null;
  return {
    month: monthOf(now),
    monthly_tokens: limitTokens,
    monthly_cost_usd: limitCost,
    allow_offline: b?.allow_offline ?? true,
    used: { tokens, cost_usd: Math.round(cost * 1e6) / 1e6, calls: Number(used.calls) },
    percent: ratio === null ? null : ratio === Infinity ? 100 : Math.round(ratio * 1000) / 10,
    state: ratio === null ? 'unlimited' : ratio >= 1 ? 'exceeded' : ratio >= WARN_AT ? 'warning' : 'ok',
  };
}

export type BudgetInput = { monthly_tokens?: number | null; monthly_cost_usd?: number | null; allow_offline?: boolean; why?: string };

export async function putBudget(ctx: Ctx, ledger: Ledger, input: BudgetInput, now: Date): Promise<BudgetStatus> {
  const before = await ctx.tx.selectFrom('ai_budgets').selectAll().executeTakeFirst();
  const next = {
    monthly_tokens: input.monthly_tokens !== undefined ? input.monthly_tokens : numOrNull(before?.monthly_tokens),
    monthly_cost_usd: input.monthly_cost_usd !== undefined ? input.monthly_cost_usd : numOrNull(before?.monthly_cost_usd),
    allow_offline: input.allow_offline ?? before?.allow_offline ?? true,
  };
  await ctx.tx
    .insertInto('ai_budgets')
    .values({ tenant_id: ctx.tenantId, ...next, warned_month: null })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ ...next, updated_at: now, warned_month: null }))
    .execute();
  await ledger.record(ctx, {
    namespace: 'ai', entityType: 'ai_budget', entityId: ctx.tenantId, event: 'ai.budget_updated',
    before: before ? { monthly_tokens: numOrNull(before.monthly_tokens), monthly_cost_usd: numOrNull(before.monthly_cost_usd), allow_offline: before.allow_offline } : null,
    after: next, why: input.why ?? null,
  });
  return budgetStatus(ctx.tx, now);
}

/** After a paid call: the first time this month usage reaches 80 %, a diff and a notification. */
export async function warnIfNeeded(ctx: Ctx, ledger: Ledger, notify: Notify | undefined, now: Date): Promise<void> {
  const status = await budgetStatus(ctx.tx, now);
  if (status.state !== 'warning' && status.state !== 'exceeded') return;
  // The conditional update makes "once per month" hold across concurrent calls and processes.
  const claimed = await ctx.tx
    .updateTable('ai_budgets')
    .set({ warned_month: status.month })
    .where((eb) => eb.or([eb('warned_month', 'is', null), eb('warned_month', '<>', status.month)]))
    .returning('tenant_id')
    .executeTakeFirst();
  if (!claimed) return;
  await ledger.record(ctx, {
    namespace: 'ai', entityType: 'ai_budget', entityId: ctx.tenantId, event: 'ai.budget_warning',
    after: { month: status.month, percent: status.percent, used: status.used, monthly_tokens: status.monthly_tokens, monthly_cost_usd: status.monthly_cost_usd },
  });
  await notify?.(ctx, {
    to: 'role:owner',
    title: `AI budget ${Math.floor(status.percent ?? 0)} % used`,
    body: `This workspace has used ${status.percent} % of its monthly AI budget for ${status.month} (${status.used.tokens} tokens, $${status.used.cost_usd}). Calls stop at 100 %${status.allow_offline ? ' (the offline provider stays available)' : ''}.`,
    link: '/settings/ai',
  });
}
