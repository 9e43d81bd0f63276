// The grounding check: does a cited passage support a sentence? Every generated sentence — a
// brief's insight, a Q&A answer, an answer to a question — carries citations; a sentence whose
// passages do not support it is dropped (or shown flagged), whatever wrote it (the extractive
// offline writer or a language model). Support is lexical and strict on facts: most of the
// sentence's content words must be in the passage, and every number in it must be there too
// (a model that changes "42 %" to "24 %" is caught). It is a precision guard, not an oracle of
// meaning: a paraphrase with other words fails it, which costs recall, never trust.
import { STOP_WORDS_ALL } from './words.js';

/** Share of a sentence's content words a passage must hold. */
export const SUPPORT_THRESHOLD = 0.6;

const norm = (w: string) => w.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/(?<=\p{L}{3})(s|es)$/u, '');

/** Content words of a text (lower case, accents folded, plural -s/-es dropped, no stop words). */
export function contentWords(text: string): string[] {
  return (text.match(/[\p{L}][\p{L}\p{N}'’-]*/gu) ?? []).map(norm).filter((w) => w.length > 2 && !STOP_WORDS_ALL.has(w));
}

/** Numbers as written (1 200, 1,200 and 1200 are one number; 4.5 and 4,5 too). */
export function numbersOf(text: string): string[] {
  return (text.match(/\d{1,3}(?:[ \u00a0\u202f,]\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?/g) ?? []).map((n) => n.replace(/[ \u00a0\u202f,](?=\d{3})/g, '').replace(',', '.'));
}

export type Support = { supported: boolean; score: number; missingNumbers: string[] };

export function support(sentence: string, passages: readonly string[]): Support {
  const joined = passages.join('\n');
  const have = new Set(contentWords(joined));
  const words = [...new Set(contentWords(sentence))];
  const score = words.length === 0 ? 0 : words.filter((w) => have.has(w)).length / words.length;
  const numbers = new Set(numbersOf(joined));
  const missingNumbers = numbersOf(sentence).filter((n) => !numbers.has(n));
  return { supported: words.length > 0 && score >= SUPPORT_THRESHOLD && missingNumbers.length === 0, score: Math.round(score * 100) / 100, missingNumbers };
}
