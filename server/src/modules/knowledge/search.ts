// Hybrid search over the notebooks' passages: Postgres full text (the 'simple' configuration,
// any of the query's words, ranked by cover density) and vector similarity (the query embedded
// through the gateway's `embed` alias; platform/vectors.ts) fused by reciprocal rank fusion
// (score = Σ 1 / (RRF_K + rank) over the two lists). Snippets are highlighted by ts_headline with
// control-character markers, answered as segments: the client renders text, never HTML.
import { sql } from 'kysely';
import { z } from 'zod';
import type { Ctx } from '../../platform/context.js';
import { vectorSearch, type VectorTable } from '../../platform/vectors.js';

export type Embed = (ctx: Ctx, texts: string[]) => Promise<number[][]>;
export type SearchDeps = { embed: Embed };

export const CHUNKS: VectorTable = { table: 'knowledge_chunks', key: 'id' };
/** The usual RRF constant (Cormack et al.): damps the weight of the very first ranks. */
const RRF_K = 60;
/** Candidates taken from each list before fusion. */
const CANDIDATES = 50;
/** Passages holding every query word that make the any-word query unnecessary. */
const ENOUGH_TEXT_HITS = 10;
const START = '\u0001';
const STOP = '\u0002';

export const searchInput = z.strictObject({
  q: z.string().trim().min(1, 'a question or words to look for').max(1000, 'at most 1 000 characters'),
  notebook_id: z.string().min(1).max(100).optional(),
  limit: z.number().int().min(1).max(50).optional(),
});
export type SearchInput = z.output<typeof searchInput>;
export type Segment = { text: string; hit: boolean };
export type Hit = {
  chunk_id: string; source_id: string; source_name: string; notebook_id: string; notebook_name: string; page: number | null; section: string | null;
  anchor: string; kind: string; text: string; snippet: Segment[]; score: number; ranks: { text: number | null; vector: number | null };
};
export type SearchResult = { hits: Hit[]; modes: { text: boolean; vector: boolean } };

// Words too common to find anything with, in the product's languages (en, fr, mg).
const STOP_WORDS = new Set([
  'the', 'a', 'an', 'of', 'to', 'in', 'on', 'and', 'or', 'is', 'are', 'was', 'were', 'be', 'it', 'this', 'that', 'what', 'which', 'who', 'how', 'why', 'when', 'where', 'do', 'does', 'did', 'for', 'with', 'by', 'at', 'from', 'as', 'about', 'say', 'says',
  'le', 'la', 'les', 'un', 'une', 'des', 'de', 'du', 'et', 'ou', 'est', 'sont', 'que', 'qui', 'quoi', 'quel', 'quelle', 'dans', 'sur', 'pour', 'par', 'avec', 'en', 'au', 'aux', 'ce', 'cette',
  'ny', 'sy', 'ary', 'dia', 'amin', 'ho', 'an', 'izay', 'inona', 'iza', 've', 'no', 'fa', 'tsy',
]);

/** The query's words as an OR tsquery (letters and digits only: nothing reaches tsquery syntax). */
export function queryWords(q: string): string[] {
  const words = (q.toLowerCase().normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 1 && !STOP_WORDS.has(w));
  return [...new Set(words)].slice(0, 32);
}

export function segments(headline: string): Segment[] {
  const out: Segment[] = [];
  let rest = headline;
  while (rest.length > 0) {
    const s = rest.indexOf(START);
    if (s < 0) {
      out.push({ text: rest, hit: false });
      break;
    }
    if (s > 0) out.push({ text: rest.slice(0, s), hit: false });
    const e = rest.indexOf(STOP, s);
    const end = e < 0 ? rest.length : e;
    out.push({ text: rest.slice(s + 1, end), hit: true });
    rest = rest.slice(end + 1);
  }
  return out.filter((x) => x.text.length > 0);
}

/** Ranks of each id in each list fused by RRF, best first. */
export function fuse(lists: readonly (readonly string[])[]): { id: string; score: number; ranks: (number | null)[] }[] {
  const by = new Map<string, { id: string; score: number; ranks: (number | null)[] }>();
  lists.forEach((list, li) => list.forEach((id, rank) => {
    const e = by.get(id) ?? { id, score: 0, ranks: lists.map(() => null) };
    e.score += 1 / (RRF_K + rank + 1);
    e.ranks[li] = rank + 1;
    by.set(id, e);
  }));
  return [...by.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

export async function search(ctx: Ctx, d: SearchDeps, input: SearchInput): Promise<SearchResult> {
  const limit = input.limit ?? 10;
  const words = queryWords(input.q);
  // A word of 4+ letters also finds its longer forms (renew → renews, renewal; livraison → livraisons):
  // 'simple' has no stemmer, and no one stemmer fits English, French and Malagasy.
  const terms = words.map((w) => (w.length >= 4 ? `${w}:*` : w));
  const tsq = terms.join(' | ');
  const nb = input.notebook_id;
  const inScope = nb
    ? sql`r.tenant_id = ${ctx.tenantId} and r.notebook_id = ${nb}`
    : sql`r.tenant_id = ${ctx.tenantId} and r.notebook_id in (select id from notebooks where archived_at is null)`;

  // Passages holding every word first (selective: the index answers it cheaply, and they are the
  // best matches); when those are few, passages holding any word — ranking those means scoring
  // every match, which a common word makes many.
  const textQuery = async (tsquery: string) => (await sql<{ id: string }>`
    select r.id from knowledge_chunks r, to_tsquery('simple', ${tsquery}) q
    where ${inScope} and r.tsv @@ q
    order by ts_rank_cd(r.tsv, q, 1) desc, r.id limit ${CANDIDATES}`.execute(ctx.tx)).rows.map((r) => r.id);
  let textIds = words.length === 0 ? [] : await textQuery(terms.join(' & '));
  if (words.length > 1 && textIds.length < ENOUGH_TEXT_HITS) textIds = [...new Set([...textIds, ...(await textQuery(tsq))])].slice(0, CANDIDATES);

  let vectorIds: string[] = [];
  let vector = false;
  try {
    const [embedding] = await d.embed(ctx, [input.q]);
    if (embedding) {
      vectorIds = (await vectorSearch(ctx.tx, CHUNKS, inScope, embedding, CANDIDATES)).map((h) => h.id);
      vector = true;
    }
  } catch (err) {
    // A failed embedding (provider down, budget) leaves the full-text half: say so, do not fail.
    if (!(err instanceof Error) || /aborted|current transaction/i.test(err.message)) throw err;
  }

  const fused = fuse([textIds, vectorIds]).slice(0, limit);
  if (fused.length === 0) return { hits: [], modes: { text: words.length > 0, vector } };
  const ids = fused.map((f) => f.id);
  const rows = (await sql<{ id: string; source_id: string; source_name: string; notebook_id: string; notebook_name: string; page: number | null; section: string | null; anchor: string; kind: string; text: string; headline: string }>`
    select r.id, r.source_id, s.name as source_name, r.notebook_id, n.name as notebook_name, r.page, r.section, r.anchor, r.kind, r.text,
      ${words.length > 0
        ? sql`ts_headline('simple', r.text, to_tsquery('simple', ${tsq}), ${`StartSel=${START}, StopSel=${STOP}, MaxWords=40, MinWords=20, MaxFragments=2, FragmentDelimiter=" … "`})`
        : sql`left(r.text, 300)`} as headline
    from knowledge_chunks r join knowledge_sources s on s.id = r.source_id join notebooks n on n.id = r.notebook_id
    where r.id = any(${ids}::text[])`.execute(ctx.tx)).rows;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const hits: Hit[] = [];
  for (const f of fused) {
    const r = byId.get(f.id);
    if (!r) continue;
    hits.push({
      chunk_id: r.id, source_id: r.source_id, source_name: r.source_name, notebook_id: r.notebook_id, notebook_name: r.notebook_name, page: r.page,
      section: r.section, anchor: r.anchor, kind: r.kind, text: r.text, snippet: segments(r.headline), score: f.score,
      ranks: { text: f.ranks[0] ?? null, vector: f.ranks[1] ?? null },
    });
  }
  return { hits, modes: { text: words.length > 0, vector } };
}
