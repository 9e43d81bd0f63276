// What a notebook's outputs say: the executive brief (≥ 5 insights, each cited), Q&A (20–40
// pairs, each answer cited) and the source map (documents and how they relate). One JSON shape
// whatever wrote it: with a language model, the model writes from numbered passages and the
// grounding check drops every sentence its citations do not support; offline, the sources' own
// most central sentences are quoted (`mode: 'extractive'`).
import type { CtxSource } from '../../platform/context.js';
import type { CompleteInput } from '../ai/index.js';
import type { Complete } from './ask.js';
import { byCentrality, candidates, citationOf, diverse, keyPhrase, quoted, type Candidate, type Claim, type Passage } from './extractive.js';
import { contentWords, support } from './grounding.js';

export type Written<C> = { content: C; provider: string; model: string | null; costUsd: number };
export type Brief = { mode: 'model' | 'extractive'; title: string; insights: Claim[]; flagged: Claim[]; notes: string[] };
export type QaPair = { question: string; answer: Claim };
export type Qa = { mode: 'model' | 'extractive'; pairs: QaPair[]; flagged: number; notes: string[] };
export type SourceNode = { id: string; name: string; type: string | null; pages: number | null; entities: string[] };
export type SourceEdge = { from: string; to: string; weight: number; shared: string[]; kind: 'shared_entities' | 'reference' };
export type SourceMap = { nodes: SourceNode[]; edges: SourceEdge[]; themes: { name: string; mentions: number; sources: string[] }[] };
export type SourceInfo = { id: string; name: string; type: string | null; pages: number | null; title: string | null };

export const MIN_INSIGHTS = 5;
const MAX_INSIGHTS = 8;
export const MIN_PAIRS = 20;
const MAX_PAIRS = 40;
/** Passages a model is shown for a brief (the most central ones). */
const MODEL_PASSAGES = 30;

const OFFLINE_NOTE = 'offline: every sentence is quoted from the sources (no language model is configured)';

function centralPassages(passages: readonly Passage[], n: number): Passage[] {
  const ranked = byCentrality(candidates(passages));
  const seen = new Set<string>();
  const out: Passage[] = [];
  for (const c of ranked) {
    if (seen.has(c.passage.chunk_id)) continue;
    seen.add(c.passage.chunk_id);
    out.push(c.passage);
    if (out.length >= n) break;
  }
  return out;
}

const numbered = (ps: readonly Passage[]) => ps.map((p, i) => `[${i + 1}] ${p.source_name}${p.page ? `, p. ${p.page}` : ''}\n${p.text}`).join('\n\n');

/** Model sentences with their cited passages, kept only when the passages support them. */
function checked(sentences: readonly { text: string; cites: number[] }[], ps: readonly Passage[]): { kept: Claim[]; flagged: Claim[] } {
  const kept: Claim[] = [];
  const flagged: Claim[] = [];
  for (const s of sentences) {
    const cited = [...new Set(s.cites)].map((n) => ps[n - 1]).filter((p): p is Passage => !!p);
    const check = support(s.text, cited.map((p) => p.text));
    const claim = { text: s.text, citations: cited.map((p) => citationOf(p, p.text)), support: check.score, grounded: cited.length > 0 && check.supported };
    (claim.grounded ? kept : flagged).push(claim);
  }
  return { kept, flagged };
}

const claimsSchema = (key: string, item: Record<string, unknown>, max: number) => ({
  type: 'object', additionalProperties: false, required: [key],
  properties: { title: { type: 'string' }, [key]: { type: 'array', maxItems: max, items: { type: 'object', additionalProperties: false, required: Object.keys(item), properties: item } } },
}) as unknown as CompleteInput['schema'];

export async function writeBrief(source: CtxSource, complete: Complete, notebookName: string, passages: readonly Passage[]): Promise<Written<Brief>> {
  const ps = centralPassages(passages, MODEL_PASSAGES);
  const c = await complete(source, {
    alias: 'smart', feature: 'knowledge_brief', temperature: 0, max_tokens: 1500,
    schema: claimsSchema('insights', { text: { type: 'string' }, cites: { type: 'array', items: { type: 'integer' }, minItems: 1 } }, MAX_INSIGHTS),
    system: `Write an executive brief of ${MIN_INSIGHTS} to ${MAX_INSIGHTS} insights from the numbered passages only. Each insight is one sentence citing the passages that support it by number. No outside knowledge.`,
    prompt: `Notebook: ${notebookName}\n\nPassages:\n\n${numbered(ps)}`,
  });
  const cost = c.usage.cost_usd;
  const extractive = () => diverse(byCentrality(candidates(passages)), MAX_INSIGHTS).map(quoted).filter((x) => x.grounded);
  if (c.provider === 'offline') {
    return { content: { mode: 'extractive', title: notebookName, insights: extractive(), flagged: [], notes: [OFFLINE_NOTE] }, provider: 'offline', model: c.model, costUsd: cost };
  }
  const out = c.json as { title?: string; insights?: { text: string; cites: number[] }[] } | undefined;
  const { kept, flagged } = checked(out?.insights ?? [], ps);
  const notes = flagged.length > 0 ? [`${flagged.length} insight(s) flagged: their citations do not support them`] : [];
  let insights = kept;
  if (insights.length < MIN_INSIGHTS) {
    // Fewer grounded insights than a brief needs: completed with quoted ones, and said.
    const more = extractive().filter((x) => !insights.some((k) => k.text === x.text)).slice(0, MIN_INSIGHTS - insights.length);
    insights = [...insights, ...more];
    if (more.length > 0) notes.push(`${more.length} insight(s) quoted from the sources to reach ${MIN_INSIGHTS}`);
  }
  return { content: { mode: 'model', title: out?.title?.trim() || notebookName, insights, flagged, notes }, provider: c.provider, model: c.model, costUsd: cost };
}

function extractiveQa(passages: readonly Passage[]): QaPair[] {
  const cands = candidates(passages);
  const df = new Map<string, number>();
  for (const c of cands) for (const w of new Set(c.words)) df.set(w, (df.get(w) ?? 0) + 1);
  const picked: Candidate[] = diverse(byCentrality(cands), MAX_PAIRS, { maxOverlap: 0.8, perSource: MAX_PAIRS });
  return picked.map((c) => ({ question: `What does “${c.passage.source_name}”${c.passage.page ? ` (p. ${c.passage.page})` : ''} say about ${keyPhrase(c, df)}?`, answer: quoted(c) }))
    .filter((p) => p.answer.grounded);
}

export async function writeQa(source: CtxSource, complete: Complete, passages: readonly Passage[]): Promise<Written<Qa>> {
  const ps = centralPassages(passages, MODEL_PASSAGES);
  const c = await complete(source, {
    alias: 'smart', feature: 'knowledge_qa', temperature: 0, max_tokens: 4000,
    schema: claimsSchema('pairs', { question: { type: 'string' }, text: { type: 'string' }, cites: { type: 'array', items: { type: 'integer' }, minItems: 1 } }, MAX_PAIRS),
    system: `Write ${MIN_PAIRS} to ${MAX_PAIRS} question-and-answer pairs a newcomer would ask about these documents. Each answer (text) is one or two sentences from the numbered passages only, citing them by number.`,
    prompt: `Passages:\n\n${numbered(ps)}`,
  });
  if (c.provider === 'offline') return { content: { mode: 'extractive', pairs: extractiveQa(passages), flagged: 0, notes: [OFFLINE_NOTE] }, provider: 'offline', model: c.model, costUsd: c.usage.cost_usd };
  const out = (c.json as { pairs?: { question: string; text: string; cites: number[] }[] } | undefined)?.pairs ?? [];
  const pairs: QaPair[] = [];
  let flagged = 0;
  for (const p of out) {
    const { kept } = checked([p], ps);
    if (kept[0]) pairs.push({ question: p.question, answer: kept[0] });
    else flagged++;
  }
  const notes = flagged > 0 ? [`${flagged} pair(s) dropped: their citations do not support the answer`] : [];
  return { content: { mode: 'model', pairs, flagged, notes }, provider: c.provider, model: c.model, costUsd: c.usage.cost_usd };
}

/** Names in a text: runs of capitalised words (not a lone sentence-initial one), e.g. "Riake Logistics". */
export function entitiesOf(text: string): string[] {
  const out: string[] = [];
  for (const s of text.split(/(?<=[.!?…])\s+|\n+/)) {
    const tokens = s.split(/\s+/).filter(Boolean);
    let run: string[] = [];
    const flush = (at: number) => {
      if (run.length > 0 && (run.length > 1 || at - run.length > 0)) {
        const name = run.join(' ');
        if (name.length > 2 && contentWords(name).length > 0) out.push(name);
      }
      run = [];
    };
    tokens.forEach((raw, i) => {
      const t = raw.replace(/^[«"('“]+/u, '').replace(/[.,;:!?)»"'”]+$/u, '');
      if (/^(\p{Lu}[\p{Ll}\p{N}'’-]+|\p{Lu}{2,6})$/u.test(t)) {
        run.push(t);
        if (/[.,;:!?)»"'”]$/u.test(raw)) flush(i + 1);
      } else flush(i);
    });
    flush(tokens.length);
  }
  return out;
}

export function sourceMap(sources: readonly SourceInfo[], passages: readonly Passage[]): SourceMap {
  const ents = new Map<string, Map<string, number>>(); // source → entity → mentions
  for (const p of passages) {
    const m = ents.get(p.source_id) ?? new Map<string, number>();
    ents.set(p.source_id, m);
    for (const e of entitiesOf(p.text)) m.set(e, (m.get(e) ?? 0) + 1);
  }
  const nodes: SourceNode[] = sources.map((s) => ({
    id: s.id, name: s.name, type: s.type, pages: s.pages,
    entities: [...(ents.get(s.id) ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10).map(([e]) => e),
  }));
  const edges: SourceEdge[] = [];
  const textOf = new Map<string, string>();
  for (const p of passages) textOf.set(p.source_id, `${textOf.get(p.source_id) ?? ''}\n${p.text}`.slice(0, 2_000_000));
  for (let i = 0; i < sources.length; i++) {
    for (let j = i + 1; j < sources.length; j++) {
      const a = sources[i]!;
      const b = sources[j]!;
      const ea = ents.get(a.id) ?? new Map<string, number>();
      const eb = ents.get(b.id) ?? new Map<string, number>();
      const shared = [...ea.keys()].filter((e) => eb.has(e)).sort((x, y) => (eb.get(y)! + ea.get(y)!) - (eb.get(x)! + ea.get(x)!) || x.localeCompare(y));
      const mentions = (x: SourceInfo, y: SourceInfo) => {
        const names = [y.title, y.name.replace(/\.[a-z0-9]{2,5}$/i, '')].filter((n): n is string => !!n && n.length > 3).map((n) => n.toLowerCase());
        const t = (textOf.get(x.id) ?? '').toLowerCase();
        return names.some((n) => t.includes(n));
      };
      const reference = mentions(a, b) || mentions(b, a);
      if (shared.length > 0 || reference) edges.push({ from: a.id, to: b.id, weight: shared.length + (reference ? 2 : 0), shared: shared.slice(0, 5), kind: reference ? 'reference' : 'shared_entities' });
    }
  }
  // Themes: names that recur (≥ 3 mentions) across the notebook.
  const total = new Map<string, { mentions: number; sources: Set<string> }>();
  for (const [sid, m] of ents) for (const [e, n] of m) {
    const t = total.get(e) ?? { mentions: 0, sources: new Set<string>() };
    t.mentions += n;
    t.sources.add(sid);
    total.set(e, t);
  }
  const themes = [...total.entries()].filter(([, t]) => t.mentions >= 3).sort((a, b) => b[1].mentions - a[1].mentions || a[0].localeCompare(b[0])).slice(0, 30)
    .map(([name, t]) => ({ name, mentions: t.mentions, sources: [...t.sources] }));
  return { nodes, edges, themes };
}
