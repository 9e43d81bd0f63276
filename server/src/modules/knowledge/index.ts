// Knowledge (module knowledge, namespace academy; issue 15): notebooks of real documents —
// uploaded (streamed into the blob store) or fetched by URL — parsed offline by durable jobs
// into passages with their page and section, searched by full text and meaning together, asked
// questions answered only from them with citations, and synthesised into a cited brief, Q&A
// and a source map. Agents get its search as a tool (`knowledge.search`). See docs/knowledge.md.
import { defineModule, type Platform } from '../../platform/module.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { Ctx } from '../../platform/context.js';
import type { Ai } from '../ai/index.js';
import type { Ledger } from '../ledger/index.js';
import { KNOWLEDGE_CONFIG } from './config.js';
import { PARSE_QUEUE, registerKnowledgeCommands, type ParseJob } from './commands.js';
import { KNOWLEDGE_EVENTS } from './events.js';
import { EMBED_QUEUE, embedSource, ingest, MAX_ATTEMPTS, type EmbedJob } from './ingest.js';
import { defineOutputJob, registerOutputCommands } from './outputs.js';
import { closeParsers } from './parsers/index.js';
import { registerKnowledgeRoutes } from './routes.js';
export type { KnowledgeTables } from './schema.js';
export { KNOWLEDGE_COMMANDS } from './commands.js';

export const KNOWLEDGE_ERRORS = {
  NOTEBOOK_ARCHIVED: 'The notebook is archived: restore it before adding to it or generating from it.',
  TOO_MANY_SOURCES: 'The notebook already holds its maximum of sources (`details.max_sources`).',
  EMPTY_FILE: 'The uploaded file is empty (0 bytes).',
  UNSUPPORTED_TYPE: 'The file is not a document Atrium reads (its type is detected from its content, not its name).',
  MULTIPART_REQUIRED: 'Files are uploaded as multipart/form-data, one `file` field per document.',
  SOURCE_NOT_FAILED: 'Only a source whose parsing failed can be retried.',
  NO_PARSED_SOURCES: 'The notebook has no parsed source yet.',
  // Why a source could not be read: `error.code` of a source whose status is `failed` (never an HTTP answer).
  EMPTY: 'Source: the document holds nothing (0 bytes, or no page).',
  CORRUPT: 'Source: the document is damaged or is not what its content claims.',
  ENCRYPTED: 'Source: the document is password-protected; upload an unprotected copy.',
  TOO_MANY_PAGES: 'Source: the document has more pages than the limit (ATRIUM_KNOWLEDGE_MAX_PAGES).',
  ZIP_BOMB: 'Source: the Office file unpacks to far more than the limit (a zip bomb, or an enormous file).',
  TOO_LARGE: 'Source: the document is larger than the limit (ATRIUM_KNOWLEDGE_MAX_SOURCE_MB).',
  UNSUPPORTED: 'Source: a format Atrium does not read (e.g. a Word 97–2003 .doc).',
  PARSE_TIMEOUT: 'Source: reading the document took longer than allowed.',
  URL_UNREACHABLE: 'Source: the web address did not answer, answered an error, or redirected too often.',
  NO_TEXT: 'Source: no text was found (images without readable text).',
  PARSE_CRASHED: 'Source: reading the document failed repeatedly; it may be damaged.',
} as const;

type Needs = { ledger: Ledger; ai: Pick<Ai, 'embed' | 'complete'> };

/** How often a worker removes blobs abandoned mid-upload. */
const SWEEP_MS = 10 * 60 * 1000;

export function createKnowledge(p: Platform, { ledger, ai }: Needs) {
  const embed = async (ctx: Ctx, texts: string[]) => (await ai.embed(ctx, texts, { feature: 'knowledge' })).embeddings;
  const base = { db: p.db, ledger, commands: p.commands, jobs: p.jobs, blobs: p.blobs, config: p.config, embed, complete: ai.complete, now: p.now, log: p.log };
  registerKnowledgeCommands(p.commands, base);
  registerOutputCommands(p.commands, base);
  p.jobs.define<ParseJob>(PARSE_QUEUE, { retryLimit: MAX_ATTEMPTS, retryDelaySeconds: 2, expireInSeconds: 600 }, (job) => ingest(base, job));
  p.jobs.define<EmbedJob>(EMBED_QUEUE, { retryLimit: 5, retryDelaySeconds: 2, expireInSeconds: 1800 }, (job) => embedSource(base, job));
  defineOutputJob(base);
  let sweep: NodeJS.Timeout | null = null;
  return {
    registerRoutes(r: RouteRegistry): void {
      registerKnowledgeRoutes(r, base);
    },
    async start(role: 'serve' | 'worker' | 'all'): Promise<void> {
      if (role === 'serve') return;
      sweep = setInterval(() => void p.blobs.sweep(p.now()).catch((err: unknown) => p.log.warn({ err }, 'abandoned uploads not swept')), SWEEP_MS);
      sweep.unref();
    },
    async stop(): Promise<void> {
      if (sweep) clearInterval(sweep);
      await closeParsers();
    },
  };
}

export type Knowledge = ReturnType<typeof createKnowledge>;

export const knowledgeModule = defineModule({
  id: 'knowledge', namespace: 'academy', deps: ['ledger', 'ai'],
  tables: ['notebooks', 'knowledge_sources', 'knowledge_chunks', 'knowledge_outputs'],
  config: KNOWLEDGE_CONFIG, errors: KNOWLEDGE_ERRORS, events: KNOWLEDGE_EVENTS,
  create: (p, needs: Needs) => createKnowledge(p, needs),
});
