// HTTP surface of knowledge: notebooks, their sources (multipart upload streamed into the blob
// store, URLs, progress, passages, the original file), search, asking a notebook, and outputs.
// Writes run as the module's commands (so rules, approvals and agents see the same thing).
import { Readable } from 'node:stream';
import type { MultipartFile } from '@fastify/multipart';
import { sql } from 'kysely';
import { z } from 'zod';
import type { BlobStore } from '../../platform/blobs.js';
import type { CommandRegistry } from '../../platform/commands.js';
import type { AtriumConfig } from '../../platform/config.js';
import { actingAs, inTenant } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, errors } from '../../platform/errors.js';
import { STREAMED, type RouteRegistry } from '../../platform/http/route.js';
import { askNotebook, askInput, type AskDeps } from './ask.js';
import { KNOWLEDGE_COMMANDS as C, loadNotebook, loadSource } from './commands.js';
import { notebookView, outputView, sourceView } from './model.js';
import { OUTPUT_COMMANDS, outputKind } from './outputs.js';
import { search, searchInput, type SearchDeps } from './search.js';

export type KnowledgeRouteDeps = SearchDeps & AskDeps & { db: Db; commands: CommandRegistry; blobs: BlobStore; config: AtriumConfig };

const idParam = z.strictObject({ id: z.string().min(1).max(100) });
const loose = z.object({}).loose();
const why = z.string().trim().min(1).max(5000);

type Refused = { name: string; code: string; message: string };

export function registerKnowledgeRoutes(r: RouteRegistry, d: KnowledgeRouteDeps): void {
  const tags = ['knowledge'];
  const exec = <O>(p: Parameters<CommandRegistry['execute']>[0], name: string, input: unknown, requestId: string) => d.commands.execute<O>(p, name, input, { requestId });

  r.add({
    method: 'GET', url: '/v1/knowledge/notebooks', tags, scope: 'read', summary: 'Notebooks with their source counts (parsed, failed) and passages',
    query: z.strictObject({ archived: z.enum(['true', 'false']).optional(), q: z.string().max(200).optional() }), response: z.array(loose),
    handler: async ({ principal, query }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      let q = tx.selectFrom('notebooks').selectAll().orderBy('updated_at', 'desc').limit(500);
      q = query.archived === 'true' ? q.where('archived_at', 'is not', null) : q.where('archived_at', 'is', null);
      if (query.q) q = q.where('name', 'ilike', `%${query.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
      const rows = await q.execute();
      const counts = await tx.selectFrom('knowledge_sources').select(['notebook_id',
        (eb) => eb.fn.countAll<string>().as('sources'),
        sql<string>`count(*) filter (where status = 'parsed')`.as('parsed'),
        sql<string>`count(*) filter (where status = 'failed')`.as('failed'),
        sql<string>`coalesce(sum(chunks), 0)`.as('chunks')]).where('removed_at', 'is', null).groupBy('notebook_id').execute();
      const by = new Map(counts.map((c) => [c.notebook_id, { sources: Number(c.sources), parsed: Number(c.parsed), failed: Number(c.failed), chunks: Number(c.chunks) }]));
      return { data: rows.map((n) => notebookView(n, by.get(n.id))) };
    }),
  });
  r.add({
    method: 'POST', url: '/v1/knowledge/notebooks', tags, scope: 'write', summary: 'Create a notebook', body: z.object({}).loose(), successStatus: 201, response: loose,
    handler: async ({ principal, body, requestId }) => ({ data: await exec(principal, C.createNotebook, body, requestId), status: 201 }),
  });
  r.add({
    method: 'GET', url: '/v1/knowledge/notebooks/:id', tags, scope: 'read', summary: 'One notebook with its sources', params: idParam, response: loose,
    handler: async ({ principal, params }) => inTenant(d.db, actingAs(principal), async (ctx) => {
      const n = await loadNotebook(ctx, params.id);
      const sources = await ctx.tx.selectFrom('knowledge_sources').selectAll().where('notebook_id', '=', n.id).where('removed_at', 'is', null).orderBy('created_at').execute();
      const view = notebookView(n, {
        sources: sources.length, parsed: sources.filter((s) => s.status === 'parsed').length, failed: sources.filter((s) => s.status === 'failed').length,
        chunks: sources.reduce((a, s) => a + s.chunks, 0),
      });
      // Passages still waiting for their embedding (search finds them by their words meanwhile).
      const pending = await ctx.tx.selectFrom('knowledge_chunks').select(['source_id', (eb) => eb.fn.countAll<string>().as('n')])
        .where('notebook_id', '=', n.id).where('embedding', 'is', null).groupBy('source_id').execute();
      const waiting = new Map(pending.map((p) => [p.source_id, Number(p.n)]));
      const list = sources.map((s) => ({ ...sourceView(s), semantic: s.status !== 'parsed' ? null : waiting.has(s.id) ? 'pending' : 'ready' }));
      return { data: { ...view, source_list: list, limits: { max_sources: d.config.knowledge.maxSources, max_source_bytes: d.config.knowledge.maxSourceBytes } } };
    }),
  });
  r.add({
    method: 'PATCH', url: '/v1/knowledge/notebooks/:id', tags, scope: 'write', summary: 'Rename a notebook or change its description or tags', params: idParam, body: z.object({}).loose(), response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.updateNotebook, { ...(body as object), id: params.id }, requestId) }),
  });
  r.add({
    method: 'POST', url: '/v1/knowledge/notebooks/:id/archive', tags, scope: 'write', summary: 'Archive a notebook', params: idParam, body: z.strictObject({ why: why.optional() }), response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.archiveNotebook, { id: params.id, ...body }, requestId) }),
  });

  r.add({
    method: 'POST', url: '/v1/knowledge/notebooks/:id/sources', tags, scope: 'write',
    summary: 'Upload documents (multipart/form-data, field `file`, one or more): each is streamed into the blob store and parsed by a job. Answers the sources added and the files refused, each with its reason',
    params: idParam, successStatus: 201, response: z.object({ sources: z.array(loose), refused: z.array(z.object({ name: z.string(), code: z.string(), message: z.string() })) }),
    handler: async ({ principal, params, req, requestId }) => {
      // The notebook must exist (and be this tenant's) before any byte is stored.
      await inTenant(d.db, actingAs(principal), (ctx) => loadNotebook(ctx, params.id, { live: true }));
      if (!req.isMultipart()) throw errors.badRequest('MULTIPART_REQUIRED', 'Send the files as multipart/form-data (a `file` field per document); use …/sources/url for a web address.');
      const sources: unknown[] = [];
      const refused: Refused[] = [];
      let first: AppError | null = null;
      for await (const part of req.parts()) {
        if (part.type !== 'file') continue;
        const file = part as MultipartFile;
        const name = (file.filename || 'document').slice(0, 255);
        try {
          const blob = await d.blobs.put(principal.tenantId, file.file, { mime: file.mimetype || null, maxBytes: d.config.knowledge.maxSourceBytes });
          try {
            sources.push(await exec(principal, C.addUpload, { notebook_id: params.id, blob_id: blob.id, name, mime: file.mimetype || null }, requestId));
          } catch (err) {
            await d.blobs.delete(principal.tenantId, blob.id).catch(() => {});
            throw err;
          }
        } catch (err) {
          if (!(err instanceof AppError) || err.status >= 500) throw err;
          file.file.resume(); // the rest of a refused file is read and dropped, so the next part arrives
          first ??= err;
          refused.push({ name, code: err.code, message: err.message });
        }
      }
      if (sources.length === 0) {
        if (first) throw first;
        throw errors.validation([{ path: 'body.file', message: 'no file in the request' }]);
      }
      return { data: { sources, refused }, status: 201 };
    },
  });
  r.add({
    method: 'POST', url: '/v1/knowledge/notebooks/:id/sources/url', tags, scope: 'write', summary: 'Add a web page or document by URL (fetched through the outbound-URL guard, then parsed)',
    params: idParam, body: z.object({}).loose(), successStatus: 201, response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.addUrl, { ...(body as object), notebook_id: params.id }, requestId), status: 201 }),
  });
  r.add({
    method: 'GET', url: '/v1/knowledge/sources/:id', tags, scope: 'read', summary: 'One source: status and progress, or its error', params: idParam, response: loose,
    handler: async ({ principal, params }) => inTenant(d.db, actingAs(principal), async (ctx) => ({ data: sourceView(await loadSource(ctx, params.id)) })),
  });
  r.add({
    method: 'GET', url: '/v1/knowledge/sources/:id/passages', tags, scope: 'read', summary: 'A source’s passages in order, with page, section and anchor (what citations point at)',
    params: idParam, query: z.strictObject({ page: z.coerce.number().int().min(1).optional() }), response: z.array(loose),
    handler: async ({ principal, params, query }) => inTenant(d.db, actingAs(principal), async (ctx) => {
      const s = await loadSource(ctx, params.id);
      let q = ctx.tx.selectFrom('knowledge_chunks').select(['id', 'ord', 'page', 'section', 'anchor', 'kind', 'text']).where('source_id', '=', s.id).orderBy('ord').limit(2000);
      if (query.page) q = q.where('page', '=', query.page);
      return { data: await q.execute() };
    }),
  });
  r.add({
    method: 'GET', url: '/v1/knowledge/sources/:id/file', tags, scope: 'read', summary: 'The original file, streamed', params: idParam, produces: ['application/octet-stream'],
    handler: async ({ principal, params, reply }) => {
      const s = await inTenant(d.db, actingAs(principal), (ctx) => loadSource(ctx, params.id));
      if (!s.blob_id) throw errors.notFound('File');
      const stream = d.blobs.read(principal.tenantId, s.blob_id);
      const name = s.name.replace(/[^\w.\- ]/g, '_');
      // Served as a download, never rendered by the browser in Atrium's origin (HTML sources may hold scripts).
      void reply.header('content-type', 'application/octet-stream').header('content-disposition', `attachment; filename="${name}"`)
        .header('content-length', String(s.size)).header('cache-control', 'private, no-store');
      await reply.send(Readable.from(stream));
      return STREAMED;
    },
  });
  r.add({
    method: 'POST', url: '/v1/knowledge/sources/:id/remove', tags, scope: 'write', summary: 'Remove a source from its notebook', params: idParam, body: z.strictObject({ why: why.optional() }), response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.removeSource, { id: params.id, ...body }, requestId) }),
  });
  r.add({
    method: 'POST', url: '/v1/knowledge/sources/:id/retry', tags, scope: 'write', summary: 'Parse a failed source again', params: idParam, body: z.strictObject({}).optional(), response: loose,
    handler: async ({ principal, params, requestId }) => ({ data: await exec(principal, C.retrySource, { id: params.id }, requestId) }),
  });

  r.add({
    method: 'GET', url: '/v1/knowledge/search', tags, scope: 'read', summary: 'Hybrid search (full text + meaning, reciprocal rank fusion) across notebooks or in one, with highlighted snippets',
    query: z.strictObject({ q: searchInput.shape.q, notebook_id: searchInput.shape.notebook_id, limit: z.coerce.number().int().min(1).max(50).optional() }), response: loose,
    handler: async ({ principal, query }) => inTenant(d.db, actingAs(principal), async (ctx) => {
      if (query.notebook_id) await loadNotebook(ctx, query.notebook_id);
      return { data: await search(ctx, d, query) };
    }),
  });
  r.add({
    method: 'POST', url: '/v1/knowledge/notebooks/:id/ask', tags, scope: 'read', summary: 'Ask a notebook: answered only from its sources, every claim cited, or “the sources do not say”',
    params: idParam, body: askInput, response: loose,
    handler: async ({ principal, params, body }) => {
      await inTenant(d.db, actingAs(principal), (ctx) => loadNotebook(ctx, params.id));
      // Not inside a transaction: the model is never awaited while one is open.
      return { data: await askNotebook(d.db, actingAs(principal), d, params.id, body) };
    },
  });

  r.add({
    method: 'GET', url: '/v1/knowledge/notebooks/:id/outputs', tags, scope: 'read', summary: 'A notebook’s generated outputs (brief, Q&A, source map), newest version first',
    params: idParam, query: z.strictObject({ kind: outputKind.optional() }), response: z.array(loose),
    handler: async ({ principal, params, query }) => inTenant(d.db, actingAs(principal), async (ctx) => {
      await loadNotebook(ctx, params.id);
      let q = ctx.tx.selectFrom('knowledge_outputs').selectAll().where('notebook_id', '=', params.id).orderBy('kind').orderBy('version', 'desc').limit(200);
      if (query.kind) q = q.where('kind', '=', query.kind);
      return { data: (await q.execute()).map(outputView) };
    }),
  });
  r.add({
    method: 'POST', url: '/v1/knowledge/notebooks/:id/outputs', tags, scope: 'write', summary: 'Generate (or regenerate: a new version) a brief, Q&A set or source map: answers the new output, `queued` for its durable job',
    params: idParam, body: z.object({}).loose(), successStatus: 201, response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, OUTPUT_COMMANDS.generate, { ...(body as object), notebook_id: params.id }, requestId), status: 201 }),
  });
  r.add({
    method: 'GET', url: '/v1/knowledge/outputs/:id', tags, scope: 'read', summary: 'One output (with its progress while it is generated)', params: idParam, response: loose,
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const o = await tx.selectFrom('knowledge_outputs').selectAll().where('id', '=', params.id).executeTakeFirst();
      if (!o) throw errors.notFound('Output');
      return { data: outputView(o) };
    }),
  });
}
