// Every gateway call (cache hits and embeddings included) leaves a usage row, for fast
// aggregation, and an `ai.call` diff in the ledger, for the record — in one transaction,
// with the cache entry and the budget counter. Prompts and outputs go into the diff only
// when the workspace turned `store_prompts` on. Completions are written behind the answer
// by the meter (meter.ts); embeddings inside their caller's transaction.
import type { Ctx, CtxSource } from '../../platform/context.js';
import { newId } from '../../platform/ids.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { DiffInput, Ledger } from '../ledger/index.js';
import { chargeBudget, type BudgetRow, type Notify } from './budget.js';
import { cachePutMany, type CachedResponse } from './cache.js';

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

/** A cache entry to store; it expires as of the answer, not as of the (later) write. */
export type CacheWrite = { key: string; expiresAt: Date; value: CachedResponse };

/** A call's id, known before its row is written (the answer carries it). */
export const newCallId = (): string => newId('aic');

/** Whether a call spends budget: offline answers and cache hits are free. */
export const isPaid = (r: Pick<CallRecord, 'cached' | 'provider'>): boolean => !r.cached && r.provider !== 'offline';

/** A finished call as the meter holds it: who made it (actor, cause, correlation) and what it did. */
export type MeteredCall = { id: string; source: CtxSource; record: CallRecord; cache: CacheWrite | null };

/** What calls spent (tokens and USD), counting paid calls only. */
export function paidOf(calls: readonly Pick<MeteredCall, 'record'>[]): { tokens: number; cost: number } {
  let tokens = 0;
  let cost = 0;
  for (const { record: r } of calls) {
    if (!isPaid(r)) continue;
    tokens += r.inputTokens + r.outputTokens;
    cost += r.costUsd;
  }
  return { tokens, cost };
}

export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/**
 * The context a call's own diffs are written in: its actor, cause and approval, not the batch's.
 * Never held: a call made, a budget line crossed, owners told — facts, written behind the answer.
 */
const ctxOf = (ctx: Ctx, source: CtxSource): Ctx => ({ ...ctx, actor: source.actor, cause: source.cause, approval: source.approval, correlationId: source.correlationId, requestId: source.requestId, holdable: false });

const diffOf = (id: string, r: CallRecord, correlationId: string | undefined): DiffInput => ({
  namespace: 'ai', entityType: 'ai_call', entityId: id, event: 'ai.call', correlationId: correlationId ?? null, observed: true,
  after: {
    kind: r.kind, alias: r.alias, provider: r.provider, model: r.model, feature: r.feature,
    input_tokens: r.inputTokens, output_tokens: r.outputTokens, cost_usd: r.costUsd, latency_ms: r.latencyMs,
    cached: r.cached, fallback_used: r.fallbackUsed, prompt_id: r.prompt?.id ?? null, prompt_version: r.prompt?.version ?? null,
    attempts: r.attempts as unknown as Json,
    ...(r.content ? { content: r.content as unknown as Json } : {}),
  } satisfies JsonObject,
});

/**
 * Writes a workspace's calls in the caller's transaction, a handful of statements whatever
 * their number: usage rows in one INSERT, diffs in one batch per actor, cache entries in one
 * upsert, one budget bump for the paid ones. Returns the budget row after the bump (undefined
 * when nothing was paid or the workspace has no budget).
 */
export async function writeCalls(ctx: Ctx, d: Deps, calls: readonly MeteredCall[]): Promise<BudgetRow | undefined> {
  if (calls.length === 0) return undefined;
  await ctx.tx.insertInto('ai_usage').values(calls.map(({ id, record: r }) => ({
    id, tenant_id: ctx.tenantId, kind: r.kind, alias: r.alias, provider: r.provider, model: r.model, feature: r.feature,
    input_tokens: r.inputTokens, output_tokens: r.outputTokens, cost_usd: r.costUsd, latency_ms: r.latencyMs,
    cached: r.cached, fallback_used: r.fallbackUsed, prompt_id: r.prompt?.id ?? null, prompt_version: r.prompt?.version ?? null,
  }))).execute();

  // Diffs carry their actor (and a rule's cause, an approval) from the context: one batch per
  // such context; each diff keeps its own correlation id.
  const byContext = groupBy(calls, (c) => `${c.source.actor.type}:${c.source.actor.id}:${c.source.cause?.diffId ?? ''}:${c.source.approval?.id ?? ''}`);
  for (const group of byContext.values()) {
    await d.ledger.recordBatch({ ...ctxOf(ctx, group[0]!.source), correlationId: undefined }, group.map((c) => diffOf(c.id, c.record, c.source.correlationId)));
  }

  const entries = new Map<string, CacheWrite>(calls.flatMap((c) => (c.cache ? [[c.cache.key, c.cache] as const] : [])));
  if (entries.size > 0) await cachePutMany(ctx.tx, ctx.tenantId, [...entries.values()], d.now());

  const paid = calls.filter((c) => isPaid(c.record));
  if (paid.length === 0) return undefined;
  const { tokens, cost } = paidOf(paid);
  // A budget warning is recorded as the call that crossed the line: the last paid one.
  return chargeBudget(ctxOf(ctx, paid.at(-1)!.source), d.ledger, d.notify, tokens, cost, d.now());
}
