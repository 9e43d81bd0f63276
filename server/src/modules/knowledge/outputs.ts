// Generated outputs of a notebook (brief, Q&A, source map): asking for one records
// `output.requested` and queues a durable job in the same transaction; the job writes the
// output (synthesis.ts) outside any transaction — a model is never awaited inside one — and
// commits the content, its provider, cost and time, and `output.generated` together. Each
// request is a new version, so regenerating never loses the previous one.
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import { inTenant, type CtxSource } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Jobs } from '../../platform/jobs.js';
import type { Json } from '../../platform/schema.js';
import type { Ledger } from '../ledger/index.js';
import type { Complete } from './ask.js';
import { loadNotebook } from './commands.js';
import type { Passage } from './extractive.js';
import { NS, outputFacts, outputView } from './model.js';
import { sourceMap, writeBrief, writeQa, type SourceInfo, type Written } from './synthesis.js';

export const OUTPUT_QUEUE = 'knowledge-output';
export const OUTPUT_COMMANDS = { generate: 'knowledge.generate_output' } as const;
export const outputKind = z.enum(['brief', 'qa', 'source_map']);
type OutputJob = { tenantId: string; outputId: string; causeDiffId: number };
export type OutputDeps = { db: Db; ledger: Ledger; jobs: Jobs; complete: Complete; now: () => Date };

/** Passages read for one output (a notebook of 50 long documents stays bounded). */
const MAX_PASSAGES = 5000;

export function registerOutputCommands(commands: CommandRegistry, d: OutputDeps): void {
  commands.register({
    name: OUTPUT_COMMANDS.generate, summary: 'Generate a brief, Q&A set or source map of a notebook (a new version; a durable job)', scope: 'write',
    input: z.strictObject({ notebook_id: z.string().min(1).max(100), kind: outputKind, why: z.string().trim().min(1).max(5000).optional() }),
    async run(ctx, input) {
      await loadNotebook(ctx, input.notebook_id, { live: true });
      const parsed = await ctx.tx.selectFrom('knowledge_sources').select('id').where('notebook_id', '=', input.notebook_id).where('status', '=', 'parsed').where('removed_at', 'is', null).executeTakeFirst();
      if (!parsed) throw errors.conflict('NO_PARSED_SOURCES', 'The notebook has no parsed source yet: add a document and wait until it is read.');
      const last = await ctx.tx.selectFrom('knowledge_outputs').select((eb) => eb.fn.max('version').as('v')).where('notebook_id', '=', input.notebook_id).where('kind', '=', input.kind).executeTakeFirst();
      const row = await ctx.tx.insertInto('knowledge_outputs').values({
        id: newId('out'), tenant_id: ctx.tenantId, notebook_id: input.notebook_id, kind: input.kind, version: Number(last?.v ?? 0) + 1, status: 'queued',
        why: input.why ?? null, created_by: `${ctx.actor.type}:${ctx.actor.id}`,
      }).returningAll().executeTakeFirstOrThrow();
      const diff = await d.ledger.record(ctx, { namespace: NS, entityType: 'knowledge_output', entityId: row.id, event: 'output.requested', after: outputFacts(row), why: input.why ?? null, scopeId: row.notebook_id });
      await d.jobs.enqueue(ctx.tx, OUTPUT_QUEUE, { tenantId: ctx.tenantId, outputId: row.id, causeDiffId: diff.id } satisfies OutputJob, { singletonKey: row.id });
      return outputView(row);
    },
  });
}

export function defineOutputJob(d: OutputDeps): void {
  d.jobs.define<OutputJob>(OUTPUT_QUEUE, { retryLimit: 2, retryDelaySeconds: 2, expireInSeconds: 600 }, (job) => generate(d, job));
}

async function generate(d: OutputDeps, job: OutputJob): Promise<void> {
  const source: CtxSource = { tenantId: job.tenantId, actor: { type: 'system', id: 'knowledge' }, holdable: false, cause: { diffId: job.causeDiffId, metadata: {} } };
  const loaded = await inTenant(d.db, source, async (ctx) => {
    const o = await ctx.tx.selectFrom('knowledge_outputs').selectAll().where('id', '=', job.outputId).forUpdate().executeTakeFirst();
    if (!o || o.status === 'ready' || o.status === 'failed') return null;
    await ctx.tx.updateTable('knowledge_outputs').set({ status: 'running', progress: 0.1 }).where('id', '=', o.id).execute();
    const n = await loadNotebook(ctx, o.notebook_id);
    const sources: SourceInfo[] = await ctx.tx.selectFrom('knowledge_sources').select(['id', 'name', 'type', 'pages', 'title'])
      .where('notebook_id', '=', o.notebook_id).where('status', '=', 'parsed').where('removed_at', 'is', null).orderBy('created_at').execute();
    const passages: Passage[] = await ctx.tx.selectFrom('knowledge_chunks as c').innerJoin('knowledge_sources as s', 's.id', 'c.source_id')
      .select(['c.id as chunk_id', 'c.source_id', 's.name as source_name', 'c.page', 'c.section', 'c.anchor', 'c.kind', 'c.text'])
      .where('c.notebook_id', '=', o.notebook_id).where('s.removed_at', 'is', null).orderBy('s.created_at').orderBy('c.ord').limit(MAX_PASSAGES).execute();
    return { o, name: n.name, sources, passages };
  });
  if (!loaded) return;
  const { o, name, sources, passages } = loaded;
  const started = performance.now();
  let written: Written<unknown>;
  try {
    written = o.kind === 'brief' ? await writeBrief(source, d.complete, name, passages)
      : o.kind === 'qa' ? await writeQa(source, d.complete, passages)
      : { content: sourceMap(sources, passages), provider: 'offline', model: null, costUsd: 0 };
  } catch (err) {
    await inTenant(d.db, source, async (ctx) => {
      const row = await ctx.tx.updateTable('knowledge_outputs').set({ status: 'failed', error: err instanceof Error ? err.message.slice(0, 500) : 'failed', finished_at: d.now() })
        .where('id', '=', o.id).where('status', '=', 'running').returningAll().executeTakeFirst();
      if (row) await d.ledger.record(ctx, { namespace: NS, entityType: 'knowledge_output', entityId: row.id, event: 'output.failed', after: outputFacts(row), scopeId: row.notebook_id });
    });
    return;
  }
  const ms = Math.round(performance.now() - started);
  await inTenant(d.db, source, async (ctx) => {
    const row = await ctx.tx.updateTable('knowledge_outputs').set({
      status: 'ready', progress: 1, content: JSON.stringify(written.content as Json), provider: written.provider, model: written.model, cost_usd: written.costUsd, ms, finished_at: d.now(),
    }).where('id', '=', o.id).where('status', '=', 'running').returningAll().executeTakeFirst();
    if (row) await d.ledger.record(ctx, { namespace: NS, entityType: 'knowledge_output', entityId: row.id, event: 'output.generated', after: outputFacts(row), metadata: { ms, cost_usd: written.costUsd }, scopeId: row.notebook_id });
  });
}
