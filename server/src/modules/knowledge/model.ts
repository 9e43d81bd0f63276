// Views of knowledge rows (what the API answers) and the facts its diffs record.
import type { Selectable } from 'kysely';
import type { Json } from '../../platform/schema.js';
import type { KnowledgeTables } from './schema.js';

export const NS = 'academy';
export type NotebookRow = Selectable<KnowledgeTables['notebooks']>;
export type SourceRow = Selectable<KnowledgeTables['knowledge_sources']>;
export type OutputRow = Selectable<KnowledgeTables['knowledge_outputs']>;

const tagsOf = (j: Json): string[] => (Array.isArray(j) ? j.filter((t): t is string => typeof t === 'string') : []);

export const notebookFacts = (n: NotebookRow) => ({ name: n.name, description: n.description, tags: tagsOf(n.tags) });

export function notebookView(n: NotebookRow, counts: { sources?: number; parsed?: number; failed?: number; chunks?: number } = {}) {
  return {
    id: n.id, name: n.name, description: n.description, tags: tagsOf(n.tags), created_by: n.created_by,
    created_at: n.created_at.toISOString(), updated_at: n.updated_at.toISOString(), archived_at: n.archived_at?.toISOString() ?? null,
    sources: counts.sources ?? 0, parsed: counts.parsed ?? 0, failed: counts.failed ?? 0, chunks: counts.chunks ?? 0,
  };
}

export const sourceFacts = (s: SourceRow) => ({
  notebook_id: s.notebook_id, name: s.name, origin: s.origin, type: s.type, size: Number(s.size), status: s.status,
  pages: s.pages, chunks: s.chunks, error_code: s.error_code, url: s.url,
});

export function sourceView(s: SourceRow) {
  return {
    id: s.id, notebook_id: s.notebook_id, origin: s.origin, name: s.name, url: s.url, mime: s.mime, type: s.type, size: Number(s.size),
    sha256: s.sha256, status: s.status, progress: s.status === 'parsed' ? 1 : Math.max(0, Math.min(1, s.progress)),
    error: s.error_code ? { code: s.error_code, message: s.error_message ?? '' } : null, title: s.title, pages: s.pages, chunks: s.chunks,
    warnings: tagsOf(s.warnings), created_by: s.created_by, created_at: s.created_at.toISOString(), parsed_at: s.parsed_at?.toISOString() ?? null,
  };
}

export const outputFacts = (o: OutputRow) => ({ notebook_id: o.notebook_id, kind: o.kind, version: o.version, status: o.status, provider: o.provider });

export function outputView(o: OutputRow) {
  return {
    id: o.id, notebook_id: o.notebook_id, kind: o.kind, version: o.version, status: o.status, progress: o.status === 'ready' ? 1 : o.progress,
    content: o.content, provider: o.provider, model: o.model, cost_usd: Number(o.cost_usd), ms: o.ms, error: o.error, why: o.why,
    created_by: o.created_by, created_at: o.created_at.toISOString(), finished_at: o.finished_at?.toISOString() ?? null,
  };
}
