// Configuration is read from the environment once, validated, and passed down explicitly.
// The platform declares its own keys here; each module declares its section (env keys with
// their zod schemas, and how they map into its fields) in its definition (`config`). The
// composition root (server/src/config.ts) hands the module list to `loadConfigOf`, which
// validates every key in one pass and reports every bad one together. `AtriumConfig` grows
// by declaration merging from each module's config.ts, as `Database` does (0061, 0067), so
// the platform never imports a module and consumers keep one flat typed object.
import { z } from 'zod';

/** An environment flag: true/false, 1/0, yes/no. */
export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A section of the configuration: the env keys it reads and how their values become its fields. */
export type ConfigSection<Out extends object = object> = {
  readonly env: z.ZodRawShape;
  map(values: Readonly<Record<string, unknown>>): Out;
};

/** Declares a section; `map` sees the parsed values typed by their schemas. */
export function defineConfig<const S extends z.ZodRawShape, Out extends object>(env: S, map: (values: z.output<z.ZodObject<S>>) => Out): ConfigSection<Out> {
  // The values come from one parse of a schema that contains `env`, so they have its output type.
  return { env, map: (values) => map(values as z.output<z.ZodObject<S>>) };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The platform's own fields: process, database, HTTP, mail, jobs, secrets. */
export type PlatformConfig = {
  port: number;
  host: string;
  dataDir: string;
  /** undefined → embedded PGlite; 'memory://' → in-memory PGlite (tests). */
  databaseUrl: string | undefined;
  poolMax: number;
  logLevel: (typeof LOG_LEVELS)[number];
  bodyLimit: number;
  seedDemo: boolean;
  jobs: boolean;
  secretKey: string | undefined;
  /** Honour X-Forwarded-For (only behind a reverse proxy you run: otherwise clients choose their IP). */
  trustProxy: boolean;
  /** Base URL users reach Atrium at (links in emails, OIDC redirect); defaults to http://localhost:<port>. */
  publicUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** How often the job engine expires stuck jobs (those of a killed worker) for retry. */
  jobMaintenanceSeconds: number;
  /** Where uploaded files' bytes go: undefined → in Postgres (blob_parts); a path → that directory. */
  blobDir: string | undefined;
};

export const PLATFORM_CONFIG = defineConfig(
  {
    ATRIUM_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    ATRIUM_HOST: z.string().default('127.0.0.1'),
    ATRIUM_DATA_DIR: z.string().default('./.atrium'),
    DATABASE_URL: z.string().url().optional(),
    ATRIUM_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    ATRIUM_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    ATRIUM_BODY_LIMIT: z.coerce.number().int().min(1024).default(1024 * 1024),
    ATRIUM_SEED_DEMO: bool.default(true),
    ATRIUM_JOBS: bool.default(true),
    ATRIUM_SECRET_KEY: z.string().min(16).optional(),
    ATRIUM_TRUST_PROXY: bool.default(false),
    ATRIUM_PUBLIC_URL: z.string().url().optional(),
    ATRIUM_SMTP_URL: z.string().url().optional(),
    ATRIUM_MAIL_FROM: z.string().default('Atrium <no-reply@atrium.local>'),
    ATRIUM_JOB_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
    ATRIUM_BLOB_DIR: z.string().min(1).optional(),
  },
  (c): PlatformConfig => ({
    port: c.ATRIUM_PORT,
    host: c.ATRIUM_HOST,
    dataDir: c.ATRIUM_DATA_DIR,
    databaseUrl: c.DATABASE_URL,
    poolMax: c.ATRIUM_DB_POOL_MAX,
    logLevel: c.ATRIUM_LOG_LEVEL,
    bodyLimit: c.ATRIUM_BODY_LIMIT,
    seedDemo: c.ATRIUM_SEED_DEMO,
    jobs: c.ATRIUM_JOBS,
    secretKey: c.ATRIUM_SECRET_KEY,
    trustProxy: c.ATRIUM_TRUST_PROXY,
    publicUrl: c.ATRIUM_PUBLIC_URL,
    smtpUrl: c.ATRIUM_SMTP_URL,
    mailFrom: c.ATRIUM_MAIL_FROM,
    jobMaintenanceSeconds: c.ATRIUM_JOB_MAINTENANCE_SECONDS,
    blobDir: c.ATRIUM_BLOB_DIR,
  }),
);

/**
 * The whole configuration: the platform's fields here, each module's added by its config.ts
 * (`declare module '…/platform/config.js' { interface AtriumConfig extends RulesConfig {} }`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AtriumConfig extends PlatformConfig {}

/** What `loadConfigOf` needs of a module: its id (named in errors) and its section, if any. */
export type ConfigOwner = { readonly id: string; readonly config?: ConfigSection };

/**
 * Reads the platform's keys and every listed module's from `env` in one validation pass (every
 * bad key reported, by name), maps each section into its fields and applies `overrides` last
 * (tests). A key or field declared by two owners fails, naming both.
 */
export function loadConfigOf(modules: readonly ConfigOwner[], env: NodeJS.ProcessEnv = process.env, overrides: Partial<AtriumConfig> = {}): AtriumConfig {
  const sections: { id: string; section: ConfigSection }[] = [{ id: 'platform', section: PLATFORM_CONFIG }];
  for (const m of modules) if (m.config) sections.push({ id: `module ${m.id}`, section: m.config });
  const shape: Record<string, z.ZodRawShape[string]> = {};
  const keyOwner = new Map<string, string>();
  for (const { id, section } of sections) {
    for (const [key, schema] of Object.entries(section.env)) {
      const owner = keyOwner.get(key);
      if (owner) throw new Error(`config key ${key}: declared by ${owner} and by ${id}`);
      keyOwner.set(key, id);
      shape[key] = schema;
    }
  }
  // Unset and empty variables take the defaults; variables no section declares are not ours.
  const parsed = z.object(shape).safeParse(Object.fromEntries(Object.entries(env).filter(([k, v]) => keyOwner.has(k) && v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const config: Record<string, unknown> = {};
  const fieldOwner = new Map<string, string>();
  for (const { id, section } of sections) {
    for (const [field, value] of Object.entries(section.map(parsed.data))) {
      const owner = fieldOwner.get(field);
      if (owner) throw new Error(`config field ${field}: set by ${owner} and by ${id}`);
      fieldOwner.set(field, id);
      config[field] = value;
    }
  }
  // Complete when the list holds every module whose config.ts augments AtriumConfig (the root
  // server/src/config.ts passes MODULES, the same list app.ts creates).
  return { ...config, ...overrides } as AtriumConfig;
}
