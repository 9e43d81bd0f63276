// HTTP surface of the ledger (contract: shared/design/API.md).
import { z } from 'zod';
import { actingAs, inTenant, type Principal } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import { STREAMED, type RouteRegistry } from '../../platform/http/route.js';
import { hijackedHeaders } from '../../platform/http/server.js';
import type { JsonObject } from '../../platform/schema.js';
import { exportDiffs, type ExportFormat } from './export.js';
import { diffPublicId, INSTANT_RANGE, isInstantInRange, parseDiffId, type Visibility } from './model.js';
import { RESERVED_NAMESPACES } from './policy.js';
import { annotate, getDiff, listAnnotations, listDiffs, searchAnnotations } from './queries.js';
import type { Recorder } from './record.js';
import type { EntityRef, ReplayedState } from './replay.js';
import type { DiffFeed } from './stream.js';
import { annotationSchema, diffSchema, sentimentSchema } from './schemas.js';
import type { CommandRegistry } from '../../platform/commands.js';
import { assertOwnNamespace, customEventInput, RECORD_EVENT } from './commands.js';

const name = z.string().trim().min(1).max(100);
const outOfRange = 'must be between the years 1000 and 9999';
const instant = z.coerce.date().min(INSTANT_RANGE.min, outOfRange).max(INSTANT_RANGE.max, outOfRange);
const filters = {
  namespace: name.optional(),
  entity_type: name.optional(),
  entity_id: z.string().min(1).max(200).optional(),
  event: name.optional(),
  actor_id: z.string().min(1).max(200).optional(),
  since: instant.optional(),
  until: instant.optional(),
};
const limit = z.coerce.number().int().min(1).max(200).default(50);
const idParam = z.strictObject({ id: z.string().min(1).max(100) });
const entityParams = z.strictObject({ type: name, id: z.string().min(1).max(200) });


export type LedgerRouteDeps = {
  db: Db;
  recorder: Recorder;
  feed: DiffFeed;
  stateAt: (tenantId: string, ref: EntityRef, at: Date) => Promise<ReplayedState>;
  visibleTo: Visibility;
};

export function registerLedgerRoutes(r: RouteRegistry, { db, recorder, feed, stateAt, commands, visibleTo }: LedgerRouteDeps & { commands: CommandRegistry }): void {
  const read = <T>(p: Principal, fn: (tx: Tx) => Promise<T>) => db.tenantTx(p.tenantId, fn);

  r.add({
    method: 'GET', url: '/v1/diffs', tags: ['ledger'], scope: 'read',
    summary: 'List diffs, newest first, with filters and a cursor',
    query: z.strictObject({ ...filters, limit, cursor: z.string().max(500).optional() }),
    response: z.array(diffSchema),
    handler: async ({ principal, query: { limit: n, cursor, ...f } }) => {
      const page = await read(principal, (tx) => listDiffs(tx, f, n, cursor));
      return { data: page.items.map((d) => visibleTo(d, principal.userId)), meta: page.nextCursor ? { next_cursor: page.nextCursor } : {} };
    },
  });

  r.add({
    method: 'POST', url: '/v1/diffs', tags: ['ledger'], scope: 'write', successStatus: 201,
    summary: 'Record a custom event (namespaces of Atrium modules are reserved)',
    body: customEventInput,
    response: diffSchema,
    handler: async ({ principal, requestId, body }) => {
      assertOwnNamespace(body.namespace, 'body.namespace');
      return { data: await commands.execute(principal, RECORD_EVENT, body, { requestId }) };
    },
  });

  r.add({
    method: 'GET', url: '/v1/diffs/:id', tags: ['ledger'], scope: 'read',
    summary: 'One diff with its whys', params: idParam, response: diffSchema,
    handler: async ({ principal, params }) => ({ data: visibleTo(await read(principal, (tx) => getDiff(tx, params.id)), principal.userId) }),
  });

  r.add({
    method: 'GET', url: '/v1/diffs/:id/annotations', tags: ['ledger'], scope: 'read',
    summary: 'The whys on a diff', params: idParam, response: z.array(annotationSchema),
    handler: async ({ principal, params }) => ({ data: await read(principal, (tx) => listAnnotations(tx, params.id)) }),
  });

  r.add({
    method: 'POST', url: '/v1/diffs/:id/annotations', tags: ['ledger'], scope: 'write', successStatus: 201,
    summary: 'Add a why (with sentiment) to a diff', params: idParam,
    body: z.strictObject({ why: z.string().trim().min(1).max(5000), sentiment: sentimentSchema.optional() }),
    response: annotationSchema,
    handler: async ({ principal, requestId, params, body }) => ({
      data: await inTenant(db, actingAs(principal, requestId), (ctx) => annotate(ctx, params.id, body)),
    }),
  });

  r.add({
    method: 'GET', url: '/v1/annotations', tags: ['ledger'], scope: 'read',
    summary: 'Full-text search over the tenant’s whys, ranked',
    query: z.strictObject({ q: z.string().trim().min(1).max(500), limit }),
    response: z.array(annotationSchema.extend({ rank: z.number(), diff: z.object({ id: z.string(), namespace: z.string(), entity_type: z.string(), entity_id: z.string(), event: z.string() }) })),
    handler: async ({ principal, query }) => ({ data: await read(principal, (tx) => searchAnnotations(tx, query.q, query.limit)) }),
  });

  r.add({
    method: 'GET', url: '/v1/entities/:type/:id/history', tags: ['ledger'], scope: 'read',
    summary: 'Every diff of one entity, newest first', params: entityParams,
    query: z.strictObject({ limit, cursor: z.string().max(500).optional() }),
    response: z.array(diffSchema),
    handler: async ({ principal, params, query }) => {
      const page = await read(principal, (tx) => listDiffs(tx, { entity_type: params.type, entity_id: params.id }, query.limit, query.cursor));
      if (page.items.length === 0 && !query.cursor) throw errors.notFound('Entity');
      return { data: page.items, meta: page.nextCursor ? { next_cursor: page.nextCursor } : {} };
    },
  });

  r.add({
    method: 'GET', url: '/v1/entities/:type/:id/state', tags: ['ledger'], scope: 'read',
    summary: 'The entity’s state as it was at `at` (default now), replayed from the ledger', params: entityParams,
    query: z.strictObject({ at: z.iso.datetime({ offset: true }).refine((s) => Number.isNaN(Date.parse(s)) || isInstantInRange(Date.parse(s)), outOfRange).optional() }),
    response: z.object({ state: z.json().nullable(), at: z.string(), as_of_diff_id: z.string().nullable() }),
    handler: async ({ principal, params, query }) => {
      const at = query.at ? new Date(query.at) : new Date();
      const replayed = await stateAt(principal.tenantId, { entityType: params.type, entityId: params.id }, at);
      const { folded: _folded, ...data } = replayed;
      return { data };
    },
  });

  for (const format of ['csv', 'jsonl'] as const satisfies ExportFormat[]) {
    r.add({
      method: 'GET', url: `/v1/export/diffs.${format}`, tags: ['ledger'], scope: 'read',
      summary: `Audit export as ${format.toUpperCase()} (filters as /v1/diffs), streamed, each row with its whys`,
      query: z.strictObject(filters),
      produces: [format === 'csv' ? 'text/csv' : 'application/x-ndjson'],
      handler: async ({ principal, query, req, reply }) => {
        reply.hijack();
        reply.raw.writeHead(200, hijackedHeaders(req, reply, {
          'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          'content-disposition': `attachment; filename="atrium-diffs.${format}"`,
        }));
        try {
          await exportDiffs(db, principal.tenantId, query, format, reply.raw, (d) => visibleTo(d, principal.userId));
        } finally {
          reply.raw.end();
        }
        return STREAMED;
      },
    });
  }

  r.add({
    method: 'GET', url: '/v1/stream', tags: ['ledger'], scope: 'read',
    summary: 'Server-Sent Events: the tenant’s diffs as they commit (resume with Last-Event-ID)',
    query: z.strictObject({ last_event_id: z.string().max(30).optional(), ticket: z.string().max(100).optional() }),
    produces: ['text/event-stream'],
    handler: async ({ principal, req, reply }) => {
      await feed.serve(req, reply, principal.tenantId, principal.userId);
      return STREAMED;
    },
  });
}
