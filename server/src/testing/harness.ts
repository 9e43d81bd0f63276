// Integration-test harness: a real server on an ephemeral port over a fresh database —
// in-memory PGlite by default, a brand-new database on the Postgres server when
// ATRIUM_TEST_DATABASE_URL is set (scripts/test.mjs runs the suite both ways).
// Tenants and tokens come from the identity module's internal API, never from an HTTP backdoor.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { AtriumClient } from '../../../sdk/src/index.js';
import { createApp, type App, type Role } from '../app.js';
import { loadConfig, type AtriumConfig } from '../config.js';
import { responseValidationDefault, responseViolations } from '../platform/http/route.js';

export type TestApp = {
  app: App;
  baseUrl: string;
  databaseUrl: string | undefined;
  /** A new tenant with an owner and a full-scope token, and an SDK client for it.
   * Plan `enterprise` by default so suites are not throttled; rate-limit tests ask for `free`. */
  tenant(name?: string, opts?: { plan?: 'free' | 'pro' | 'enterprise' }): Promise<TestTenant>;
  client(token?: string): AtriumClient;
  stop(): Promise<void>;
};

export type TestTenant = { tenantId: string; userId: string; token: string; client: AtriumClient };

export const serverDatabaseUrl = (): string | undefined => process.env.ATRIUM_TEST_DATABASE_URL || undefined;

/**
 * Creates a database next to the given one; returns its URL and a dropper. Empty, unless
 * `migrated` asks for a copy of the run's migrated template (server/src/testing/db-templates.ts),
 * when there is one: what a started app would have migrated anyway, in a fraction of the time.
 */
export async function freshDatabase(adminUrl: string, opts: { migrated?: boolean } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `atrium_t_${randomBytes(6).toString('hex')}`;
  const template = opts.migrated ? process.env.ATRIUM_TEST_PG_TEMPLATE : undefined;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * Under tests the route registry checks every JSON success answer against its route's
 * declared `response` schema (`responseValidationDefault`: on when VITEST is set): a mismatch
 * answers 500 INTERNAL naming the route and the zod issues, and `stop()` throws if any answer
 * of this process broke its contract since the app started, so a test that swallowed the 500
 * still fails its file.
 */
/** `now` injects the application clock (the work module's health and due dates read it). */
/** `logger` replaces the silent test logger (tests that read what was logged). */
export async function startTestApp(opts: { role?: Role; config?: Partial<AtriumConfig>; now?: () => Date; logger?: Logger } = {}): Promise<TestApp> {
  const server = serverDatabaseUrl();
  const fresh = server ? await freshDatabase(server, { migrated: true }) : null;
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: fresh?.url ?? 'memory://',
      logLevel: (process.env.ATRIUM_TEST_LOG_LEVEL as AtriumConfig['logLevel']) ?? 'silent',
      seedDemo: false,
      // Tests play several clients from one machine by setting X-Forwarded-For.
      trustProxy: true,
      ...opts.config,
    },
  );
  const violationsBefore = responseViolations.length;
  const app = await createApp(config, { ...(opts.now && { now: opts.now }), ...(opts.logger && { logger: opts.logger }) });
  const address = await app.start(opts.role ?? 'all');
  const baseUrl = address ?? '';
  let n = 0;
  return {
    app,
    baseUrl,
    databaseUrl: fresh?.url,
    client: (token) => new AtriumClient({ baseUrl, token }),
    async tenant(name = `Tenant ${++n}`, tenantOpts = {}) {
      const created = await app.identity.createTenantWithOwner({
        name,
        plan: tenantOpts.plan ?? 'enterprise',
        owner: { email: `owner-${randomBytes(4).toString('hex')}@example.test`, name: `${name} owner` },
      });
      return { ...created, client: new AtriumClient({ baseUrl, token: created.token }) };
    },
    async stop() {
      await app.stop();
      await fresh?.drop();
      const broke = responseViolations.slice(violationsBefore);
      if (broke.length > 0 && responseValidationDefault()) {
        throw new Error(`answers broke their route's response schema:\n${broke.map((v) => `${v.route}: ${v.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`).join('\n')}`);
      }
    },
  };
}

/**
 * The OpenAPI document exactly as `GET /v1/openapi.json` serves it, built in process: a `serve`
 * app over an in-memory PGlite, nothing listening, no jobs, configuration from defaults only
 * (not the caller's environment), so the document is the same on every machine.
 * `scripts/gen-sdk-types.ts` turns it into the SDK's types (sdk/src/openapi.ts).
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({}, { databaseUrl: 'memory://', logLevel: 'silent', seedDemo: false, jobs: false });
  const app = await createApp(config);
  try {
    await app.start('serve', { listen: false });
    const res = await app.http.inject({ method: 'GET', url: '/v1/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`GET /v1/openapi.json answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
    return res.json() as Record<string, unknown>;
  } finally {
    await app.stop();
  }
}
