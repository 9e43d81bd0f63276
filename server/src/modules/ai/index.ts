// AI gateway (module ai, namespace ai): the one door to every model. Aliases route to
// providers (offline built in, OpenAI-compatible, Anthropic) with fallback, retries, a
// circuit breaker per provider, an exact-match cache, metering into the ledger, monthly
// budgets, versioned prompt templates and embeddings. Other modules call `complete`/`embed`.
import type { AiConfig } from '../../platform/config.js';
import type { Ctx, CtxSource } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { Ledger } from '../ledger/index.js';
import type { Notify } from './budget.js';
import { embedTexts, type EmbedResult } from './embed-call.js';
import { createGateway, type CompleteInput, type Completion, type GatewayDeps } from './gateway.js';
import { envProviders } from './providers.js';
import { Breakers } from './resilience.js';
import { registerAiRoutes } from './routes.js';
import { registerPromptRoutes } from './routes-prompts.js';

export type { CompleteInput, Completion, EmbedResult, Notify };
export type { ChatMessage, ToolSpec, ToolCall } from './types.js';
export { cosine, OFFLINE_EMBED_DIMENSIONS } from './embeddings.js';
export { offlineComplete } from './offline.js';

// The SDK prints compatibility warnings (unknown model ids…) to the console; the gateway
// records what matters itself (attempts, usage) and keeps the JSON logs clean.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

export type AiModuleDeps = {
  db: Db;
  ledger: Ledger;
  config: { ai: AiConfig };
  secrets: () => SecretBox;
  /** Owners are told when 80 % of the monthly budget is used (wired to notifications). */
  notify?: Notify;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
};

export function createAi({ db, ledger, config, secrets, notify, now = () => new Date(), sleep = (ms) => new Promise((r) => setTimeout(r, ms)) }: AiModuleDeps) {
  const d: GatewayDeps = {
    db, ledger, config: config.ai, env: envProviders(config.ai), secrets, notify, now, sleep,
    breakers: new Breakers(() => now().getTime()),
  };
  const gw = createGateway(d);
  return {
    /** A completion for a caller outside any transaction (the provider is never awaited inside one). */
    complete: (source: CtxSource, input: CompleteInput): Promise<Completion> => gw.complete(source, input),
    /** Embeddings inside the caller's transaction (usage recorded in it); offline USE-lite by default. */
    embed: (ctx: Ctx, texts: string[], opts: { alias?: string; feature?: string } = {}): Promise<EmbedResult> => embedTexts(d, gw, (fn) => fn(ctx), texts, opts),
    /** Breaker state per provider endpoint (GET /v1/ai/providers shows it too). */
    breakers: d.breakers,
    registerRoutes(registry: RouteRegistry): void {
      registerAiRoutes(registry, { db, ledger, gw, d });
      registerPromptRoutes(registry, db, ledger);
    },
  };
}

export type Ai = ReturnType<typeof createAi>;
