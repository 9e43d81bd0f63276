// Request and response shapes of the AI endpoints (zod: validation + OpenAPI).
import { z } from 'zod';

const jsonObject = z.record(z.string(), z.json());
const content = z.string().max(4_000_000);
const toolCall = z.strictObject({ id: z.string().min(1).max(200), name: z.string().min(1).max(64), input: z.json() });
export const message = z.union([
  z.strictObject({ role: z.enum(['system', 'user']), content }),
  z.strictObject({ role: z.literal('assistant'), content: content.default(''), tool_calls: z.array(toolCall).max(64).optional() }),
  z.strictObject({ role: z.literal('tool'), tool_call_id: z.string().min(1).max(200), name: z.string().min(1).max(64), content }),
]);
export const toolSpec = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and -, up to 64'),
  description: z.string().max(4000).optional(),
  parameters: jsonObject,
});
export const aliasName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, _ and -');
export const feature = z.string().regex(/^[a-z][a-z0-9_.-]{0,39}$/, 'lowercase letters, digits, _ . and -');
export const why = { why: z.string().trim().min(1).max(5000).optional(), sentiment: z.union([z.literal(-1), z.literal(0), z.literal(1)]).optional() };

export const completeBody = z.strictObject({
  alias: aliasName.optional(),
  messages: z.array(message).max(1000).optional(),
  prompt: z.string().max(4_000_000).optional(),
  system: z.string().max(1_000_000).optional(),
  prompt_id: z.string().max(100).optional(),
  prompt_version: z.number().int().min(1).optional(),
  variables: jsonObject.optional(),
  schema: jsonObject.optional(),
  tools: z.array(toolSpec).max(64).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(200_000).optional(),
  stream: z.boolean().optional(),
  truncate: z.boolean().optional(),
  cache: z.boolean().optional(),
  feature: feature.optional(),
  timeout_ms: z.number().int().min(100).max(600_000).optional(),
});

const attempt = z.object({ provider: z.string(), model: z.string(), outcome: z.string(), status: z.number().optional(), message: z.string().optional() });
export const completionSchema = z.object({
  id: z.string(), text: z.string(), json: z.json().optional(),
  tool_calls: z.array(z.object({ id: z.string(), name: z.string(), input: z.json() })).optional(),
  provider: z.string(), model: z.string(), alias: z.string(),
  usage: z.object({ input_tokens: z.number(), output_tokens: z.number(), cost_usd: z.number() }),
  cached: z.boolean(), fallback_used: z.boolean(), latency_ms: z.number(), truncated: z.boolean(),
  prompt: z.object({ id: z.string(), version: z.number() }).nullable(),
  attempts: z.array(attempt),
});

export const embedBody = z.strictObject({ texts: z.array(z.string().max(100_000)).min(1).max(256), alias: aliasName.optional(), feature: feature.optional() });

const providerInput = z.strictObject({
  kind: z.enum(['openai-compatible', 'anthropic']),
  base_url: z.string().max(2000).nullable().optional(),
  api_key: z.string().max(4000).nullable().optional(),
  model: z.string().min(1).max(200),
  embed_model: z.string().min(1).max(200).nullable().optional(),
});
const price = z.strictObject({ input_per_mtok: z.number().min(0).max(10_000), output_per_mtok: z.number().min(0).max(10_000), context: z.number().int().min(1).max(10_000_000).optional() });
export const settingsBody = z.strictObject({
  providers: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/), providerInput.nullable()).optional(),
  aliases: z.record(aliasName, z.strictObject({ chain: z.array(z.strictObject({ provider: z.string().max(40), model: z.string().max(200).optional() })).min(1).max(8) }).nullable()).optional(),
  prices: z.record(z.string().min(1).max(200), price.nullable()).optional(),
  store_prompts: z.boolean().optional(),
  cache_ttl_seconds: z.number().int().min(0).max(2_592_000).optional(),
  ...why,
});

export const budgetBody = z.strictObject({
  monthly_tokens: z.number().int().min(0).nullable().optional(),
  monthly_cost_usd: z.number().min(0).max(1e9).nullable().optional(),
  allow_offline: z.boolean().optional(),
  ...why,
});

export const budgetSchema = z.object({
  month: z.string(), monthly_tokens: z.number().nullable(), monthly_cost_usd: z.number().nullable(), allow_offline: z.boolean(),
  used: z.object({ tokens: z.number(), cost_usd: z.number(), calls: z.number() }), percent: z.number().nullable(),
  state: z.enum(['unlimited', 'ok', 'warning', 'exceeded']),
});

export const promptSchema = z.object({
  id: z.string(), name: z.string(), description: z.string(), pinned_version: z.number().nullable(), latest_version: z.number(), active_version: z.number(),
  created_at: z.string(), updated_at: z.string(),
});
export const promptVersionSchema = z.object({ version: z.number(), template: z.string(), system: z.string().nullable(), variables: z.array(z.string()), created_by: z.string(), created_at: z.string() });
export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
export const templateBody = { template: z.string().min(1).max(200_000), system: z.string().max(200_000).optional() };
