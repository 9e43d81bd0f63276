// The knowledge module's commands: notebooks (create, update, archive), sources (add an
// uploaded file or a URL — parsing is a durable job queued in the same transaction —, remove,
// retry a failed one), and search, which agents may be given as a tool. Each runs in the
// caller's transaction and records its diff there.
import { z } from 'zod';
import type { BlobStore } from '../../platform/blobs.js';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Ctx } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Jobs } from '../../platform/jobs.js';
import { assertSafeUrl } from '../../platform/url-guard.js';
import type { AtriumConfig } from '../../platform/config.js';
import type { Ledger } from '../ledger/index.js';
import { NS, notebookFacts, notebookView, sourceFacts, sourceView, type NotebookRow, type SourceRow } from './model.js';
import { detectType } from './parsers/index.js';
import { search, searchInput, type SearchDeps } from './search.js';

export const PARSE_QUEUE = 'knowledge-parse';
export type ParseJob = { tenantId: string; sourceId: string; causeDiffId: number };

export const KNOWLEDGE_COMMANDS = {
  createNotebook: 'knowledge.create_notebook', updateNotebook: 'knowledge.update_notebook', archiveNotebook: 'knowledge.archive_notebook',
  addUpload: 'knowledge.add_upload', addUrl: 'knowledge.add_url', removeSource: 'knowledge.remove_source', retrySource: 'knowledge.retry_source',
  search: 'knowledge.search',
} as const;

export type CommandDeps = SearchDeps & { ledger: Ledger; jobs: Jobs; blobs: BlobStore; config: AtriumConfig };

const id = z.string().min(1).max(100);
const why = z.string().trim().min(1).max(5000);
const name = z.string().trim().min(1, 'a name').max(200);
const tags = z.array(z.string().trim().min(1).max(50)).max(20);
export const notebookInput = z.strictObject({ name, description: z.string().max(5000).optional(), tags: tags.optional() });
export const notebookPatch = z.strictObject({ id, name: name.optional(), description: z.string().max(5000).optional(), tags: tags.optional() });
const fileName = z.string().trim().min(1).max(255);

export async function loadNotebook(ctx: Ctx, notebookId: string, opts: { live?: boolean } = {}): Promise<NotebookRow> {
  const n = await ctx.tx.selectFrom('notebooks').selectAll().where('id', '=', notebookId).executeTakeFirst();
  if (!n) throw errors.notFound('Notebook');
  if (opts.live && n.archived_at) throw errors.conflict('NOTEBOOK_ARCHIVED', 'The notebook is archived: restore it before adding to it.');
  return n;
}

export async function loadSource(ctx: Ctx, sourceId: string): Promise<SourceRow> {
  const s = await ctx.tx.selectFrom('knowledge_sources').selectAll().where('id', '=', sourceId).where('removed_at', 'is', null).executeTakeFirst();
  if (!s) throw errors.notFound('Source');
  return s;
}

const personOrAgent = (ctx: Ctx) => `${ctx.actor.type}:${ctx.actor.id}`;

async function roomFor(ctx: Ctx, d: CommandDeps, notebookId: string): Promise<void> {
  const { n } = await ctx.tx.selectFrom('knowledge_sources').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('notebook_id', '=', notebookId).where('removed_at', 'is', null).executeTakeFirstOrThrow();
  const max = d.config.knowledge.maxSources;
  if (Number(n) >= max) throw errors.conflict('TOO_MANY_SOURCES', `A notebook holds at most ${max} sources; this one is full.`, [{ message: 'the notebook is full', max_sources: max }]);
}

async function queued(ctx: Ctx, d: CommandDeps, row: SourceRow): Promise<ReturnType<typeof sourceView>> {
  const diff = await d.ledger.record(ctx, { namespace: NS, entityType: 'knowledge_source', entityId: row.id, event: 'source.added', after: sourceFacts(row), scopeId: row.notebook_id });
  await d.jobs.enqueue(ctx.tx, PARSE_QUEUE, { tenantId: ctx.tenantId, sourceId: row.id, causeDiffId: diff.id } satisfies ParseJob, { singletonKey: row.id });
  return sourceView(row);
}

export function registerKnowledgeCommands(commands: CommandRegistry, d: CommandDeps): void {
  const c = KNOWLEDGE_COMMANDS;

  commands.register({
    name: c.createNotebook, summary: 'Create a notebook (a set of sources to read, search and synthesise)', scope: 'write', input: notebookInput,
    async run(ctx, input) {
      const row = await ctx.tx.insertInto('notebooks').values({
        id: newId('nb'), tenant_id: ctx.tenantId, name: input.name, description: input.description ?? '', tags: JSON.stringify(input.tags ?? []), created_by: personOrAgent(ctx),
      }).returningAll().executeTakeFirstOrThrow();
      await d.ledger.record(ctx, { namespace: NS, entityType: 'notebook', entityId: row.id, event: 'notebook.created', after: notebookFacts(row), scopeId: row.id });
      return notebookView(row);
    },
  });

  commands.register({
    name: c.updateNotebook, summary: 'Rename a notebook, or change its description or tags', scope: 'write', input: notebookPatch,
    async run(ctx, input) {
      const before = await loadNotebook(ctx, input.id);
      const row = await ctx.tx.updateTable('notebooks').set({
        ...(input.name !== undefined && { name: input.name }), ...(input.description !== undefined && { description: input.description }),
        ...(input.tags !== undefined && { tags: JSON.stringify(input.tags) }), updated_at: new Date(),
      }).where('id', '=', input.id).returningAll().executeTakeFirstOrThrow();
      await d.ledger.record(ctx, { namespace: NS, entityType: 'notebook', entityId: row.id, event: 'notebook.updated', before: notebookFacts(before), after: notebookFacts(row), scopeId: row.id });
      return notebookView(row);
    },
  });

  commands.register({
    name: c.archiveNotebook, summary: 'Archive a notebook (its sources stay, read-only)', scope: 'write', input: z.strictObject({ id, why: why.optional() }),
    async run(ctx, input) {
      const before = await loadNotebook(ctx, input.id);
      if (before.archived_at) return notebookView(before);
      const row = await ctx.tx.updateTable('notebooks').set({ archived_at: new Date(), updated_at: new Date() }).where('id', '=', input.id).returningAll().executeTakeFirstOrThrow();
      await d.ledger.record(ctx, { namespace: NS, entityType: 'notebook', entityId: row.id, event: 'notebook.archived', before: notebookFacts(before), after: notebookFacts(row), why: input.why ?? null, scopeId: row.id });
      return notebookView(row);
    },
  });

  commands.register({
    name: c.addUpload,
    summary: 'Add an uploaded file (already streamed into the blob store) to a notebook; its type is read from its content, and parsing is queued',
    scope: 'write', input: z.strictObject({ notebook_id: id, blob_id: id, name: fileName, mime: z.string().max(200).nullable().optional() }),
    async run(ctx, input) {
      await loadNotebook(ctx, input.notebook_id, { live: true });
      await roomFor(ctx, d, input.notebook_id);
      const blob = await d.blobs.peek(ctx.tx, input.blob_id, 64 * 1024);
      if (!blob) throw errors.validation([{ path: 'blob_id', message: 'no such uploaded file' }]);
      const used = await ctx.tx.selectFrom('knowledge_sources').select('id').where('blob_id', '=', blob.id).executeTakeFirst();
      if (used) throw errors.validation([{ path: 'blob_id', message: 'this file is already a source' }]);
      if (blob.size === 0) throw errors.badRequest('EMPTY_FILE', 'The file is empty (0 bytes): there is nothing to read.');
      const type = detectType(blob.head, input.name, input.mime ?? blob.mime);
      if (!type) throw errors.badRequest('UNSUPPORTED_TYPE', `“${input.name}” is not a document Atrium can read (PDF, Word, Excel, PowerPoint, CSV, HTML, Markdown, text or an image).`);
      const row = await ctx.tx.insertInto('knowledge_sources').values({
        id: newId('src'), tenant_id: ctx.tenantId, notebook_id: input.notebook_id, origin: 'upload', name: input.name, mime: input.mime ?? blob.mime, type,
        size: blob.size, blob_id: blob.id, sha256: blob.sha256, status: 'queued', created_by: personOrAgent(ctx),
      }).returningAll().executeTakeFirstOrThrow();
      return queued(ctx, d, row);
    },
  });

  commands.register({
    name: c.addUrl, summary: 'Add a web page or document by URL to a notebook (fetched through the outbound-URL guard, then parsed)', scope: 'write',
    input: z.strictObject({ notebook_id: id, url: z.string().trim().min(1).max(2000), name: fileName.optional() }),
    async run(ctx, input) {
      await loadNotebook(ctx, input.notebook_id, { live: true });
      const url = assertSafeUrl(input.url, { allowPrivate: d.config.knowledge.urlAllowPrivate }, 'url');
      await roomFor(ctx, d, input.notebook_id);
      const row = await ctx.tx.insertInto('knowledge_sources').values({
        id: newId('src'), tenant_id: ctx.tenantId, notebook_id: input.notebook_id, origin: 'url', name: input.name ?? url.href.slice(0, 255), url: url.href,
        status: 'queued', created_by: personOrAgent(ctx),
      }).returningAll().executeTakeFirstOrThrow();
      return queued(ctx, d, row);
    },
  });

  commands.register({
    name: c.removeSource, summary: 'Remove a source from its notebook (its passages leave search; the diff keeps the record)', scope: 'write',
    input: z.strictObject({ id, why: why.optional() }),
    async run(ctx, input) {
      const before = await loadSource(ctx, input.id);
      await ctx.tx.deleteFrom('knowledge_chunks').where('source_id', '=', before.id).execute();
      const row = await ctx.tx.updateTable('knowledge_sources').set({ removed_at: new Date(), chunks: 0 }).where('id', '=', before.id).returningAll().executeTakeFirstOrThrow();
      await d.ledger.record(ctx, { namespace: NS, entityType: 'knowledge_source', entityId: row.id, event: 'source.removed', before: sourceFacts(before), after: sourceFacts(row), why: input.why ?? null, scopeId: row.notebook_id });
      return sourceView(row);
    },
  });

  commands.register({
    name: c.retrySource, summary: 'Parse a failed source again', scope: 'write', input: z.strictObject({ id }),
    async run(ctx, input) {
      const before = await loadSource(ctx, input.id);
      if (before.status !== 'failed') throw errors.conflict('SOURCE_NOT_FAILED', 'Only a source whose parsing failed can be retried.');
      const row = await ctx.tx.updateTable('knowledge_sources').set({ status: 'queued', progress: 0, error_code: null, error_message: null, attempts: 0 })
        .where('id', '=', before.id).returningAll().executeTakeFirstOrThrow();
      return queued(ctx, d, row);
    },
  });

  commands.register({
    name: c.search, summary: 'Search the notebooks’ passages (full text + meaning, fused): each hit cites its document, page and section', scope: 'read',
    input: searchInput, run: (ctx, input) => search(ctx, d, input),
  });
}
