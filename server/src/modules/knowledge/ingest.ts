// Parsing a source: the durable job behind "source added". It fetches a URL source (through the
// outbound-URL guard, every redirect checked, streamed into the blob store under the size
// limit), reads the original, parses it (parsers/), chunks it and embeds the chunks, then in ONE
// transaction writes the chunks, the source's new state and its diff (`source.parsed`). A
// document that cannot be read (encrypted, corrupt, unsupported, too large, unreachable) ends
// `source.failed` with a clear message in one transaction too, and leaves no chunk behind.
// Progress (0..1) is written as pages are done — a plain column update, no diff — so the page
// shows it live. The job is idempotent: a source already parsed or failed is left as it is, and
// a retried job (a worker killed mid-parse) starts the source over.
import type { Logger } from 'pino';
import type { BlobStore } from '../../platform/blobs.js';
import { BlobTooLarge } from '../../platform/blobs.js';
import type { AtriumConfig } from '../../platform/config.js';
import { inTenant, type Ctx, type CtxSource } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { Jobs } from '../../platform/jobs.js';
import { sql } from 'kysely';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { guardedFetch } from '../../platform/url-guard.js';
import { realArray, unitVector } from '../../platform/vectors.js';
import type { Ledger } from '../ledger/index.js';
import { chunkBlocks, type Chunk } from './chunks.js';
import type { ParseJob } from './commands.js';
import { NS, sourceFacts, type SourceRow } from './model.js';
import { detectType, parseDocument, parseHtml, ParseError, type DocType, type ParsedDocument } from './parsers/index.js';
import type { Embed } from './search.js';

export type IngestDeps = { db: Db; ledger: Ledger; jobs: Jobs; blobs: BlobStore; config: AtriumConfig; embed: Embed; log: Logger; now: () => Date; fetch?: typeof fetch };

/** Attempts before a source that keeps crashing its job (not a parse error) is marked failed. */
export const MAX_ATTEMPTS = 3;
/** Passages per embedding call (and per short transaction). */
const EMBED_BATCH = 16;
export const EMBED_QUEUE = 'knowledge-embed';
export type EmbedJob = { tenantId: string; sourceId: string };
/** Rows per INSERT of chunks. */
const INSERT_BATCH = 200;
const MAX_REDIRECTS = 5;
/** What a URL source learns once fetched. */
type Fetched = { blob_id?: string; size?: number; sha256?: string; mime?: string | null; type?: DocType };
const FETCH_TIMEOUT_MS = 30_000;

/** A reason a source cannot be read, for a person: `code` is stored and shown translated. */
class SourceError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const system = (tenantId: string, causeDiffId: number): CtxSource => ({
  tenantId, actor: { type: 'system', id: 'knowledge' }, holdable: false, cause: { diffId: causeDiffId, metadata: {} },
});

async function fetchInto(d: IngestDeps, src: SourceRow): Promise<{ blobId: string; size: number; sha256: string; mime: string | null; html: boolean }> {
  const policy = { allowPrivate: d.config.knowledge.urlAllowPrivate };
  const get = guardedFetch({ policy, ...(d.fetch && { inner: d.fetch }) });
  let url = src.url!;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await get(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'text/html,application/pdf,*/*;q=0.8', 'user-agent': 'Atrium knowledge' } });
    } catch (err) {
      if (err instanceof AppError) throw new SourceError('UNSAFE_URL', err.message);
      throw new SourceError('URL_UNREACHABLE', `The address could not be reached (${err instanceof Error ? err.message : 'no answer'}).`);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      if (hop >= MAX_REDIRECTS) throw new SourceError('URL_UNREACHABLE', 'The address redirects too many times.');
      url = new URL(res.headers.get('location')!, url).href;
      await res.body?.cancel();
      continue;
    }
    if (!res.ok || !res.body) throw new SourceError('URL_UNREACHABLE', `The address answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`);
    const mime = res.headers.get('content-type');
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > d.config.knowledge.maxSourceBytes) throw new SourceError('TOO_LARGE', `The document is larger than the limit (${declared} bytes).`);
    try {
      const blob = await d.blobs.put(src.tenant_id, res.body as unknown as AsyncIterable<Uint8Array>, { mime, maxBytes: d.config.knowledge.maxSourceBytes });
      return { blobId: blob.id, size: blob.size, sha256: blob.sha256, mime, html: /html/i.test(mime ?? '') };
    } catch (err) {
      if (err instanceof BlobTooLarge) throw new SourceError('TOO_LARGE', err.message);
      throw err;
    }
  }
}

async function fail(d: IngestDeps, job: ParseJob, code: string, message: string): Promise<void> {
  await inTenant(d.db, system(job.tenantId, job.causeDiffId), async (ctx) => {
    const before = await ctx.tx.selectFrom('knowledge_sources').selectAll().where('id', '=', job.sourceId).forUpdate().executeTakeFirst();
    if (!before || before.removed_at || before.status === 'parsed' || before.status === 'failed') return;
    await ctx.tx.deleteFrom('knowledge_chunks').where('source_id', '=', before.id).execute();
    const row = await ctx.tx.updateTable('knowledge_sources').set({ status: 'failed', error_code: code, error_message: message.slice(0, 1000), chunks: 0 })
      .where('id', '=', before.id).returningAll().executeTakeFirstOrThrow();
    await d.ledger.record(ctx, { namespace: NS, entityType: 'knowledge_source', entityId: row.id, event: 'source.failed', before: sourceFacts(before), after: sourceFacts(row), metadata: { message: row.error_message ?? '' }, scopeId: row.notebook_id });
  });
}

async function commitParsed(d: IngestDeps, job: ParseJob, doc: ParsedDocument, type: DocType, chunks: readonly Chunk[], fetched: Fetched): Promise<void> {
  await inTenant(d.db, system(job.tenantId, job.causeDiffId), async (ctx: Ctx) => {
    const before = await ctx.tx.selectFrom('knowledge_sources').selectAll().where('id', '=', job.sourceId).forUpdate().executeTakeFirst();
    // Removed or settled while this job parsed (a duplicate delivery): nothing to write.
    if (!before || before.removed_at || before.status === 'parsed' || before.status === 'failed') return;
    await ctx.tx.deleteFrom('knowledge_chunks').where('source_id', '=', before.id).execute();
    const rows = chunks.map((c) => ({
      id: newId('chk'), tenant_id: ctx.tenantId, notebook_id: before.notebook_id, source_id: before.id, ord: c.ord, page: c.page, section: c.section?.slice(0, 500) ?? null,
      anchor: c.anchor, kind: c.kind, text: c.text, embedding: null,
    }));
    for (let i = 0; i < rows.length; i += INSERT_BATCH) await ctx.tx.insertInto('knowledge_chunks').values(rows.slice(i, i + INSERT_BATCH)).execute();
    const row = await ctx.tx.updateTable('knowledge_sources').set({
      ...fetched, status: 'parsed', progress: 1, type, title: doc.title?.slice(0, 500) ?? null, pages: doc.pages, chunks: rows.length,
      warnings: JSON.stringify(doc.warnings.slice(0, 20)), parsed_at: d.now(), error_code: null, error_message: null,
    }).where('id', '=', before.id).returningAll().executeTakeFirstOrThrow();
    await d.ledger.record(ctx, { namespace: NS, entityType: 'knowledge_source', entityId: row.id, event: 'source.parsed', before: sourceFacts(before), after: sourceFacts(row), scopeId: row.notebook_id });
    // Searchable by its words from this commit; by meaning once the embedding job has run.
    await d.jobs.enqueue(ctx.tx, EMBED_QUEUE, { tenantId: ctx.tenantId, sourceId: row.id } satisfies EmbedJob, { singletonKey: row.id });
  });
}

/**
 * Embeds a parsed source's passages (the `knowledge-embed` job, queued with `source.parsed`): a
 * batch at a time, each written in its own short transaction, only where no embedding is yet —
 * so a retried job (a worker killed mid-way) goes on where it stopped. The offline embedder
 * takes ~0.1–0.4 s a passage on a small machine: doing this after the parse keeps "upload →
 * parsed" short, and the vector half of search picks the passages up as they come.
 */
export async function embedSource(d: Pick<IngestDeps, 'db' | 'embed'>, job: EmbedJob): Promise<void> {
  const source: CtxSource = { tenantId: job.tenantId, actor: { type: 'system', id: 'knowledge' }, holdable: false };
  for (;;) {
    const batch = await d.db.tenantTx(job.tenantId, (tx) => tx.selectFrom('knowledge_chunks').select(['id', 'section', 'text'])
      .where('source_id', '=', job.sourceId).where('embedding', 'is', null).orderBy('ord').limit(EMBED_BATCH).execute());
    if (batch.length === 0) return;
    const vectors = await inTenant(d.db, source, (ctx) => d.embed(ctx, batch.map((c) => `${c.section ? `${c.section}\n` : ''}${c.text}`.slice(0, 2000))));
    await d.db.tenantTx(job.tenantId, async (tx) => {
      for (const [i, c] of batch.entries()) {
        const v = vectors[i];
        // A text the model cannot place (a zero vector) gets none: it stays findable by its words.
        const value = v && v.length > 0 && v.some((x) => x !== 0) ? realArray(unitVector(v, 'passage')) : sql<number[]>`'{0}'::real[]`;
        await tx.updateTable('knowledge_chunks').set({ embedding: value }).where('id', '=', c.id).where('embedding', 'is', null).execute();
      }
    });
  }
}

/** Runs one parse job (see the file's comment). Throws only for what a retry may fix (the database). */
export async function ingest(d: IngestDeps, job: ParseJob): Promise<void> {
  const limits = d.config.knowledge;
  const started = await d.db.tenantTx(job.tenantId, async (tx) => {
    const s = await tx.selectFrom('knowledge_sources').selectAll().where('id', '=', job.sourceId).forUpdate().executeTakeFirst();
    if (!s || s.removed_at || s.status === 'parsed' || s.status === 'failed') return null;
    return tx.updateTable('knowledge_sources').set({ status: 'parsing', progress: 0, attempts: s.attempts + 1 }).where('id', '=', s.id).returningAll().executeTakeFirstOrThrow();
  });
  if (!started) return;
  if (started.attempts > MAX_ATTEMPTS) return fail(d, job, 'PARSE_CRASHED', `Reading this document failed ${MAX_ATTEMPTS} times; it may be damaged. Remove it or try again.`);
  let lastWritten = 0;
  const progress = (fraction: number) => {
    // At most every 5 %: one short UPDATE, no diff.
    if (fraction - lastWritten < 0.05 && fraction < 1) return;
    lastWritten = fraction;
    void d.db.tenantTx(job.tenantId, (tx) => tx.updateTable('knowledge_sources').set({ progress: Math.min(0.95, fraction * 0.9) })
      .where('id', '=', job.sourceId).where('status', '=', 'parsing').execute()).catch(() => {});
  };
  try {
    let src = started;
    const fetched: Fetched = {};
    if (src.origin === 'url' && !src.blob_id) {
      const got = await fetchInto(d, src);
      Object.assign(fetched, { blob_id: got.blobId, size: got.size, sha256: got.sha256, mime: got.mime });
      src = { ...src, ...fetched } as SourceRow;
    }
    const bytes = await d.blobs.readAll(src.tenant_id, src.blob_id!, limits.maxSourceBytes).catch((err: unknown) => {
      if (err instanceof BlobTooLarge) throw new SourceError('TOO_LARGE', err.message);
      throw err;
    });
    const type = (src.type as DocType | null) ?? detectType(bytes.subarray(0, 64 * 1024), src.url ?? src.name, src.mime);
    if (!type) throw new SourceError('UNSUPPORTED_TYPE', 'This is not a document Atrium can read.');
    const doc = type === 'html'
      ? parseHtml(new TextDecoder().decode(bytes), src.url ?? undefined)
      : await parseDocument(bytes, type, { limits: { maxBytes: limits.maxSourceBytes, maxPages: limits.maxPages, ocr: limits.ocr }, onProgress: progress });
    const chunks = chunkBlocks(doc.blocks);
    if (chunks.length === 0) throw new SourceError('NO_TEXT', 'No text was found in this document (an empty file, or images without readable text).');
    await commitParsed(d, job, doc, type, chunks, { ...fetched, type });
  } catch (err) {
    if (err instanceof ParseError) return fail(d, job, err.code, err.message);
    if (err instanceof SourceError) return fail(d, job, err.code, err.message);
    d.log.warn({ err, source: job.sourceId }, 'parsing a source failed; it is retried');
    // Back to queued so the page does not show "parsing" while the retry waits.
    await d.db.tenantTx(job.tenantId, (tx) => tx.updateTable('knowledge_sources').set({ status: 'queued' }).where('id', '=', job.sourceId).where('status', '=', 'parsing').execute()).catch(() => {});
    throw err;
  }
}
