// The AI gateway's configuration section: the providers from the environment (tenants can add
// their own in settings), timeouts, retries, metering. Its fields sit under `config.ai`.
import { z } from 'zod';
import { defineConfig } from '../../platform/config.js';

export type AiConfig = {
  openai: { baseUrl: string; apiKey: string | undefined; model: string; embedModel: string | undefined } | undefined;
  anthropic: { baseUrl: string | undefined; apiKey: string | undefined; model: string } | undefined;
  timeoutMs: number;
  maxRetries: number;
  /** First backoff step; doubles per retry, with jitter (tests make it small). */
  retryBaseMs: number;
  /** When a call's usage row and diff are written: behind the answer (default) or before it. */
  metering: 'write-behind' | 'sync';
};

export const AI_CONFIG = defineConfig(
  {
    ATRIUM_OPENAI_BASE_URL: z.string().url().optional(),
    ATRIUM_OPENAI_API_KEY: z.string().optional(),
    ATRIUM_OPENAI_MODEL: z.string().default('gpt-4o-mini'),
    ATRIUM_OPENAI_EMBED_MODEL: z.string().optional(),
    ATRIUM_ANTHROPIC_API_KEY: z.string().optional(),
    ATRIUM_ANTHROPIC_BASE_URL: z.string().url().optional(),
    ATRIUM_ANTHROPIC_MODEL: z.string().default('claude-sonnet-4-5'),
    ATRIUM_AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    ATRIUM_AI_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
    ATRIUM_AI_METERING: z.enum(['write-behind', 'sync']).default('write-behind'),
  },
  (c): { ai: AiConfig } => ({
    ai: {
      openai: c.ATRIUM_OPENAI_BASE_URL
        ? { baseUrl: c.ATRIUM_OPENAI_BASE_URL, apiKey: c.ATRIUM_OPENAI_API_KEY, model: c.ATRIUM_OPENAI_MODEL, embedModel: c.ATRIUM_OPENAI_EMBED_MODEL }
        : undefined,
      anthropic: c.ATRIUM_ANTHROPIC_API_KEY || c.ATRIUM_ANTHROPIC_BASE_URL
        ? { baseUrl: c.ATRIUM_ANTHROPIC_BASE_URL, apiKey: c.ATRIUM_ANTHROPIC_API_KEY, model: c.ATRIUM_ANTHROPIC_MODEL }
        : undefined,
      timeoutMs: c.ATRIUM_AI_TIMEOUT_MS,
      maxRetries: c.ATRIUM_AI_MAX_RETRIES,
      retryBaseMs: 250,
      metering: c.ATRIUM_AI_METERING,
    },
  }),
);

declare module '../../platform/config.js' {
  interface AtriumConfig {
    /** AI gateway providers from the environment (tenants can add their own in settings). */
    ai: AiConfig;
  }
}
