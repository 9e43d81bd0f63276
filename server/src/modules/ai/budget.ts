// Monthly budget per workspace, in tokens and/or USD. Only paid calls count: offline and
// cache hits are free. A call is refused (429 BUDGET_EXCEEDED) once the month's usage has
// reached a limit — or served offline if the workspace allows it. Crossing 80 % records an
// `ai.budget_warning` diff and notifies the owners, once per month.
//
// Workspaces without a budget pay nothing for this: no row, no work. With a budget, the
// month's paid usage is a running counter on the budget row (one UPDATE per paid call),
// seeded from the usage table when the budget is set, so checks never scan the month.
import { sql } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
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

export type BudgetRow = { monthly_tokens: string | number | null; monthly_cost_usd: string | number | null; allow_offline: boolean; used_month: string | null; used_tokens: string | number; used_cost_usd: string | number };

export const monthOf = (now: Date): string => now.toISOString().slice(0, 7);
const monthStart = (now: Date): Date => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
const numOrNull = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const micro = (n: number) => Math.round(n * 1e6) / 1e6;

/** Paid usage of the month from the usage table (reports, and seeding the counter). */
async function paidUsage(tx: Tx, now: Date) {
  const used = await tx
    .selectFrom('ai_usage')
    .select([sql<string>`coalesce(sum(input_tokens + output_tokens), 0)`.as('tokens'), sql<string>`coalesce(sum(cost_usd), 0)`.as('cost'), sql<string>`count(*)`.as('calls')])
    .where('created_at', '>=', monthStart(now))
    .where('provider', '<>', 'offline')
    .where('cached', '=', false)
    .executeTakeFirstOrThrow();
  return { tokens: Number(used.tokens), cost_usd: micro(Number(used.cost)), calls: Number(used.calls) };
}

function statusOf(b: BudgetRow | undefined, used: { tokens: number; cost_usd: number; calls: number }, month: string): BudgetStatus {
  const limitTokens = numOrNull(b?.monthly_tokens);
  const limitCost = numOrNull(b?.monthly_cost_usd);
  const ratio = (used_: number, limit: number | null) => (limit === null ? null : limit === 0 ? Infinity : used_ / limit);
  const ratios = [ratio(used.tokens, limitTokens), ratio(used.cost_usd, limitCost)].filter((r): r is number => r !== null);
  const r = ratios.length ? Math.max(...ratios) : null;
  return {
    month, monthly_tokens: limitTokens, monthly_cost_usd: limitCost, allow_offline: b?.allow_offline ?? true, used,
    percent: r === null ? null : r === Infinity ? 100 : Math.round(r * 1000) / 10,
    state: r === null ? 'unlimited' : r >= 1 ? 'exceeded' : r >= WARN_AT ? 'warning' : 'ok',
  };
}

export const loadBudgetRow = (tx: Tx): Promise<BudgetRow | undefined> => tx.selectFrom('ai_budgets').select(['monthly_tokens', 'monthly_cost_usd', 'allow_offline', 'used_month', 'used_tokens', 'used_cost_usd']).executeTakeFirst();
const hasLimit = (b: BudgetRow | undefined): b is BudgetRow => !!b && (b.monthly_tokens !== null || b.monthly_cost_usd !== null);

/**
 * The check before a call, from the budget row as this process last saw it plus what this
 * process charged since and has not yet written (no database work).
 */
export function budgetGate(b: BudgetRow | undefined, unwritten: { tokens: number; cost: number }, now: Date): BudgetStatus {
  const month = monthOf(now);
  if (!hasLimit(b)) return statusOf(b, { tokens: 0, cost_usd: 0, calls: 0 }, month);
  const current = b.used_month === month;
  const tokens = (current ? Number(b.used_tokens) : 0) + unwritten.tokens;
  const cost = (current ? Number(b.used_cost_usd) : 0) + unwritten.cost;
  return statusOf(b, { tokens, cost_usd: micro(cost), calls: 0 }, month);
}

/** 429 for a call the month's budget no longer allows; retry when the next month starts. */
export function budgetExceeded(b: BudgetStatus, now: Date): AppError {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return new AppError('BUDGET_EXCEEDED', 429, `The monthly AI budget for ${b.month} is used up (${b.percent} %).`, [
    { message: 'budget exceeded', month: b.month, used_tokens: b.used.tokens, used_cost_usd: b.used.cost_usd, monthly_tokens: b.monthly_tokens, monthly_cost_usd: b.monthly_cost_usd },
  ], { 'retry-after': String(Math.max(1, Math.ceil((next - now.getTime()) / 1000))) });
}

/** The full picture for GET /v1/ai/budget (counts calls from the usage table). */
export async function budgetStatus(tx: Tx, now: Date): Promise<BudgetStatus> {
  return statusOf(await loadBudgetRow(tx), await paidUsage(tx, now), monthOf(now));
}

export type BudgetInput = { monthly_tokens?: number | null; monthly_cost_usd?: number | null; allow_offline?: boolean; why?: string };

export async function putBudget(ctx: Ctx, ledger: Ledger, input: BudgetInput, now: Date): Promise<BudgetStatus> {
  const before = await loadBudgetRow(ctx.tx);
  const next = {
    monthly_tokens: input.monthly_tokens !== undefined ? input.monthly_tokens : numOrNull(before?.monthly_tokens),
    monthly_cost_usd: input.monthly_cost_usd !== undefined ? input.monthly_cost_usd : numOrNull(before?.monthly_cost_usd),
    allow_offline: input.allow_offline ?? before?.allow_offline ?? true,
  };
  const used = await paidUsage(ctx.tx, now);
  const counter = { used_month: monthOf(now), used_tokens: used.tokens, used_cost_usd: used.cost_usd };
  await ctx.tx
    .insertInto('ai_budgets')
    .values({ tenant_id: ctx.tenantId, ...next, ...counter, warned_month: null })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ ...next, ...counter, updated_at: now, warned_month: null }))
    .execute();
  await ledger.record(ctx, {
    namespace: 'ai', entityType: 'ai_budget', entityId: ctx.tenantId, event: 'ai.budget_updated',
    before: before ? { monthly_tokens: numOrNull(before.monthly_tokens), monthly_cost_usd: numOrNull(before.monthly_cost_usd), allow_offline: before.allow_offline } : null,
    after: next, why: input.why ?? null,
  });
  return budgetStatus(ctx.tx, now);
}

/**
 * After paid calls: bumps the month's counter (a no-op without a budget row) and, the first
 * time this month usage reaches 80 %, records a diff and notifies the owners. Returns the
 * row after the bump (the gateway's cached view of the budget).
 */
export async function chargeBudget(ctx: Ctx, ledger: Ledger, notify: Notify | undefined, tokens: number, cost: number, now: Date): Promise<BudgetRow | undefined> {
  const month = monthOf(now);
  const row = await ctx.tx
    .updateTable('ai_budgets')
    .set({
      used_tokens: sql`case when used_month = ${month} then used_tokens + ${tokens} else ${tokens} end`,
      used_cost_usd: sql`case when used_month = ${month} then used_cost_usd + ${cost} else ${cost} end`,
      used_month: month,
    })
    .returning(['monthly_tokens', 'monthly_cost_usd', 'allow_offline', 'used_month', 'used_tokens', 'used_cost_usd', 'warned_month'])
    .executeTakeFirst();
  if (!hasLimit(row)) return row;
  const status = statusOf(row, { tokens: Number(row.used_tokens), cost_usd: micro(Number(row.used_cost_usd)), calls: 0 }, month);
  if ((status.state !== 'warning' && status.state !== 'exceeded') || row.warned_month === month) return row;
  // The conditional update makes "once per month" hold across concurrent calls and processes.
  const claimed = await ctx.tx
    .updateTable('ai_budgets')
    .set({ warned_month: month })
    .where((eb) => eb.or([eb('warned_month', 'is', null), eb('warned_month', '<>', month)]))
    .returning('tenant_id')
    .executeTakeFirst();
  if (!claimed) return row;
  const used = status.used;
  await ledger.record(ctx, {
    namespace: 'ai', entityType: 'ai_budget', entityId: ctx.tenantId, event: 'ai.budget_warning',
    after: { month, percent: status.percent, used_tokens: used.tokens, used_cost_usd: used.cost_usd, monthly_tokens: status.monthly_tokens, monthly_cost_usd: status.monthly_cost_usd },
  });
  await notify?.(ctx, {
    to: 'role:owner',
    title: `AI budget ${Math.floor(status.percent ?? 0)} % used`,
    body: `This workspace has used ${status.percent} % of its monthly AI budget for ${month} (${used.tokens} tokens, $${used.cost_usd}). Calls stop at 100 %${status.allow_offline ? ' (the offline provider stays available)' : ''}.`,
    link: '/settings/ai',
  });
  return row;
}
