// Every gateway call (cache hits and embeddings included) leaves a usage row, for fast
// aggregation, and an `ai.call` diff in the ledger, for the record — in one transaction,
// with the cache entry and the budget check. Prompts and outputs go into the diff only
// when the workspace turned `store_prompts` on.
import type { Ctx } from '../../platform/context.js';
import { newId } from '../../platform/ids.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { Ledger } from '../ledger/index.js';
import { chargeBudget, type Notify } from './budget.js';
import { cachePut, type CachedResponse } from './cache.js';

export type Attempt = { provider: string; model: string; outcome: string; status?: number; message?: string };

export type CallRecord = {
  kind: 'complete' | 'embed';
  alias: string;
  provider: string;
  model: string;
  feature: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  cached: boolean;
  fallbackUsed: boolean;
  prompt: { id: string; version: number } | null;
  attempts: Attempt[];
  content: JsonObject | Record<string, unknown> | null;
};

type Deps = { ledger: Ledger; notify?: Notify; now: () => Date };

export async function recordCall(ctx: Ctx, d: Deps, r: CallRecord, cache: { key: string; ttl: number; value: CachedResponse } | null): Promise<string> {
  const id = newId('aic');
  await ctx.tx.insertInto('ai_usage').values({
    id, tenant_id: ctx.tenantId, kind: r.kind, alias: r.alias, provider: r.provider, model: r.model, feature: r.feature,
    input_tokens: r.inputTokens, output_tokens: r.outputTokens, cost_usd: r.costUsd, latency_ms: r.latencyMs,
    cached: r.cached, fallback_used: r.fallbackUsed, prompt_id: r.prompt?.id ?? null, prompt_version: r.prompt?.version ?? null,
  }).execute();
  const after: JsonObject = {
    kind: r.kind, alias: r.alias, provider: r.provider, model: r.model, feature: r.feature,
    input_tokens: r.inputTokens, output_tokens: r.outputTokens, cost_usd: r.costUsd, latency_ms: r.latencyMs,
    cached: r.cached, fallback_used: r.fallbackUsed, prompt_id: r.prompt?.id ?? null, prompt_version: r.prompt?.version ?? null,
    attempts: r.attempts as unknown as Json,
    ...(r.content ? { content: r.content as unknown as Json } : {}),
  };
  await d.ledger.record(ctx, { namespace: 'ai', entityType: 'ai_call', entityId: id, event: 'ai.call', after });
  if (cache) await cachePut(ctx.tx, ctx.tenantId, cache.key, cache.value, cache.ttl, d.now());
  if (!r.cached && r.provider !== 'offline') await chargeBudget(ctx, d.ledger, d.notify, r.inputTokens + r.outputTokens, r.costUsd, d.now());
  return id;
}
