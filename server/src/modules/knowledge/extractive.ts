// The offline writer: what briefs, Q&A and answers are made of when no language model is
// configured. It writes nothing of its own — it picks the sources' own sentences (so every claim
// is quoted from the passage it cites) — and says so: outputs carry `mode: 'extractive'`.
// Sentences are scored by how central their content words are to the notebook (tf·idf over the
// passages, a bonus for numbers and names: facts) or, for a question, by how many of its words
// they hold; a diverse set is then picked (maximal marginal relevance, spread over documents).
import { sentences } from './chunks.js';
import { contentWords, support } from './grounding.js';

export type Passage = { chunk_id: string; source_id: string; source_name: string; page: number | null; section: string | null; anchor: string; kind: string; text: string };
export type Citation = { chunk_id: string; source_id: string; source_name: string; page: number | null; section: string | null; anchor: string; quote: string };
export type Claim = { text: string; citations: Citation[]; support: number; grounded: boolean };
export type Candidate = { text: string; passage: Passage; words: string[]; score: number };

export const citationOf = (p: Passage, quote: string): Citation => ({
  chunk_id: p.chunk_id, source_id: p.source_id, source_name: p.source_name, page: p.page, section: p.section, anchor: p.anchor, quote: quote.slice(0, 600),
});

/** A claim quoted from its passage, checked like any other. */
export function quoted(c: Candidate): Claim {
  const s = support(c.text, [c.passage.text]);
  return { text: c.text, citations: [citationOf(c.passage, c.text)], support: s.score, grounded: s.supported };
}

/** Sentences that can stand alone as a claim (not a heading, a table row, a fragment or a wall of text). */
export function candidates(passages: readonly Passage[]): Candidate[] {
  const out: Candidate[] = [];
  for (const p of passages) {
    if (p.kind === 'table') continue;
    for (const text of sentences(p.text)) {
      if (text.length < 30 || text.length > 400) continue;
      const words = contentWords(text);
      if (words.length < 4 || !/[.!?…:;)"»]$|\p{L}$/u.test(text)) continue;
      out.push({ text, passage: p, words, score: 0 });
    }
  }
  return out;
}

/** Scores candidates by centrality to the whole set (tf·idf of their words, facts favoured). */
export function byCentrality(cands: Candidate[]): Candidate[] {
  const df = new Map<string, number>();
  for (const c of cands) for (const w of new Set(c.words)) df.set(w, (df.get(w) ?? 0) + 1);
  const n = Math.max(1, cands.length);
  for (const c of cands) {
    const tf = new Map<string, number>();
    for (const w of c.words) tf.set(w, (tf.get(w) ?? 0) + 1);
    let s = 0;
    // A word's weight: it recurs (df) but is not everywhere (idf).
    for (const [w, f] of tf) {
      const d = df.get(w) ?? 1;
      if (d > 1) s += f * Math.log(1 + d) * Math.log(1 + n / d);
    }
    const facts = (c.text.match(/\d/g) ? 1.3 : 1) * (/(?<!^)\b\p{Lu}\p{Ll}+/u.test(c.text) ? 1.1 : 1);
    c.score = (s / Math.sqrt(c.words.length)) * facts;
  }
  return [...cands].sort((a, b) => b.score - a.score || a.text.localeCompare(b.text));
}

/** Scores candidates by the question's words they hold (each word weighted by its rarity). */
export function byQuestion(cands: Candidate[], question: string): Candidate[] {
  const q = [...new Set(contentWords(question))];
  if (q.length === 0) return [];
  const df = new Map<string, number>();
  for (const c of cands) for (const w of new Set(c.words)) df.set(w, (df.get(w) ?? 0) + 1);
  const weight = (w: string) => Math.log(1 + cands.length / (df.get(w) ?? 1));
  const total = q.reduce((a, w) => a + weight(w), 0);
  for (const c of cands) {
    const have = new Set(c.words);
    c.score = q.filter((w) => have.has(w)).reduce((a, w) => a + weight(w), 0) / total;
  }
  return cands.filter((c) => c.score > 0).sort((a, b) => b.score - a.score || a.text.localeCompare(b.text));
}

const overlap = (a: readonly string[], b: readonly string[]) => {
  const sa = new Set(a);
  const sb = new Set(b);
  let both = 0;
  for (const w of sa) if (sb.has(w)) both++;
  return both / Math.max(1, Math.min(sa.size, sb.size));
};

/** Up to `n` of the ranked candidates, none repeating another, spread over the documents. */
export function diverse(ranked: readonly Candidate[], n: number, opts: { maxOverlap?: number; perSource?: number } = {}): Candidate[] {
  const maxOverlap = opts.maxOverlap ?? 0.6;
  const perSource = opts.perSource ?? Math.max(2, Math.ceil(n / 2));
  const picked: Candidate[] = [];
  const bySource = new Map<string, number>();
  for (const c of ranked) {
    if (picked.length >= n) break;
    if ((bySource.get(c.passage.source_id) ?? 0) >= perSource) continue;
    if (picked.some((p) => p.text === c.text || overlap(p.words, c.words) > maxOverlap)) continue;
    picked.push(c);
    bySource.set(c.passage.source_id, (bySource.get(c.passage.source_id) ?? 0) + 1);
  }
  // Too few across documents (one long source): fill from what the per-source cap left out.
  if (picked.length < n) {
    for (const c of ranked) {
      if (picked.length >= n) break;
      if (!picked.includes(c) && !picked.some((p) => p.text === c.text || overlap(p.words, c.words) > maxOverlap)) picked.push(c);
    }
  }
  return picked;
}

/** The 2–4 rarest consecutive content words of a sentence: what a question about it asks for. */
export function keyPhrase(c: Candidate, df: ReadonlyMap<string, number>): string {
  const tokens = c.text.match(/[\p{L}][\p{L}\p{N}'’-]*|\d[\d.,]*/gu) ?? [];
  let best = { at: 0, len: 0, score: -1 };
  for (let i = 0; i < tokens.length; i++) {
    for (let len = 2; len <= 4 && i + len <= tokens.length; len++) {
      const words = contentWords(tokens.slice(i, i + len).join(' '));
      if (words.length < Math.min(2, len)) continue;
      const score = words.reduce((a, w) => a + 1 / (df.get(w) ?? 1), 0) / len;
      if (score > best.score) best = { at: i, len, score };
    }
  }
  return best.len > 0 ? tokens.slice(best.at, best.at + best.len).join(' ') : c.words.slice(0, 3).join(' ');
}
