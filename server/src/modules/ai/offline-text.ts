// The offline provider's text analysis: deterministic and extractive, no model weights.
// Sentences are scored by the frequency of their content words (a classic Luhn-style
// summariser), keywords are the most frequent content words, entities come from patterns
// (capitalised runs, emails, URLs, dates, amounts), classification is keyword overlap.
const STOPWORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both but by
  can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how
  i if in into is it its itself just let me more most my myself no nor not now of off on once only or other our ours ourselves out over
  own same she should so some such than that the their theirs them themselves then there these they this those through to too under
  until up very was we were what when where which while who whom why will with would you your yours yourself yourselves may might must
  shall us get got one two new please thanks thank hello hi yes via per etc summarise summarize summary text following document below`
    .split(/\s+/)
    .filter(Boolean),
);

export type Entity = { text: string; kind: 'name' | 'email' | 'url' | 'date' | 'money' | 'number' | 'percent' | 'phone' };
export type Analysis = {
  text: string;
  sentences: string[];
  /** Indexes into `sentences`, best first. */
  ranked: number[];
  keywords: string[];
  entities: Entity[];
};

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;

export const words = (text: string): string[] => (text.toLowerCase().match(WORD) ?? []).map((w) => w.replace(/['’]s$/, ''));

/** A crude English stemmer: enough for "invoices" to meet "invoice" and "billing" to meet "bill". */
export function stem(w: string): string {
  if (w.length > 5 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && w.endsWith('ed')) return w.slice(0, -2);
  if (w.length > 4 && w.endsWith('es') && /(s|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

export const contentWords = (text: string): string[] => words(text).filter((w) => w.length > 2 && !STOPWORDS.has(w) && !/^\d+$/.test(w));

export function splitSentences(text: string): string[] {
  return text
    .replace(/\r/g, '')
    .split(/(?<=[.!?])\s+(?=["'(\[]?[\p{Lu}\p{N}])|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)/u)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 1);
}

function rankSentences(sentences: string[]): { ranked: number[]; freq: Map<string, number> } {
  const freq = new Map<string, number>();
  const perSentence = sentences.map((s) => contentWords(s).map(stem));
  for (const ws of perSentence) for (const w of ws) freq.set(w, (freq.get(w) ?? 0) + 1);
  const max = Math.max(1, ...freq.values());
  const scores = perSentence.map((ws, i) => {
    if (ws.length === 0) return { i, score: 0 };
    const sum = ws.reduce((acc, w) => acc + freq.get(w)! / max, 0);
    // Longer sentences carry more words but should not win on length alone; early sentences
    // often state the point (a small, bounded position bonus).
    const position = i === 0 ? 0.15 : i < 3 ? 0.05 : 0;
    return { i, score: sum / Math.sqrt(ws.length) + position };
  });
  scores.sort((a, b) => b.score - a.score || a.i - b.i);
  return { ranked: scores.map((s) => s.i), freq };
}

const DATE = /\b(\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{2,4}|(?:\d{1,2}\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{4})\b/gi;
const PATTERNS: [Entity['kind'], RegExp][] = [
  ['email', /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g],
  ['url', /\bhttps?:\/\/[^\s<>"')\]]+/g],
  ['date', DATE],
  ['money', /(?:[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?[kKmM]\b)?|\b\d[\d,]*(?:\.\d+)?\s?(?:USD|EUR|GBP|dollars|euros)\b)/g],
  ['percent', /\b\d+(?:\.\d+)?\s?%/g],
  ['phone', /\+?\d[\d\s().-]{7,}\d/g],
  ['number', /\b\d+(?:[.,]\d+)?\b/g],
];

function extractEntities(text: string, sentences: string[]): Entity[] {
  const out: Entity[] = [];
  const seen = new Set<string>();
  const add = (kind: Entity['kind'], raw: string) => {
    const t = raw.trim().replace(/[.,;:]+$/, '');
    const key = `${kind}:${t.toLowerCase()}`;
    if (t.length === 0 || seen.has(key)) return;
    seen.add(key);
    out.push({ text: t, kind });
  };
  let rest = text;
  for (const [kind, re] of PATTERNS) {
    for (const m of rest.matchAll(re)) add(kind, m[0]);
    rest = rest.replace(re, ' ');
  }
  // Capitalised runs ("Acme Corp", "Maria Lopez"), not counting a sentence's first word
  // unless it is part of a longer run.
  for (const s of sentences) {
    const runs = s.matchAll(/(?:\b[\p{Lu}][\p{L}'’&-]+(?:\s+(?:of|de|van|von|&)?\s*[\p{Lu}][\p{L}'’&-]+)*)/gu);
    for (const m of runs) {
      const name = m[0];
      const first = m.index === 0;
      if (first && !/\s/.test(name)) continue;
      if (STOPWORDS.has(name.toLowerCase())) continue;
      add('name', name);
    }
  }
  return out;
}

/** Everything the offline provider knows about a text, computed once per call. */
export function analyse(text: string): Analysis {
  const sentences = splitSentences(text);
  const { ranked, freq } = rankSentences(sentences);
  const keywords = [...freq.entries()]
    .filter(([w]) => w.length > 2)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 12)
    .map(([w]) => w);
  return { text, sentences, ranked, keywords, entities: extractEntities(text, sentences) };
}

/** The best `n` sentences, in document order. */
export function summarise(a: Analysis, n = defaultSummaryLength(a)): string {
  const chosen = a.ranked.slice(0, n).sort((x, y) => x - y);
  return chosen.map((i) => a.sentences[i]).join(' ');
}

export const defaultSummaryLength = (a: Analysis): number => Math.max(1, Math.min(7, Math.ceil(a.sentences.length * 0.2)));

/** The label sharing the most (stemmed) words with the text; ties go to the earlier label. */
export function classify(text: string, labels: readonly string[]): { label: string; score: number } {
  const terms = new Map<string, number>();
  for (const w of words(text)) terms.set(stem(w), (terms.get(stem(w)) ?? 0) + 1);
  let best = { label: labels[0] ?? '', score: -1 };
  for (const label of labels) {
    const ws = words(label.replace(/[_-]+/g, ' ')).map(stem);
    const score = ws.reduce((acc, w) => acc + (terms.get(w) ?? 0), 0) / Math.max(1, ws.length);
    if (score > best.score) best = { label, score };
  }
  return best;
}

/** A templated plan: the goal (best sentence), then steps built around the main topics. */
export function plan(a: Analysis): string[] {
  const goal = a.sentences[a.ranked[0] ?? 0] ?? 'the request';
  const topics = a.keywords.slice(0, 3);
  const steps = [`Clarify the goal and success criteria: ${goal}`];
  for (const t of topics) steps.push(`Gather what is known about "${t}" and who owns it`);
  steps.push('Decide the next actions, owners and due dates', 'Review progress and record what changed and why');
  return steps;
}

export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);
