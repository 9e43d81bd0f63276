// The events of the AI gateway (namespace ai): calls made, settings, budgets, prompt templates.
import { z } from 'zod';
import { fields, type EventCatalogue } from '../../platform/events.js';

const num = z.number().nullable();
const budget = fields({ monthly_tokens: num, monthly_cost_usd: num, allow_offline: z.boolean() });
const settings = fields({
  providers: z.record(z.string(), z.json()), aliases: z.record(z.string(), z.json()), prices: z.record(z.string(), z.json()),
  store_prompts: z.boolean(), cache_ttl_seconds: z.number(), version: z.number(),
});

export const AI_EVENTS: EventCatalogue = {
  'ai.call': {
    entity: 'ai_call', summary: 'A model was called (completion or embedding): tokens, cost, latency, provider',
    after: fields({
      kind: z.string(), alias: z.string(), provider: z.string(), model: z.string(), feature: z.string().nullable(),
      input_tokens: z.number(), output_tokens: z.number(), cost_usd: z.number(), latency_ms: z.number(), cached: z.boolean(),
      fallback_used: z.boolean(), prompt_id: z.string().nullable(), prompt_version: z.number().nullable(), attempts: z.json(), content: z.json(),
    }),
  },
  'ai.settings_updated': { entity: 'ai_settings', summary: 'Providers, aliases, prices or caching of the workspace changed', before: settings, after: settings },
  'ai.budget_updated': { entity: 'ai_budget', summary: 'The monthly AI budget changed', before: budget, after: budget },
  'ai.budget_warning': {
    entity: 'ai_budget', summary: '80 % of the monthly AI budget is used',
    after: fields({ month: z.string(), percent: z.number(), used_tokens: z.number(), used_cost_usd: z.number(), monthly_tokens: num, monthly_cost_usd: num }),
  },
  'ai_prompt.created': { entity: 'ai_prompt', summary: 'A prompt template was created', after: fields({ name: z.string(), description: z.string(), version: z.number(), template: z.string(), system: z.string().nullable() }) },
  'ai_prompt.versioned': { entity: 'ai_prompt', summary: 'A prompt template got a new version', before: fields({ version: z.number() }), after: fields({ version: z.number(), template: z.string(), system: z.string().nullable() }) },
  'ai_prompt.pinned': { entity: 'ai_prompt', summary: 'A prompt template’s pinned version changed', before: fields({ pinned_version: z.number().nullable() }), after: fields({ pinned_version: z.number().nullable() }) },
};
