// Wires the platform and the modules into one application. The same build runs as
// `serve` (HTTP), `worker` (jobs) or both (embedded mode, `atrium start`).
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AtriumConfig } from './platform/config.js';
import { openDb, type Db } from './platform/db/index.js';
import { migrate } from './platform/db/migrate.js';
import { databaseUnavailableError } from './platform/db/unavailable.js';
import { IdempotencyStore } from './platform/http/idempotency.js';
import { createMetrics } from './platform/http/metrics.js';
import { buildOpenApi } from './platform/http/openapi.js';
import { RouteRegistry, STREAMED } from './platform/http/route.js';
import { createHttpServer } from './platform/http/server.js';
import { Jobs } from './platform/jobs.js';
import { createLogger } from './platform/logger.js';
import { RealtimeHub } from './platform/realtime.js';
import { createIdentity, PLAN_LIMITS_PER_MINUTE } from './modules/identity/index.js';
import { createMailer } from './platform/mail.js';
import { counterStoreFor, RateLimiter } from './platform/http/rate-limit.js';
import cookie from '@fastify/cookie';
import { createLedger } from './modules/ledger/index.js';
import { createWork } from './modules/work/index.js';
import { createAi } from './modules/ai/index.js';
import { createNotifications } from './modules/notifications/index.js';
import { createRules } from './modules/rules/index.js';
import { registerWebApp } from './platform/http/static.js';

export const VERSION = '0.1.0';
/** Sign-up, login and invitation acceptance per client IP (credential stuffing brake). */
const AUTH_REQUESTS_PER_IP_PER_MINUTE = 30;
/** /readyz waits this long for `select 1` before saying the database is unavailable. */
const READY_TIMEOUT_MS = 2_000;
export type Role = 'serve' | 'worker' | 'all';

export type App = Awaited<ReturnType<typeof createApp>>;

export async function createApp(config: AtriumConfig, opts: { logger?: Logger; db?: Db; now?: () => Date } = {}) {
  const log = opts.logger ?? createLogger(config);
  const db = opts.db ?? (await openDb(config));
  const jobs = new Jobs(db, log, { maintenanceIntervalSeconds: config.jobMaintenanceSeconds });
  const hub = new RealtimeHub(db, log);
  const ledger = createLedger({ db, jobs, hub, config });
  const mailer = createMailer(config.smtpUrl, config.mailFrom, log);
  const identity = createIdentity({ db, ledger, mailer, log, config });
  const work = createWork({ db, ledger, identity, jobs, now: opts.now });
  const notifications = createNotifications({ db, ledger, identity, mailer });
  const ai = createAi({
    db, hub, log, ledger, config, secrets: identity.secrets, requireFreshStepUp: (p) => identity.requireFreshStepUp(p), now: opts.now,
    notify: async (ctx, n) => void (await notifications.notify(ctx, { to: [n.to], title: n.title, body: n.body, link: n.link ?? null })),
  });
  const rules = createRules({ db, jobs, hub, ledger, log, work, notifications, identity, config, now: opts.now });
  const metrics = createMetrics({ queueDepths: () => jobs.queueDepths(), rulesBacklog: () => rules.backlog(), aiMetering: () => ai.meter.stats() });

  let http: FastifyInstance | null = null;
  let role: Role | null = null;

  function buildHttp(): FastifyInstance {
    const app = createHttpServer({ logger: log, bodyLimit: config.bodyLimit, trustProxy: config.trustProxy });
    metrics.instrument(app);
    void app.register(cookie);
    const limits = {
      limiter: new RateLimiter(counterStoreFor(db)),
      perTenant: (p: { plan: string }) => PLAN_LIMITS_PER_MINUTE[p.plan] ?? PLAN_LIMITS_PER_MINUTE.free!,
      perIpOnAuth: AUTH_REQUESTS_PER_IP_PER_MINUTE,
    };
    const registry = new RouteRegistry(app, (req, opts) => identity.authenticate(req, opts), new IdempotencyStore(db), limits);
    registerPlatformRoutes(app, registry, db, metrics.registry);
    ledger.registerRoutes(registry);
    identity.registerRoutes(registry);
    work.registerRoutes(registry);
    ai.registerRoutes(registry);
    notifications.registerRoutes(registry);
    rules.registerRoutes(registry);
    registerWebApp(app);
    let openapi: Record<string, unknown> | null = null;
    registry.add({
      method: 'GET', url: '/v1/openapi.json', tags: ['platform'], scope: null, summary: 'This document',
      handler: async ({ reply }) => {
        openapi ??= buildOpenApi(registry.routes, VERSION);
        await reply.send(openapi);
        return STREAMED;
      },
    });
    return app;
  }

  return {
    config, log, db, jobs, hub, ledger, identity, work, ai, notifications, rules, metrics,
    get http(): FastifyInstance {
      if (!http) throw new Error('HTTP server not started');
      return http;
    },

    async migrate() {
      return migrate(db);
    },

    /** Starts the given role; `listen: false` builds the server without binding a port (tests use inject or an ephemeral port). */
    async start(startRole: Role, { listen = true }: { listen?: boolean } = {}): Promise<string | null> {
      role = startRole;
      await migrate(db);
      if (config.jobs) await jobs.start({ work: startRole !== 'serve' });
      await identity.start();
      await ledger.start();
      await rules.start(startRole);
      await ai.start();
      if (config.jobs) await work.start(startRole);
      if (startRole === 'worker') return null;
      http = buildHttp();
      if (!listen) {
        await http.ready();
        return null;
      }
      return http.listen({ port: config.port, host: config.host });
    },

    async stop(): Promise<void> {
      if (http) await http.close();
      await ai.stop();
      await rules.stop();
      await hub.stop();
      if (config.jobs) await jobs.stop();
      await db.close();
      log.info({ role }, 'stopped');
    },
  };
}

function registerPlatformRoutes(app: FastifyInstance, registry: RouteRegistry, db: Db, promRegistry: { metrics(): Promise<string>; contentType: string }) {
  registry.add({
    method: 'GET', url: '/healthz', tags: ['platform'], scope: null, summary: 'The process is up',
    response: z.object({ status: z.literal('ok') }),
    handler: async () => ({ data: { status: 'ok' as const } }),
  });
  registry.add({
    method: 'GET', url: '/readyz', tags: ['platform'], scope: null, summary: 'The database answers',
    response: z.object({ status: z.literal('ready'), database: z.enum(['pglite', 'postgres']) }),
    handler: async () => {
      // Any failure, or no answer in time, is "not ready": 503 DATABASE_UNAVAILABLE + Retry-After.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer in time')), READY_TIMEOUT_MS);
      });
      try {
        await Promise.race([sql`select 1`.execute(db.kysely), late]);
      } catch {
        throw databaseUnavailableError();
      } finally {
        clearTimeout(timer);
      }
      return { data: { status: 'ready' as const, database: db.kind } };
    },
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', promRegistry.contentType);
    return promRegistry.metrics();
  });
}
