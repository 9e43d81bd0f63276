// Embeddings through the gateway: the `embed` alias (offline USE-lite unless the workspace
// or environment names an OpenAI-compatible embedding model), the same breaker, retries and
// metering as completions — but no silent fallback to another model, whose vectors would
// not be comparable with the ones already stored.
import { performance } from 'node:perf_hooks';
import type { Ctx } from '../../platform/context.js';
import { budgetExceeded, budgetGate } from './budget.js';
import { embedWith } from './embeddings.js';
import { unknownAlias, type Gateway, type GatewayDeps } from './gateway.js';
import { newCallId, writeCalls } from './metering.js';
import { loadTenantAi } from './tenant-state.js';
import { costOf } from './models.js';

export type EmbedResult = { embeddings: number[][]; provider: string; model: string; dimensions: number; usage: { input_tokens: number; cost_usd: number }; id: string };
export type WithTx = <T>(fn: (ctx: Ctx) => Promise<T>) => Promise<T>;

export async function embedTexts(d: GatewayDeps, gw: Gateway, tenantId: string, withTx: WithTx, texts: string[], opts: { alias?: string; feature?: string } = {}): Promise<EmbedResult> {
  const startedAt = performance.now();
  const alias = opts.alias ?? 'embed';
  const { routing, settings, budget: row } = await withTx((ctx) => d.states.getIn(tenantId, () => loadTenantAi(ctx.tx)));
  const chain = routing.aliases[alias];
  if (!chain || chain.length === 0) throw unknownAlias(alias, Object.keys(routing.aliases));
  const now = d.now();
  const budget = budgetGate(row, d.states.unwritten(tenantId), now);
  // No offline stand-in here: its vectors would not be comparable with the stored ones.
  if (budget.state === 'exceeded' && chain[0]!.provider.kind !== 'offline') throw budgetExceeded(budget, now);
  // Only the chain's first model, whatever the alias lists (retries and its breaker still apply).
  const run = await gw.runChain(chain.slice(0, 1), d.config.timeoutMs, (link, signal) => embedWith(link.provider, link.model, texts, signal));
  const { provider, model } = run.link;
  const cost = costOf(model, run.value.inputTokens, 0, settings.prices);
  const id = newCallId();
  // Written in the caller's transaction (the vectors usually go into it too); the budget
  // view learns the new counter once that commits.
  await withTx(async (ctx) => {
    const record = {
      kind: 'embed' as const, alias, provider: provider.id, model, feature: opts.feature ?? 'embed', inputTokens: run.value.inputTokens, outputTokens: 0,
      costUsd: cost, latencyMs: Math.round(performance.now() - startedAt), cached: false, fallbackUsed: run.index > 0, prompt: null, attempts: run.attempts, content: null,
    };
    const row = await writeCalls(ctx, d, [{ id, source: ctx, record, cache: null }]);
    ctx.onCommit(() => d.states.observe(ctx.tenantId, row));
  });
  return { id, embeddings: run.value.embeddings, provider: provider.id, model, dimensions: run.value.embeddings[0]?.length ?? 0, usage: { input_tokens: run.value.inputTokens, cost_usd: cost } };
}
