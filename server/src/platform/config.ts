// Configuration is read from the environment once, validated, and passed down explicitly.
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  ATRIUM_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  ATRIUM_HOST: z.string().default('127.0.0.1'),
  ATRIUM_DATA_DIR: z.string().default('./.atrium'),
  DATABASE_URL: z.string().url().optional(),
  ATRIUM_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  ATRIUM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ATRIUM_BODY_LIMIT: z.coerce.number().int().min(1024).default(1024 * 1024),
  ATRIUM_SNAPSHOT_EVERY: z.coerce.number().int().min(10).default(500),
  ATRIUM_SNAPSHOT_LAG_SECONDS: z.coerce.number().int().min(0).default(60),
  ATRIUM_SEED_DEMO: bool.default(true),
  ATRIUM_JOBS: bool.default(true),
  ATRIUM_SECRET_KEY: z.string().min(16).optional(),
  ATRIUM_TRUST_PROXY: bool.default(false),
  ATRIUM_PUBLIC_URL: z.string().url().optional(),
  ATRIUM_SMTP_URL: z.string().url().optional(),
  ATRIUM_MAIL_FROM: z.string().default('Atrium <no-reply@atrium.local>'),
  ATRIUM_OIDC_ISSUER: z.string().url().optional(),
  ATRIUM_OIDC_CLIENT_ID: z.string().optional(),
  ATRIUM_OIDC_CLIENT_SECRET: z.string().optional(),
  ATRIUM_OIDC_LABEL: z.string().default('Single sign-on'),
  ATRIUM_RULES_MAX_CHAIN_DEPTH: z.coerce.number().int().min(1).max(50).default(5),
  ATRIUM_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  ATRIUM_JOB_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  ATRIUM_RULES_ACTION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  ATRIUM_WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().min(0.05).max(3600).default(10),
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
});

export type AtriumConfig = {
  port: number;
  host: string;
  dataDir: string;
  /** undefined → embedded PGlite; 'memory://' → in-memory PGlite (tests). */
  databaseUrl: string | undefined;
  poolMax: number;
  logLevel: z.infer<typeof configSchema>['ATRIUM_LOG_LEVEL'];
  bodyLimit: number;
  snapshotEvery: number;
  snapshotLagSeconds: number;
  seedDemo: boolean;
  jobs: boolean;
  secretKey: string | undefined;
  /** Honour X-Forwarded-For (only behind a reverse proxy you run: otherwise clients choose their IP). */
  trustProxy: boolean;
  /** Base URL users reach Atrium at (links in emails, OIDC redirect); defaults to http://localhost:<port>. */
  publicUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  oidc: { issuer: string; clientId: string; clientSecret: string | undefined; label: string } | undefined;
  /** Rules: a causation chain deeper than this stops (loop cut). */
  maxChainDepth: number;
  /** Webhooks may target loopback/private networks (self-hosted intranets; tests). Link-local never. */
  webhookAllowPrivate: boolean;
  webhookRetryBaseSeconds: number;
  /** How often the job engine expires stuck jobs (those of a killed worker) for retry. */
  jobMaintenanceSeconds: number;
  /** A rule action still running after this long is presumed dead and retried. */
  ruleActionTimeoutSeconds: number;
  /** AI gateway providers from the environment (tenants can add their own in settings). */
  ai: AiConfig;
};

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

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AtriumConfig> = {}): AtriumConfig {
  const parsed = configSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([k]) => k in configSchema.shape && env[k] !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const c = parsed.data;
  return {
    port: c.ATRIUM_PORT,
    host: c.ATRIUM_HOST,
    dataDir: c.ATRIUM_DATA_DIR,
    databaseUrl: c.DATABASE_URL,
    poolMax: c.ATRIUM_DB_POOL_MAX,
    logLevel: c.ATRIUM_LOG_LEVEL,
    bodyLimit: c.ATRIUM_BODY_LIMIT,
    snapshotEvery: c.ATRIUM_SNAPSHOT_EVERY,
    snapshotLagSeconds: c.ATRIUM_SNAPSHOT_LAG_SECONDS,
    seedDemo: c.ATRIUM_SEED_DEMO,
    jobs: c.ATRIUM_JOBS,
    secretKey: c.ATRIUM_SECRET_KEY,
    trustProxy: c.ATRIUM_TRUST_PROXY,
    publicUrl: c.ATRIUM_PUBLIC_URL,
    smtpUrl: c.ATRIUM_SMTP_URL,
    mailFrom: c.ATRIUM_MAIL_FROM,
    oidc:
      c.ATRIUM_OIDC_ISSUER && c.ATRIUM_OIDC_CLIENT_ID
        ? { issuer: c.ATRIUM_OIDC_ISSUER, clientId: c.ATRIUM_OIDC_CLIENT_ID, clientSecret: c.ATRIUM_OIDC_CLIENT_SECRET, label: c.ATRIUM_OIDC_LABEL }
        : undefined,
    maxChainDepth: c.ATRIUM_RULES_MAX_CHAIN_DEPTH,
    webhookAllowPrivate: c.ATRIUM_WEBHOOK_ALLOW_PRIVATE,
    webhookRetryBaseSeconds: c.ATRIUM_WEBHOOK_RETRY_BASE_SECONDS,
    jobMaintenanceSeconds: c.ATRIUM_JOB_MAINTENANCE_SECONDS,
    ruleActionTimeoutSeconds: c.ATRIUM_RULES_ACTION_TIMEOUT_SECONDS,
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
    ...overrides,
  };
}
