// GET /v1/ai/usage: the usage table aggregated by day, model, feature, alias or provider.
import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';

export const GROUPS = ['day', 'model', 'feature', 'alias', 'provider'] as const;
export type Group = (typeof GROUPS)[number];

export type UsageRow = { key: string; calls: number; input_tokens: number; output_tokens: number; cost_usd: number; cache_hits: number; fallbacks: number; avg_latency_ms: number };

export async function usageReport(tx: Tx, q: { from?: string; to?: string; group_by: Group }, now: Date) {
  const from = q.from ? new Date(q.from) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = q.to ? new Date(q.to) : now;
  const key = q.group_by === 'day' ? sql<string>`to_char(date_trunc('day', created_at at time zone 'UTC'), 'YYYY-MM-DD')` : sql<string>`${sql.ref(q.group_by)}`;
  const rows = await tx
    .selectFrom('ai_usage')
    .select([
      key.as('key'),
      sql<string>`count(*)`.as('calls'),
      sql<string>`coalesce(sum(input_tokens), 0)`.as('input_tokens'),
      sql<string>`coalesce(sum(output_tokens), 0)`.as('output_tokens'),
      sql<string>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
      sql<string>`count(*) filter (where cached)`.as('cache_hits'),
      sql<string>`count(*) filter (where fallback_used)`.as('fallbacks'),
      sql<string>`coalesce(avg(latency_ms), 0)`.as('avg_latency_ms'),
    ])
    .where('created_at', '>=', from)
    .where('created_at', '<=', to)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  const items: UsageRow[] = rows.map((r) => ({
    key: r.key, calls: Number(r.calls), input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens),
    cost_usd: Math.round(Number(r.cost_usd) * 1e6) / 1e6, cache_hits: Number(r.cache_hits), fallbacks: Number(r.fallbacks), avg_latency_ms: Math.round(Number(r.avg_latency_ms)),
  }));
  const totals = items.reduce(
    (t, r) => ({ calls: t.calls + r.calls, input_tokens: t.input_tokens + r.input_tokens, output_tokens: t.output_tokens + r.output_tokens, cost_usd: Math.round((t.cost_usd + r.cost_usd) * 1e6) / 1e6, cache_hits: t.cache_hits + r.cache_hits, fallbacks: t.fallbacks + r.fallbacks }),
    { calls: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, cache_hits: 0, fallbacks: 0 },
  );
  return { from: from.toISOString(), to: to.toISOString(), group_by: q.group_by, rows: items, totals };
}
