// The rules module's configuration section: loop cut, webhook policy and retries, action timeout.
import { z } from 'zod';
import { bool, defineConfig } from '../../platform/config.js';

export type RulesConfig = {
  /** A causation chain deeper than this stops (loop cut). */
  maxChainDepth: number;
  /** Webhooks may target loopback/private networks (self-hosted intranets; tests). Link-local never. */
  webhookAllowPrivate: boolean;
  /** The first webhook retry delay (doubles, with jitter). */
  webhookRetryBaseSeconds: number;
  /** A rule action still running after this long is presumed dead and retried. */
  ruleActionTimeoutSeconds: number;
};

export const RULES_CONFIG = defineConfig(
  {
    ATRIUM_RULES_MAX_CHAIN_DEPTH: z.coerce.number().int().min(1).max(50).default(5),
    ATRIUM_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
    ATRIUM_WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().min(0.05).max(3600).default(10),
    ATRIUM_RULES_ACTION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  },
  (c): RulesConfig => ({
    maxChainDepth: c.ATRIUM_RULES_MAX_CHAIN_DEPTH,
    webhookAllowPrivate: c.ATRIUM_WEBHOOK_ALLOW_PRIVATE,
    webhookRetryBaseSeconds: c.ATRIUM_WEBHOOK_RETRY_BASE_SECONDS,
    ruleActionTimeoutSeconds: c.ATRIUM_RULES_ACTION_TIMEOUT_SECONDS,
  }),
);

declare module '../../platform/config.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AtriumConfig extends RulesConfig {}
}
