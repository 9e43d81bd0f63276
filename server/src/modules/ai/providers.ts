// Providers a tenant can use: `offline` (always), the ones configured by environment
// (`openai`, `anthropic`) and the workspace's own from its settings (same id → the
// workspace's wins). Client objects of the AI SDK are built once per (provider, key, URL).
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingModelV3, LanguageModelV3 } from '@ai-sdk/provider';
import { isIP } from 'node:net';
import type { AiConfig } from './config.js';
import { AppError } from '../../platform/errors.js';
import { guardedFetch, type DnsCache, type Refusal, type UrlPolicy } from '../../platform/url-guard.js';
import { reportingWireActivity } from './wire-activity.js';
import type { ProviderKind } from './types.js';
import { setBounded } from '../../platform/bounded-map.js';

export type ProviderConfig = {
  id: string;
  kind: ProviderKind;
  baseUrl: string | undefined;
  apiKey: string | undefined;
  /** The model aliases point at when the workspace did not choose one. */
  model: string;
  embedModel: string | undefined;
  source: 'builtin' | 'env' | 'workspace';
};

export const OFFLINE: ProviderConfig = { id: 'offline', kind: 'offline', baseUrl: undefined, apiKey: undefined, model: 'offline-extractive-1', embedModel: 'use-lite-512', source: 'builtin' };

export function envProviders(ai: AiConfig): ProviderConfig[] {
  const out: ProviderConfig[] = [];
  if (ai.openai) out.push({ id: 'openai', kind: 'openai-compatible', baseUrl: ai.openai.baseUrl, apiKey: ai.openai.apiKey, model: ai.openai.model, embedModel: ai.openai.embedModel, source: 'env' });
  if (ai.anthropic) out.push({ id: 'anthropic', kind: 'anthropic', baseUrl: ai.anthropic.baseUrl, apiKey: ai.anthropic.apiKey, model: ai.anthropic.model, embedModel: undefined, source: 'env' });
  return out;
}

const isLoopback = (url: string | undefined): boolean => {
  if (!url) return false;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
};

/** Why a provider cannot be called, or null. A local server (loopback) needs no key: Ollama has none. */
export function unconfiguredReason(p: ProviderConfig): string | null {
  if (p.kind === 'offline') return null;
  if (p.kind === 'openai-compatible' && !p.baseUrl) return 'no base URL';
  if (!p.apiKey && !(p.kind === 'openai-compatible' && isLoopback(p.baseUrl))) return 'no API key';
  return null;
}

/**
 * Provider URLs come from operators and workspace admins; the server fetches them (platform
 * url-guard: at save time and, after DNS resolution, before every request). Link-local and
 * metadata addresses are refused; loopback and private networks stay allowed: Ollama and
 * model servers on the LAN live there.
 */
export const PROVIDER_URL_POLICY: UrlPolicy = { allowPrivate: true };
export const providerUrlRefusal: Refusal = (reason, path) =>
  new AppError('UNSAFE_PROVIDER_URL', 400, `The provider URL is refused: ${reason}.`, [{ path, message: reason }]);
/** Resolved provider hosts, for 60 s (the check runs on the call path). */
const providerDns: DnsCache = { ttlMs: 60_000 };
const providerFetch = (): typeof fetch => guardedFetch({ policy: PROVIDER_URL_POLICY, refuse: providerUrlRefusal, path: 'provider.base_url', cache: providerDns });

/** The key of a provider's circuit breaker: one per endpoint, whichever tenant calls it. */
export const breakerKey = (p: ProviderConfig): string => `${p.kind}:${p.baseUrl ?? 'default'}`;

type Client = { language(model: string): LanguageModelV3; embedding?(model: string): EmbeddingModelV3 };
const clients = new Map<string, Client>();
const MAX_CLIENTS = 200;

export function clientFor(p: ProviderConfig, fetchImpl: typeof fetch = reportingWireActivity(providerFetch())): Client {
  const key = JSON.stringify([p.id, p.kind, p.baseUrl, p.apiKey]);
  let c = clients.get(key);
  if (c) return c;
  // Model objects are kept too: building one builds its response schemas (zod), which
  // costs more than the rest of a call's client-side work.
  const languageModels = new Map<string, LanguageModelV3>();
  const once = <T>(cache: Map<string, T>, model: string, make: () => T): T => {
    let m = cache.get(model);
    if (!m) cache.set(model, (m = make()));
    return m;
  };
  if (p.kind === 'openai-compatible') {
    const provider = createOpenAICompatible({ name: p.id, baseURL: p.baseUrl!, apiKey: p.apiKey, fetch: fetchImpl, includeUsage: true, supportsStructuredOutputs: true });
    const embeddingModels = new Map<string, EmbeddingModelV3>();
    c = { language: (m) => once(languageModels, m, () => provider.chatModel(m)), embedding: (m) => once(embeddingModels, m, () => provider.embeddingModel(m)) };
  } else if (p.kind === 'anthropic') {
    const provider = createAnthropic({ apiKey: p.apiKey ?? '', ...(p.baseUrl ? { baseURL: p.baseUrl } : {}), fetch: fetchImpl });
    c = { language: (m) => once(languageModels, m, () => provider.messages(m)) };
  } else {
    throw new Error('the offline provider has no client');
  }
  setBounded(clients, key, c, MAX_CLIENTS);
  return c;
}
