// HTTP surface of the gateway: complete (JSON or SSE), embed, providers, usage, budget, settings.
// Budget and settings writes run as the module's commands (commands.ts); completions and
// embeddings record only facts (metering.ts), which no rule holds.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actingAs, inTenant } from '../../platform/context.js';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Db } from '../../platform/db/index.js';
import { hijackedHeaders } from '../../platform/http/server.js';
import { STREAMED, type RouteRegistry } from '../../platform/http/route.js';
import { isAppError } from '../../platform/http/route.js';
import { budgetStatus } from './budget.js';
import { AI_COMMANDS } from './commands.js';
import { embedTexts } from './embed-call.js';
import type { Completion, Gateway, GatewayDeps } from './gateway.js';
import { breakerKey, unconfiguredReason } from './providers.js';
import { budgetBody, budgetSchema, completeBody, completionSchema, embedBody, settingsBody } from './schemas.js';
import { loadSettings, routingOf, settingsView } from './settings.js';
import { GROUPS, usageReport } from './usage.js';

/** How long a usage or budget read waits for this process's unwritten calls of the workspace. */
const DRAIN_TIMEOUT_MS = 5_000;

/** Settings and budget change through the module's commands (commands.ts: 2FA step-up, holds). */
type Deps = { db: Db; gw: Gateway; d: GatewayDeps; commands: CommandRegistry };

/** SSE: `delta` events with text, then one `done` with the completion (or `error`). Headers go out on the first event, so errors before it are ordinary JSON errors. */
function sseSink(req: FastifyRequest, reply: FastifyReply) {
  let open = false;
  const write = (event: string, data: unknown) => {
    if (!open) {
      reply.hijack();
      reply.raw.writeHead(200, hijackedHeaders(req, reply, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' }));
      open = true;
    }
    reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  return { write, get open() { return open; } };
}

export function registerAiRoutes(r: RouteRegistry, { db, gw, d, commands }: Deps): void {
  /** This process's calls of the workspace are written behind their answers: wait for them before reading usage. */
  const metered = (tenantId: string) => d.meter.drain({ tenantId, timeoutMs: DRAIN_TIMEOUT_MS });

  r.add({
    method: 'POST', url: '/v1/ai/complete', tags: ['ai'], scope: 'write',
    summary: 'A completion through an alias (messages, or prompt, or a prompt template): fallback, cache, metering; JSON schema output, tools; stream: true answers with Server-Sent Events',
    body: completeBody, response: completionSchema, produces: ['text/event-stream'],
    handler: async ({ principal, body, req, reply, requestId }) => {
      const { stream, ...input } = body;
      const source = actingAs(principal, requestId);
      if (!stream) return { data: await gw.complete(source, input) };
      const sse = sseSink(req, reply);
      let done: Completion;
      try {
        done = await gw.complete(source, input, { delta: (text) => sse.write('delta', { text }) });
      } catch (err) {
        if (!sse.open) throw err;
        const e = isAppError(err) ? { code: err.code, message: err.message, details: err.details } : { code: 'INTERNAL', message: 'The stream failed.', details: [] };
        sse.write('error', e);
        reply.raw.end();
        return STREAMED;
      }
      sse.write('done', done);
      reply.raw.end();
      return STREAMED;
    },
  });

  r.add({
    method: 'POST', url: '/v1/ai/embed', tags: ['ai'], scope: 'write', summary: 'Embeddings through the `embed` alias (offline sentence encoder by default)',
    body: embedBody,
    response: z.object({ id: z.string(), embeddings: z.array(z.array(z.number())), provider: z.string(), model: z.string(), dimensions: z.number(), usage: z.object({ input_tokens: z.number(), cost_usd: z.number() }) }),
    handler: async ({ principal, body, requestId }) => ({
      data: await embedTexts(d, gw, principal.tenantId, (fn) => inTenant(db, actingAs(principal, requestId), fn), body.texts, { alias: body.alias, feature: body.feature }),
    }),
  });

  r.add({
    method: 'GET', url: '/v1/ai/providers', tags: ['ai'], scope: 'read', summary: 'Providers (configured or not, never their keys), their circuit breakers, and the alias chains',
    handler: async ({ principal }) => {
      const settings = await db.tenantTx(principal.tenantId, (tx) => loadSettings(tx));
      const routing = routingOf(settings, d.env, d.secrets());
      const providers = [...routing.providers.values()].map((p) => {
        const reason = unconfiguredReason(p);
        return {
          id: p.id, kind: p.kind, source: p.source, base_url: p.baseUrl ?? null, model: p.model, embed_model: p.embedModel ?? null,
          api_key_set: !!p.apiKey, configured: reason === null, unconfigured_reason: reason,
          breaker: p.kind === 'offline' ? null : d.breakers.peek(breakerKey(p)),
        };
      });
      const aliases = Object.fromEntries(Object.entries(routing.aliases).map(([name, chain]) => [name, chain.map((l) => ({ provider: l.provider.id, model: l.model }))]));
      return { data: { providers, aliases } };
    },
  });

  r.add({
    method: 'GET', url: '/v1/ai/usage', tags: ['ai'], scope: 'read', summary: 'Usage aggregated by day, model, feature, alias or provider (default: this month by day)',
    query: z.strictObject({ from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(), to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(), group_by: z.enum(GROUPS).default('day') }),
    handler: async ({ principal, query }) => {
      await metered(principal.tenantId);
      return { data: await db.tenantTx(principal.tenantId, (tx) => usageReport(tx, query, d.now())) };
    },
  });

  r.add({
    method: 'GET', url: '/v1/ai/budget', tags: ['ai'], scope: 'read', summary: 'The monthly AI budget and this month’s paid usage', response: budgetSchema,
    handler: async ({ principal }) => {
      await metered(principal.tenantId);
      return { data: await db.tenantTx(principal.tenantId, (tx) => budgetStatus(tx, d.now())) };
    },
  });

  r.add({
    method: 'PUT', url: '/v1/ai/budget', tags: ['ai'], scope: 'admin', summary: 'Set the monthly budget (tokens and/or USD; null removes a limit) and whether offline stays available beyond it',
    body: budgetBody, response: budgetSchema,
    handler: async ({ principal, body, requestId }) => {
      // The counter is reseeded from the usage rows: this process's calls answered just before
      // are written first (outside the command: its transaction must not wait for the meter's).
      await metered(principal.tenantId);
      return { data: await commands.execute<z.input<typeof budgetSchema>>(principal, AI_COMMANDS.setBudget, body, { requestId }) };
    },
  });

  r.add({
    method: 'GET', url: '/v1/ai/settings', tags: ['ai'], scope: 'read', summary: 'The workspace’s AI settings (provider keys are never returned)',
    handler: async ({ principal }) => ({ data: settingsView(await db.tenantTx(principal.tenantId, (tx) => loadSettings(tx))) }),
  });

  r.add({
    method: 'PUT', url: '/v1/ai/settings', tags: ['ai'], scope: 'admin', summary: 'Change providers (keys sealed at rest), alias chains, prices, cache TTL, prompt storage',
    body: settingsBody,
    handler: async ({ principal, body, requestId }) => ({ data: await commands.execute(principal, AI_COMMANDS.updateSettings, body, { requestId }) }),
  });
}
