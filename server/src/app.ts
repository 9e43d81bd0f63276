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
import { createBlobStore } from './platform/blobs.js';
import { createLogger } from './platform/logger.js';
import { RealtimeHub } from './platform/realtime.js';
import { PLAN_LIMITS_PER_MINUTE } from './modules/identity/index.js';
import { createMailer } from './platform/mail.js';
import { counterStoreFor, RateLimiter } from './platform/http/rate-limit.js';
import cookie from '@fastify/cookie';
import { registerWebApp } from './platform/http/static.js';
import { CommandRegistry } from './platform/commands.js';
import { EventRegistry } from './platform/events.js';
import { RuleActionRegistry } from './platform/rule-actions.js';
import { PermissionRegistry } from './platform/permissions.js';
import { createModules, type Platform, type Role } from './platform/module.js';
import { MODULES } from './modules.js';
import { systemClock } from './platform/clock.js';

export const VERSION = '0.1.0';
/** Sign-up, login and invitation acceptance per client IP (credential stuffing brake). */
const AUTH_REQUESTS_PER_IP_PER_MINUTE = 30;
/** /readyz waits this long for `select 1` before saying the database is unavailable. */
const READY_TIMEOUT_MS = 2_000;
export type { Role };
/** Events are checked against the catalogues always by name; by shape too in tests and development. */
const STRICT_EVENTS = process.env.NODE_ENV !== 'production';

export type App = Awaited<ReturnType<typeof createApp>>;

export async function createApp(config: AtriumConfig, opts: { logger?: Logger; db?: Db; now?: () => Date } = {}) {
  const log = opts.logger ?? createLogger(config);
  const db = opts.db ?? (await openDb(config));
  const jobs = new Jobs(db, log, { maintenanceIntervalSeconds: config.jobMaintenanceSeconds });
  const hub = new RealtimeHub(db, log);
  const blobs = createBlobStore(db, { dir: config.blobDir });
  const mailer = createMailer(config.smtpUrl, config.mailFrom, log);
  const commands = new CommandRegistry(db);
  const events = new EventRegistry(STRICT_EVENTS);
  const ruleActions = new RuleActionRegistry();
  const platform: Platform = { config, log, db, jobs, blobs, hub, mailer, now: opts.now ?? systemClock, commands, events, permissions: new PermissionRegistry(), ruleActions };
  const { instances, order } = createModules(MODULES, platform);
  const { ledger, identity, work, ai, notifications, rules } = instances;
  const metrics = createMetrics({ queueDepths: () => jobs.queueDepths(), rulesBacklog: () => rules.backlog(), subscriptionBacklogs: () => ledger.subscriptionBacklogs(), aiMetering: () => ai.meter.stats() });

  let http: FastifyInstance | null = null;
  let role: Role | null = null;

  function buildHttp(): FastifyInstance {
    const app = createHttpServer({ logger: log, bodyLimit: config.bodyLimit, trustProxy: config.trustProxy });
    metrics.instrument(app);
    void app.register(cookie);
    const limits = {
      limiter: new RateLimiter(counterStoreFor(db), platform.now),
      perPrincipal: (p: { plan: string }) => PLAN_LIMITS_PER_MINUTE[p.plan] ?? PLAN_LIMITS_PER_MINUTE.free!,
      perIpOnAuth: AUTH_REQUESTS_PER_IP_PER_MINUTE,
    };
    const registry = new RouteRegistry(app, (req, opts) => identity.authenticate(req, opts), new IdempotencyStore(db), limits);
    registerPlatformRoutes(app, registry, db, metrics.registry);
    registerCatalogueRoutes(registry, events, commands, ruleActions);
    for (const { instance } of order) instance.registerRoutes?.(registry);
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
    config, log, db, jobs, hub, commands, events, ruleActions, ...instances, metrics,
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
      for (const { instance } of order) await instance.start?.(startRole);
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
      for (const { instance } of [...order].reverse()) await instance.stop?.();
      await hub.stop();
      if (config.jobs) await jobs.stop();
      await db.close();
      log.info({ role }, 'stopped');
    },
  };
}

/** What modules offer other modules, flows and agents: their events, commands and rule actions. */
function registerCatalogueRoutes(registry: RouteRegistry, events: EventRegistry, commands: CommandRegistry, ruleActions: RuleActionRegistry) {
  registry.add({
    method: 'GET', url: '/v1/events', tags: ['platform'], scope: 'read',
    summary: 'The event catalogue: every module event with the JSON Schema of before/after/metadata and the field paths a condition can test',
    response: z.array(z.object({
      module: z.string(), namespace: z.string(), event: z.string(), entity_type: z.string(), summary: z.string(),
      before: z.record(z.string(), z.unknown()).nullable(), after: z.record(z.string(), z.unknown()).nullable(),
      metadata: z.record(z.string(), z.unknown()).nullable(), fields: z.array(z.string()),
    })),
    handler: async () => ({ data: events.list() }),
  });
  registry.add({
    method: 'GET', url: '/v1/commands', tags: ['platform'], scope: 'read',
    summary: 'The command registry: what rule actions, flow steps and agent tools can do, with the input schema and scope of each',
    response: z.array(z.object({ name: z.string(), module: z.string(), summary: z.string(), scope: z.enum(['read', 'write', 'admin']), input: z.record(z.string(), z.unknown()) })),
    handler: async () => ({ data: commands.list() }),
  });
  registry.add({
    method: 'GET', url: '/v1/rule-actions', tags: ['platform'], scope: 'read',
    summary: 'What a rule can do: every registered action type, the module that runs it, and the JSON Schema of its fields (for the rule builder)',
    response: z.array(z.object({ type: z.string(), module: z.string(), summary: z.string(), schema: z.record(z.string(), z.unknown()) })),
    handler: async () => ({ data: ruleActions.list() }),
  });
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
