// Asking a notebook: answered only from its sources. The question's best passages come from
// hybrid search; a language model (when the workspace has one) writes sentences that cite them by
// number, and the grounding check keeps only the sentences their passages support. Offline (the
// default) the answer is the sources' own best sentences for the question, quoted and cited. When
// nothing in the sources answers — no passage holds enough of the question's words, or every
// sentence failed the check — the answer says so instead of guessing.
import { z } from 'zod';
import { inTenant, type CtxSource } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { Completion, CompleteInput } from '../ai/index.js';
import { byQuestion, candidates, citationOf, diverse, quoted, type Claim, type Passage } from './extractive.js';
import { support } from './grounding.js';
import { search, type SearchDeps } from './search.js';

export type Complete = (source: CtxSource, input: CompleteInput) => Promise<Completion>;
export type AskDeps = SearchDeps & { db: Db; complete: Complete };

export const askInput = z.strictObject({
  question: z.string().trim().min(1, 'a question').max(4000, 'a question of at most 4 000 characters'),
  language: z.enum(['en', 'fr', 'mg']).optional(),
});

/** A question's words must weigh at least this much in a sentence for it to count as an answer. */
const ANSWER_THRESHOLD = 0.5;
const PASSAGES = 8;

export type Answer = {
  question: string; answered: boolean; sentences: Claim[]; passages: Passage[];
  mode: 'model' | 'extractive'; provider: string; model: string | null; dropped: number; notes: string[];
};

const ANSWER_SCHEMA = {
  type: 'object', additionalProperties: false, required: ['sentences', 'not_in_sources'],
  properties: {
    not_in_sources: { type: 'boolean' },
    sentences: { type: 'array', maxItems: 8, items: { type: 'object', additionalProperties: false, required: ['text', 'cites'], properties: { text: { type: 'string' }, cites: { type: 'array', items: { type: 'integer' }, minItems: 1 } } } },
  },
} as const;

export function extractiveAnswer(question: string, passages: readonly Passage[]): Claim[] {
  const ranked = byQuestion(candidates(passages), question).filter((c) => c.score >= ANSWER_THRESHOLD);
  return diverse(ranked, 3, { maxOverlap: 0.7, perSource: 3 }).map(quoted).filter((c) => c.grounded);
}

const LANGUAGE = { en: 'English', fr: 'French', mg: 'Malagasy' } as const;

export async function askNotebook(db: Db, source: CtxSource, d: AskDeps, notebookId: string, input: z.output<typeof askInput>): Promise<Answer> {
  const found = await inTenant(db, source, (ctx) => search(ctx, d, { q: input.question, notebook_id: notebookId, limit: PASSAGES }));
  const passages: Passage[] = found.hits.map((h) => ({ chunk_id: h.chunk_id, source_id: h.source_id, source_name: h.source_name, page: h.page, section: h.section, anchor: h.anchor, kind: h.kind, text: h.text }));
  const base = { question: input.question, passages, dropped: 0 };
  if (passages.length === 0) return { ...base, answered: false, sentences: [], mode: 'extractive', provider: 'none', model: null, notes: ['no passage of this notebook matches the question'] };

  const numbered = passages.map((p, i) => `[${i + 1}] ${p.source_name}${p.page ? `, p. ${p.page}` : ''}${p.section ? ` — ${p.section}` : ''}\n${p.text}`).join('\n\n');
  const completion = await d.complete(source, {
    alias: 'smart', feature: 'knowledge_ask', schema: ANSWER_SCHEMA as unknown as CompleteInput['schema'], temperature: 0, max_tokens: 800,
    system: 'Answer ONLY from the numbered passages. Every sentence cites the passages that support it by number. If the passages do not answer the question, set not_in_sources to true and give no sentences. Never use outside knowledge.'
      + (input.language ? ` Answer in ${LANGUAGE[input.language]}.` : ''),
    prompt: `Passages:\n\n${numbered}\n\nQuestion: ${input.question}`,
  });
  if (completion.provider === 'offline') {
    const sentences = extractiveAnswer(input.question, passages);
    const notes = ['offline: the answer quotes the sources’ own sentences (no language model is configured)'];
    if (input.language) notes.push('offline: the quotes stay in the sources’ language');
    return { ...base, answered: sentences.length > 0, sentences, mode: 'extractive', provider: 'offline', model: completion.model, notes };
  }
  const out = completion.json as { sentences?: { text: string; cites: number[] }[]; not_in_sources?: boolean } | undefined;
  const claims: Claim[] = [];
  let dropped = 0;
  for (const s of out?.sentences ?? []) {
    const cited = [...new Set(s.cites)].map((n) => passages[n - 1]).filter((p): p is Passage => !!p);
    const check = support(s.text, cited.map((p) => p.text));
    if (cited.length === 0 || !check.supported) {
      dropped++;
      continue;
    }
    claims.push({ text: s.text, citations: cited.map((p) => citationOf(p, p.text)), support: check.score, grounded: true });
  }
  const notes = dropped > 0 ? [`${dropped} sentence(s) of the model’s answer were dropped: their passages do not support them`] : [];
  return { ...base, dropped, answered: claims.length > 0 && out?.not_in_sources !== true, sentences: out?.not_in_sources ? [] : claims, mode: 'model', provider: completion.provider, model: completion.model, notes };
}
