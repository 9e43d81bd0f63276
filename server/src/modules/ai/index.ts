// AI gateway (module ai, namespace ai): the one door to every model. Aliases route to
// providers (offline built in, OpenAI-compatible, Anthropic) with fallback, retries, a
// circuit breaker per provider (shared by all processes), an exact-match cache, metering into the ledger, monthly
// budgets, versioned prompt templates and embeddings. Other modules call `complete`/`embed`.
import type { Logger } from 'pino';
import { AI_CONFIG, type AiConfig } from './config.js';
import type { Ctx, CtxSource } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { Ledger } from '../ledger/index.js';
import type { Notify } from './budget.js';
import { MemoryCache } from './cache.js';
import { SharedCacheIndex } from './cache-index.js';
import { embedTexts, type EmbedResult } from './embed-call.js';
import { createGateway, type CompleteInput, type Completion, type GatewayDeps } from './gateway.js';
import { Meter } from './meter.js';
import { envProviders } from './providers.js';
import { BREAKERS_NOTICE, SharedBreakers } from './breaker-sync.js';
import { registerAiRoutes } from './routes.js';
import { registerAiCommands } from './commands.js';
import type { CommandRegistry } from '../../platform/commands.js';
import { registerPromptRoutes } from './routes-prompts.js';
import { routingOf } from './settings.js';
import { loadTenantAi, TenantAiStates } from './tenant-state.js';
import { defineModule } from '../../platform/module.js';
import { AI_EVENTS } from './events.js';
import type { Identity } from '../identity/index.js';
import type { Notifications } from '../notifications/index.js';
// Its tables (schema.ts adds them to the one Database type): exported so any program that uses the module sees them.
export type { AiTables } from './schema.js';

export type { AiConfig };
export type { CompleteInput, Completion, EmbedResult, Notify };
export type { ChatMessage, ToolSpec, ToolCall } from './types.js';
export { cosine, OFFLINE_EMBED_DIMENSIONS } from './embeddings.js';
export { offlineComplete } from './offline.js';

// The SDK prints compatibility warnings (unknown model ids…) to the console; the gateway
// records what matters itself (attempts, usage) and keeps the JSON logs clean.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/** Settings or budget of a workspace changed (every process forgets its view of it), or breaker states did. */
export const AI_CHANNEL = 'atrium_ai';
/** How long a stop waits for unwritten metering before giving up on it (logged). */
const STOP_DRAIN_MS = 15_000;

export type AiModuleDeps = {
  db: Db;
  hub: RealtimeHub;
  log: Logger;
  ledger: Ledger;
  config: { ai: AiConfig };
  secrets: () => SecretBox;
  /** Owners are told when 80 % of the monthly budget is used (wired to notifications). */
  notify?: Notify;
  /**
   * Where the module's commands are registered (settings, budget, prompts), which its routes
   * run; settings and budget need a fresh 2FA code there (the registry asks identity). Absent
   * for a second gateway in one process (tests, the bench): it serves no routes.
   */
  commands?: CommandRegistry;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
};

export function createAi({ db, hub, log, ledger, config, secrets, notify, commands, now = () => new Date(), sleep = (ms) => new Promise((r) => setTimeout(r, ms)) }: AiModuleDeps) {
  const env = envProviders(config.ai);
  const states = new TenantAiStates(
    (tenantId) => db.tenantTx(tenantId, loadTenantAi),
    (settings) => routingOf(settings, env, secrets()),
    {
      clock: () => now().getTime(), notices: { hub, channel: AI_CHANNEL },
      onError: (err, tenantId) => log.warn({ err, tenant: tenantId }, 'ai settings reload failed; the last ones keep answering'),
    },
  );
  const meter = new Meter({ db, ledger, notify, now, log, states, sleep, mode: config.ai.metering });
  const shared = new SharedBreakers({ db, hub, log, now: () => now().getTime(), channel: AI_CHANNEL });
  const d: GatewayDeps = {
    db, ledger, config: config.ai, env, secrets, notify, now, sleep, states, meter, log, memory: new MemoryCache(), sharedKeys: new SharedCacheIndex(db),
    breakers: shared.breakers,
  };
  const gw = createGateway(d);
  const changed = (ctx: Ctx) => states.views.invalidate(ctx);
  if (commands) registerAiCommands(commands, { ledger, secrets, now, changed });
  return {
    /** A completion for a caller outside any transaction (the provider is never awaited inside one). */
    complete: (source: CtxSource, input: CompleteInput): Promise<Completion> => gw.complete(source, input),
    /** The same, streamed: `onDelta` gets the text as the provider sends it (a cache hit in one piece). */
    stream: (source: CtxSource, input: CompleteInput, onDelta: (text: string) => void): Promise<Completion> => gw.complete(source, input, { delta: onDelta }),
    /** Embeddings inside the caller's transaction (usage recorded in it); offline USE-lite by default. */
    embed: (ctx: Ctx, texts: string[], opts: { alias?: string; feature?: string } = {}): Promise<EmbedResult> => embedTexts(d, gw, ctx.tenantId, (fn) => fn(ctx), texts, opts),
    /** Resolves once this process's finished calls are metered (write-behind; tests, shutdown). */
    settled: (): Promise<void> => meter.drain(),
    meter,
    /** Breaker state per provider endpoint, shared by every process (GET /v1/ai/providers shows it too). */
    breakers: d.breakers,
    /** Resolves once this process's breaker changes are written and announced (tests). */
    breakersShared: (): Promise<void> => shared.settled(),
    async start(): Promise<void> {
      await states.views.follow();
      // Breaker notices share the channel (their tenant field names no workspace: the views forget nothing).
      hub.subscribeAll(AI_CHANNEL, (n) => {
        if (n.t === BREAKERS_NOTICE) void shared.load();
      });
      hub.onResync(AI_CHANNEL, () => void shared.load());
      await shared.load();
    },
    /** Writes what is still unmetered (before the database closes). */
    async stop(): Promise<void> {
      try {
        await meter.drain({ timeoutMs: STOP_DRAIN_MS });
      } catch {
        log.error({ pending: meter.stats().pending }, 'ai metering not written at stop (database unavailable)');
      }
    },
    registerRoutes(registry: RouteRegistry): void {
      if (!commands) throw new Error('the AI routes run its commands: create the module with the command registry');
      registerAiRoutes(registry, { db, gw, d, commands });
      registerPromptRoutes(registry, db, commands);
    },
  };
}

export type Ai = ReturnType<typeof createAi>;

export const AI_ERRORS = {
  UNKNOWN_ALIAS: 'The AI model alias is not defined for this workspace; details list the valid ones.',
  INVALID_SCHEMA: 'The JSON Schema given (structured output or tool parameters) is not a valid JSON Schema.',
  PROMPT_TOO_LONG: 'The prompt exceeds the model’s context window; details give the counts (or ask for truncate: true).',
  BUDGET_EXCEEDED: 'The workspace’s monthly AI budget is used up.',
  UNSAFE_PROVIDER_URL: 'The provider URL points at a link-local or cloud-metadata address.',
  TEMPLATE_VARIABLES_MISSING: 'The prompt template needs variables that were not given.',
  AI_UNAVAILABLE: 'No provider in the alias’s chain could answer (the offline provider included).',
  METERING_BEHIND: 'Recent AI calls of the workspace are still being written (the database is slow or unavailable); retry shortly.',
  PROMPT_EXISTS: 'A prompt template with this name exists: add a version to it.',
} as const;

export const aiModule = defineModule({
  id: 'ai', namespace: 'ai', deps: ['ledger', 'identity', 'notifications'],
  tables: ['ai_settings', 'ai_prompts', 'ai_prompt_versions', 'ai_cache', 'ai_usage', 'ai_budgets', 'ai_breakers'],
  errors: AI_ERRORS, events: AI_EVENTS, config: AI_CONFIG,
  create: (p, { ledger, identity, notifications }: { ledger: Ledger; identity: Pick<Identity, 'secrets'>; notifications: Pick<Notifications, 'notify'> }) =>
    createAi({
      db: p.db, hub: p.hub, log: p.log, ledger, config: p.config, secrets: identity.secrets, now: p.now, commands: p.commands,
      notify: async (ctx, n) => void (await notifications.notify(ctx, { to: [n.to], title: n.title, body: n.body, link: n.link ?? null })),
    }),
});
