// The memory stack of an agent. WORKING: the current work's buffer, bounded in tokens (the
// oldest entries drop out) and cleared when the work ends. The daily log: append-only lines of
// what it did and saw. MEMORY: long-term facts {key, value, confidence, source diff, last
// confirmed} — the same fact again is merged (confirmed), a different value for a known key is a
// contradiction a person resolves. Every memory edit is a diff; what goes into a prompt is chosen
// by relevance under a token budget (`forPrompt`), never "all memory every time".
import type { Ctx } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Ledger } from '../ledger/index.js';
import { dayOf, tokensOf } from './model.js';
import type { AgentsTables } from './schema.js';

export const NS = 'agents';
export const WORKING_TOKENS = 2000;
export type MemoryRow = import('kysely').Selectable<AgentsTables['agent_memories']>;

/** Semantic recall over facts (recall.ts with embeddings); absent, relevance falls back to shared words. */
export type Recall = {
  index(ctx: Ctx, items: { memoryId: string; agentId: string; text: string }[]): Promise<void>;
  forget(ctx: Ctx, memoryIds: string[]): Promise<void>;
  search(ctx: Ctx, agentId: string, query: string, k: number): Promise<{ memoryId: string; score: number }[]>;
};

export const memoryView = (m: MemoryRow) => ({
  id: m.id, agent_id: m.agent_id, tier: m.tier, key: m.key, value: m.value, confidence: m.confidence, tokens: m.tokens,
  source_diff_id: m.source_diff_id === null ? null : String(m.source_diff_id), status: m.status, conflicts_with: m.conflicts_with,
  last_confirmed_at: m.last_confirmed_at.toISOString(), created_at: m.created_at.toISOString(), updated_at: m.updated_at.toISOString(),
});
const facts = (m: MemoryRow) => ({ agent_id: m.agent_id, tier: m.tier, key: m.key, value: m.value, confidence: m.confidence, status: m.status });
const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ').replace(/[.!]+$/, '');

export type MemoryDeps = { ledger: Ledger; recall: Recall | null; now: () => Date };

export type FactInput = { key: string; value: string; confidence?: number; sourceDiffId?: number | null; why?: string };

/** Writes a long-term fact: merged when known, flagged when it contradicts one. */
export async function writeFact(ctx: Ctx, d: MemoryDeps, agentId: string, f: FactInput): Promise<{ memory: MemoryRow; outcome: 'created' | 'merged' | 'contradicted' }> {
  const key = f.key.trim().slice(0, 200);
  const now = d.now();
  const known = await ctx.tx.selectFrom('agent_memories').selectAll().where('agent_id', '=', agentId).where('tier', '=', 'fact').where('key', '=', key).where('status', '=', 'active').forUpdate().executeTakeFirst();
  if (known && norm(known.value) === norm(f.value)) {
    const merged = await ctx.tx.updateTable('agent_memories').set({ confidence: Math.min(1, Math.max(known.confidence, f.confidence ?? 0.7) + 0.05), last_confirmed_at: now, updated_at: now })
      .where('id', '=', known.id).returningAll().executeTakeFirstOrThrow();
    await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_memory', entityId: known.id, event: 'memory.written', before: facts(known), after: facts(merged), why: f.why ?? 'confirmed again', causationId: f.sourceDiffId ?? null, scopeId: agentId });
    return { memory: merged, outcome: 'merged' };
  }
  const row = {
    id: newId('mem'), tenant_id: ctx.tenantId, agent_id: agentId, tier: 'fact' as const, key, value: f.value.slice(0, 8000),
    confidence: f.confidence ?? 0.7, tokens: tokensOf(`${key}: ${f.value}`), source_diff_id: f.sourceDiffId ?? null,
    status: known ? ('contradicted' as const) : ('active' as const), conflicts_with: known?.id ?? null, last_confirmed_at: now,
  };
  const created = await ctx.tx.insertInto('agent_memories').values(row).returningAll().executeTakeFirstOrThrow();
  await d.ledger.record(ctx, {
    namespace: NS, entityType: 'agent_memory', entityId: created.id, event: known ? 'memory.contradicted' : 'memory.written',
    before: known ? facts(known) : null, after: facts(created), why: f.why ?? null, causationId: f.sourceDiffId ?? null, scopeId: agentId,
  });
  if (!known) await d.recall?.index(ctx, [{ memoryId: created.id, agentId, text: `${key}: ${created.value}` }]);
  return { memory: created, outcome: known ? 'contradicted' : 'created' };
}

/** A person resolves a contradiction: keep the known fact, or take the new one. */
export async function resolveContradiction(ctx: Ctx, d: MemoryDeps, memoryId: string, keep: 'known' | 'new', why: string): Promise<MemoryRow> {
  const m = await ctx.tx.selectFrom('agent_memories').selectAll().where('id', '=', memoryId).forUpdate().executeTakeFirst();
  if (!m) throw errors.notFound('Memory');
  if (m.status !== 'contradicted' || !m.conflicts_with) throw errors.conflict('NOT_CONTRADICTED', 'This memory is not a contradiction waiting for a person.');
  const now = d.now();
  if (keep === 'known') {
    const archived = await ctx.tx.updateTable('agent_memories').set({ status: 'archived', updated_at: now }).where('id', '=', m.id).returningAll().executeTakeFirstOrThrow();
    await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_memory', entityId: m.id, event: 'memory.forgotten', before: facts(m), after: facts(archived), why, scopeId: m.agent_id });
    return archived;
  }
  const old = await ctx.tx.updateTable('agent_memories').set({ status: 'archived', updated_at: now }).where('id', '=', m.conflicts_with).where('status', '=', 'active').returningAll().executeTakeFirst();
  if (old) {
    await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_memory', entityId: old.id, event: 'memory.forgotten', before: { ...facts(old), status: 'active' }, after: facts(old), why, scopeId: m.agent_id });
    await d.recall?.forget(ctx, [old.id]);
  }
  const taken = await ctx.tx.updateTable('agent_memories').set({ status: 'active', conflicts_with: null, last_confirmed_at: now, updated_at: now }).where('id', '=', m.id).returningAll().executeTakeFirstOrThrow();
  await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_memory', entityId: m.id, event: 'memory.written', before: facts(m), after: facts(taken), why, scopeId: m.agent_id });
  await d.recall?.index(ctx, [{ memoryId: taken.id, agentId: taken.agent_id, text: `${taken.key}: ${taken.value}` }]);
  return taken;
}

/** A person edits or forgets a memory (reviewable, revertible: each is a diff with the before). */
export async function editMemory(ctx: Ctx, d: MemoryDeps, memoryId: string, patch: { value?: string; confidence?: number; forget?: boolean }, why: string | null): Promise<MemoryRow> {
  const m = await ctx.tx.selectFrom('agent_memories').selectAll().where('id', '=', memoryId).forUpdate().executeTakeFirst();
  if (!m) throw errors.notFound('Memory');
  const now = d.now();
  const next = await ctx.tx.updateTable('agent_memories').set({
    ...(patch.value !== undefined && { value: patch.value, tokens: tokensOf(`${m.key}: ${patch.value}`) }),
    ...(patch.confidence !== undefined && { confidence: patch.confidence }),
    ...(patch.forget && { status: 'archived' as const }), last_confirmed_at: now, updated_at: now,
  }).where('id', '=', m.id).returningAll().executeTakeFirstOrThrow();
  await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_memory', entityId: m.id, event: patch.forget ? 'memory.forgotten' : 'memory.written', before: facts(m), after: facts(next), why, scopeId: m.agent_id });
  if (patch.forget) await d.recall?.forget(ctx, [m.id]);
  else if (patch.value !== undefined && m.tier === 'fact') await d.recall?.index(ctx, [{ memoryId: m.id, agentId: m.agent_id, text: `${m.key}: ${next.value}` }]);
  return next;
}

/** Puts an entry in the working buffer; the oldest entries drop out past the token bound. */
export async function remember(ctx: Ctx, d: MemoryDeps, agentId: string, key: string, value: string): Promise<void> {
  const now = d.now();
  const tokens = tokensOf(`${key}: ${value}`);
  await ctx.tx.deleteFrom('agent_memories').where('agent_id', '=', agentId).where('tier', '=', 'working').where('key', '=', key).execute();
  await ctx.tx.insertInto('agent_memories').values({ id: newId('mem'), tenant_id: ctx.tenantId, agent_id: agentId, tier: 'working', key: key.slice(0, 200), value: value.slice(0, 8000), tokens, confidence: 1, last_confirmed_at: now }).execute();
  const rows = await ctx.tx.selectFrom('agent_memories').select(['id', 'tokens']).where('agent_id', '=', agentId).where('tier', '=', 'working').orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  let total = 0;
  const drop: string[] = [];
  for (const r of rows) {
    total += r.tokens;
    if (total > WORKING_TOKENS) drop.push(r.id);
  }
  if (drop.length > 0) await ctx.tx.deleteFrom('agent_memories').where('id', 'in', drop).execute();
}

/** Clears the working buffer when a piece of work ends (one diff with what it held). */
export async function clearWorking(ctx: Ctx, d: MemoryDeps, agentId: string, runId: string): Promise<void> {
  const gone = await ctx.tx.deleteFrom('agent_memories').where('agent_id', '=', agentId).where('tier', '=', 'working').returning(['key']).execute();
  if (gone.length === 0) return;
  await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_memory', entityId: `${agentId}:working`, event: 'memory.forgotten', before: { agent_id: agentId, tier: 'working', keys: gone.map((g) => g.key) }, after: { agent_id: agentId, tier: 'working', keys: [] }, metadata: { run_id: runId }, scopeId: agentId });
}

/** A line of the daily log (append-only). */
export async function logLine(ctx: Ctx, d: Pick<MemoryDeps, 'now'>, agentId: string, kind: string, text: string, refs: { runId?: string | null; diffId?: number | null } = {}): Promise<void> {
  const at = d.now();
  await ctx.tx.insertInto('agent_log').values({ tenant_id: ctx.tenantId, agent_id: agentId, day: dayOf(at), at, kind, text: text.slice(0, 8000), run_id: refs.runId ?? null, diff_id: refs.diffId ?? null }).execute();
}

const words = (s: string) => new Set(s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 2));

/**
 * The memory a prompt gets: the working buffer (newest first), then the facts most relevant to
 * the work — by semantic recall when installed, else by shared words — until the budget is spent.
 */
export async function forPrompt(ctx: Ctx, d: MemoryDeps, agentId: string, about: string, budgetTokens: number): Promise<{ working: MemoryRow[]; facts: MemoryRow[]; tokens: number }> {
  const working = await ctx.tx.selectFrom('agent_memories').selectAll().where('agent_id', '=', agentId).where('tier', '=', 'working').orderBy('created_at', 'desc').execute();
  let spent = 0;
  const keptWorking: MemoryRow[] = [];
  for (const w of working) if (spent + w.tokens <= budgetTokens / 2) { keptWorking.push(w); spent += w.tokens; }
  let ranked: MemoryRow[];
  if (d.recall) {
    const hits = await d.recall.search(ctx, agentId, about, 20);
    const rows = hits.length === 0 ? [] : await ctx.tx.selectFrom('agent_memories').selectAll().where('id', 'in', hits.map((h) => h.memoryId)).where('status', '=', 'active').execute();
    const by = new Map(rows.map((r) => [r.id, r]));
    ranked = hits.map((h) => by.get(h.memoryId)).filter((r): r is MemoryRow => !!r);
  } else {
    const q = words(about);
    const all = await ctx.tx.selectFrom('agent_memories').selectAll().where('agent_id', '=', agentId).where('tier', '=', 'fact').where('status', '=', 'active').orderBy('last_confirmed_at', 'desc').limit(500).execute();
    ranked = all.map((m) => ({ m, s: [...words(`${m.key} ${m.value}`)].filter((w) => q.has(w)).length + m.confidence / 10 })).sort((a, b) => b.s - a.s).map((x) => x.m);
  }
  const kept: MemoryRow[] = [];
  for (const m of ranked) if (spent + m.tokens <= budgetTokens) { kept.push(m); spent += m.tokens; }
  return { working: keptWorking, facts: kept, tokens: spent };
}
