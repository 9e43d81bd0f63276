// A workspace's AI settings: its own providers (keys sealed with the SecretBox, never
// returned), alias chains, price overrides, cache TTL and whether prompts/outputs are
// kept in the ledger. Read on every call; written by admins through PUT /v1/ai/settings.
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { JsonObject } from '../../platform/schema.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { Ledger } from '../ledger/index.js';
import type { PriceOverrides } from './models.js';
import { assertSafeUrl } from '../../platform/url-guard.js';
import { OFFLINE, PROVIDER_URL_POLICY, providerUrlRefusal, unconfiguredReason, type ProviderConfig } from './providers.js';
import type { ProviderKind } from './types.js';

type StoredProvider = { kind: Exclude<ProviderKind, 'offline'>; base_url?: string | null; api_key_sealed?: string | null; model: string; embed_model?: string | null };
type StoredAlias = { chain: { provider: string; model?: string }[] };

export type Settings = {
  providers: Record<string, StoredProvider>;
  aliases: Record<string, StoredAlias>;
  prices: PriceOverrides;
  storePrompts: boolean;
  cacheTtlSeconds: number;
  version: number;
};

export type Link = { provider: ProviderConfig; model: string };
export type Routing = { providers: Map<string, ProviderConfig>; aliases: Record<string, Link[]> };

export async function loadSettings(tx: Tx): Promise<Settings> {
  const row = await tx.selectFrom('ai_settings').selectAll().executeTakeFirst();
  return {
    providers: (row?.providers ?? {}) as unknown as Record<string, StoredProvider>,
    aliases: (row?.aliases ?? {}) as unknown as Record<string, StoredAlias>,
    prices: (row?.prices ?? {}) as unknown as PriceOverrides,
    storePrompts: row?.store_prompts ?? false,
    cacheTtlSeconds: row?.cache_ttl_seconds ?? 86_400,
    version: row?.version ?? 0,
  };
}

/** Providers (builtin, env, then the workspace's) and each alias's chain. */
export function routingOf(settings: Settings, env: ProviderConfig[], box: SecretBox): Routing {
  const providers = new Map<string, ProviderConfig>([[OFFLINE.id, OFFLINE]]);
  for (const p of env) providers.set(p.id, p);
  const own: ProviderConfig[] = [];
  for (const [id, s] of Object.entries(settings.providers)) {
    const p: ProviderConfig = {
      id, kind: s.kind, baseUrl: s.base_url ?? undefined, apiKey: s.api_key_sealed ? box.open(s.api_key_sealed) : undefined,
      model: s.model, embedModel: s.embed_model ?? undefined, source: 'workspace',
    };
    providers.set(id, p);
    own.push(p);
  }
  const remote = [...own, ...env.filter((p) => !settings.providers[p.id])];
  const defaultChain: Link[] = [...remote.map((p) => ({ provider: p, model: p.model })), { provider: OFFLINE, model: OFFLINE.model }];
  // Embeddings never fall back across models: vectors of different models are not comparable.
  const embedder = remote.find((p) => p.kind === 'openai-compatible' && p.embedModel && !unconfiguredReason(p));
  const aliases: Record<string, Link[]> = {
    fast: defaultChain, smart: defaultChain, cheap: defaultChain,
    embed: [embedder ? { provider: embedder, model: embedder.embedModel! } : { provider: OFFLINE, model: OFFLINE.embedModel! }],
  };
  for (const [name, a] of Object.entries(settings.aliases)) {
    const chain = a.chain.flatMap((l) => {
      const p = providers.get(l.provider);
      return p ? [{ provider: p, model: l.model ?? (name === 'embed' ? (p.embedModel ?? p.model) : p.model) }] : [];
    });
    if (name !== 'embed' && !chain.some((l) => l.provider.kind === 'offline')) chain.push({ provider: OFFLINE, model: OFFLINE.model });
    aliases[name] = chain;
  }
  return { providers, aliases };
}

export type SettingsInput = {
  providers?: Record<string, { kind: StoredProvider['kind']; base_url?: string | null; api_key?: string | null; model: string; embed_model?: string | null } | null>;
  aliases?: Record<string, { chain: { provider: string; model?: string }[] } | null>;
  /** A model's override, or null to go back to the built-in price table. */
  prices?: Record<string, PriceOverrides[string] | null>;
  store_prompts?: boolean;
  cache_ttl_seconds?: number;
  why?: string;
};

/** Public view: keys are never returned, only whether one is set. */
export function settingsView(s: Settings) {
  return {
    providers: Object.fromEntries(Object.entries(s.providers).map(([id, p]) => [id, { kind: p.kind, base_url: p.base_url ?? null, model: p.model, embed_model: p.embed_model ?? null, api_key_set: !!p.api_key_sealed }])),
    aliases: s.aliases,
    prices: s.prices,
    store_prompts: s.storePrompts,
    cache_ttl_seconds: s.cacheTtlSeconds,
    version: s.version,
  };
}

export async function updateSettings(ctx: Ctx, ledger: Ledger, box: SecretBox, input: SettingsInput): Promise<Settings> {
  // Version 0 is "never saved" (no row); the first save makes it 1.
  await ctx.tx.insertInto('ai_settings').values({ tenant_id: ctx.tenantId, version: 0 }).onConflict((oc) => oc.column('tenant_id').doNothing()).execute();
  const before = await loadSettings(ctx.tx);
  const providers = { ...before.providers };
  for (const [id, p] of Object.entries(input.providers ?? {})) {
    if (id === 'offline') throw errors.validation([{ path: `body.providers.${id}`, message: 'offline is built in and cannot be configured' }]);
    if (p === null) {
      delete providers[id];
      continue;
    }
    if (p.base_url) assertSafeUrl(p.base_url, PROVIDER_URL_POLICY, `body.providers.${id}.base_url`, providerUrlRefusal);
    if (p.kind === 'openai-compatible' && !p.base_url) throw errors.validation([{ path: `body.providers.${id}.base_url`, message: 'required for openai-compatible providers' }]);
    const keep = p.api_key === undefined ? providers[id]?.api_key_sealed : p.api_key ? box.seal(p.api_key) : null;
    providers[id] = { kind: p.kind, base_url: p.base_url ?? null, api_key_sealed: keep ?? null, model: p.model, embed_model: p.embed_model ?? null };
  }
  const aliases = { ...before.aliases };
  for (const [name, a] of Object.entries(input.aliases ?? {})) {
    if (a === null) {
      delete aliases[name];
      continue;
    }
    if (name === 'embed' && a.chain.length > 1) throw errors.validation([{ path: `body.aliases.${name}.chain`, message: 'embeddings do not fall back (vectors of two models are not comparable): give one step' }]);
    const known = new Set(['offline', 'openai', 'anthropic', ...Object.keys(providers)]);
    a.chain.forEach((l, i) => {
      if (!known.has(l.provider)) throw errors.validation([{ path: `body.aliases.${name}.chain.${i}.provider`, message: `unknown provider; known: ${[...known].join(', ')}` }]);
    });
    aliases[name] = a;
  }
  const prices = { ...before.prices };
  for (const [model, price] of Object.entries(input.prices ?? {})) {
    if (price === null) delete prices[model];
    else prices[model] = price;
  }
  const row = await ctx.tx
    .updateTable('ai_settings')
    .set({
      providers: providers as unknown as JsonObject, aliases: aliases as unknown as JsonObject, prices: prices as unknown as JsonObject,
      store_prompts: input.store_prompts ?? before.storePrompts, cache_ttl_seconds: input.cache_ttl_seconds ?? before.cacheTtlSeconds,
      updated_at: new Date(), version: before.version + 1,
    })
    .returning('version')
    .executeTakeFirstOrThrow();
  const after = await loadSettings(ctx.tx);
  await ledger.record(ctx, {
    namespace: 'ai', entityType: 'ai_settings', entityId: ctx.tenantId, event: 'ai.settings_updated',
    before: settingsView(before) as unknown as JsonObject, after: settingsView(after) as unknown as JsonObject, why: input.why ?? null,
  });
  return { ...after, version: row.version };
}

