// Embeddings through the gateway: the `embed` alias (offline USE-lite unless the workspace
// or environment names an OpenAI-compatible embedding model), the same breaker, retries and
// metering as completions — but no silent fallback to another model, whose vectors would
// not be comparable with the ones already stored.
import { performance } from 'node:perf_hooks';
import type { Ctx } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { budgetGate } from './budget.js';
import { embedWith } from './embeddings.js';
import { unknownAlias, type Gateway, type GatewayDeps } from './gateway.js';
import { recordCall } from './metering.js';
import { costOf } from './models.js';
import { loadSettings, routingOf } from './settings.js';

export type EmbedResult = { embeddings: number[][]; provider: string; model: string; dimensions: number; usage: { input_tokens: number; cost_usd: number }; id: string };
export type WithTx = <T>(fn: (ctx: Ctx) => Promise<T>) => Promise<T>;

export async function embedTexts(d: GatewayDeps, gw: Gateway, withTx: WithTx, texts: string[], opts: { alias?: string; feature?: string } = {}): Promise<EmbedResult> {
  const startedAt = performance.now();
  const alias = opts.alias ?? 'embed';
  const { chain, settings } = await withTx(async (ctx) => {
    const settings = await loadSettings(ctx.tx);
    const routing = routingOf(settings, d.env, d.secrets());
    const chain = routing.aliases[alias];
    if (!chain || chain.length === 0) throw unknownAlias(alias, Object.keys(routing.aliases));
    const budget = await budgetGate(ctx.tx, d.now());
    if (budget.state === 'exceeded' && chain[0]!.provider.kind !== 'offline') {
      throw new AppError('BUDGET_EXCEEDED', 429, `The monthly AI budget for ${budget.month} is used up.`, [{ message: 'budget exceeded', month: budget.month }]);
    }
    return { chain, settings };
  });
  const run = await gw.runChain(chain, d.config.timeoutMs, (link, signal) => embedWith(link.provider, link.model, texts, signal));
  const { provider, model } = run.link;
  const cost = costOf(model, run.value.inputTokens, 0, settings.prices);
  const id = await withTx((ctx) =>
    recordCall(ctx, d, {
      kind: 'embed', alias, provider: provider.id, model, feature: opts.feature ?? 'embed', inputTokens: run.value.inputTokens, outputTokens: 0,
      costUsd: cost, latencyMs: Math.round(performance.now() - startedAt), cached: false, fallbackUsed: run.index > 0, prompt: null, attempts: run.attempts, content: null,
    }, null),
  );
  return { id, embeddings: run.value.embeddings, provider: provider.id, model, dimensions: run.value.embeddings[0]?.length ?? 0, usage: { input_tokens: run.value.inputTokens, cost_usd: cost } };
}
