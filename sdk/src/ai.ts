// The AI gateway's settings part of the SDK: providers (with breaker state), settings
// (provider keys are write-only), usage and the monthly budget.
import type { AtriumClient } from './client.js';
import type { RequestBody, ResponseData } from './contract.js';

export type AiBreaker = { state: string; consecutive_failures: number; opened_at: string | null; retry_at: string | null } | null;
export type AiProvider = {
  id: string; kind: string; source: string; base_url: string | null; model: string; embed_model: string | null;
  api_key_set: boolean; configured: boolean; unconfigured_reason: string | null; breaker: AiBreaker;
};
export type AiProviders = { providers: AiProvider[]; aliases: Record<string, { provider: string; model: string }[]> };
export type AiSettingsInput = RequestBody<'/v1/ai/settings', 'put'>;
export type AiProviderInput = NonNullable<NonNullable<AiSettingsInput['providers']>[string]>;
/** A model's own price (USD per million tokens) and context window, instead of the built-in table's. */
export type AiPrice = NonNullable<NonNullable<AiSettingsInput['prices']>[string]>;
// GET /v1/ai/providers, /v1/ai/settings and /v1/ai/usage declare no response schema yet: their
// shapes stay written here.
export type AiSettings = {
  providers: Record<string, { kind: string; base_url: string | null; model: string; embed_model: string | null; api_key_set: boolean }>;
  aliases: Record<string, { chain: { provider: string; model?: string }[] }>;
  prices: Record<string, AiPrice>;
  store_prompts: boolean; cache_ttl_seconds: number; version: number;
};
export type AiUsageRow = { key: string; calls: number; input_tokens: number; output_tokens: number; cost_usd: number; cache_hits: number; fallbacks: number; avg_latency_ms: number };
export type AiUsage = { from: string; to: string; group_by: string; rows: AiUsageRow[]; totals: Omit<AiUsageRow, 'key' | 'avg_latency_ms'> };
export type AiBudget = ResponseData<'/v1/ai/budget', 'get'>;
export type AiBudgetInput = RequestBody<'/v1/ai/budget', 'put'>;

/** Typed calls of the AI settings API for one client. */
export function aiApi(client: AtriumClient) {
  const req = async <T>(method: string, path: string, body?: unknown, query?: Record<string, string | undefined>) =>
    (await client.request<T>(method, path, { body, query })).data;
  return {
    providers: () => req<AiProviders>('GET', '/v1/ai/providers'),
    settings: () => req<AiSettings>('GET', '/v1/ai/settings'),
    updateSettings: (input: AiSettingsInput) => req<AiSettings>('PUT', '/v1/ai/settings', input),
    usage: (query: { from?: string; to?: string; group_by?: 'day' | 'model' | 'feature' | 'alias' | 'provider' } = {}) => req<AiUsage>('GET', '/v1/ai/usage', undefined, query),
    budget: () => req<AiBudget>('GET', '/v1/ai/budget'),
    setBudget: (input: AiBudgetInput) => req<AiBudget>('PUT', '/v1/ai/budget', input),
  };
}

export type AiApi = ReturnType<typeof aiApi>;
