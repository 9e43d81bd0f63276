// Chunking: a parsed document's blocks → the passages search returns and outputs cite. A chunk
// keeps the document, page and section of its blocks and the anchor of its first block, so a
// citation leads back to the place it came from. Paragraphs of one page and section are packed
// up to TARGET_CHARS (never across a page or section: a citation names one page); a table is
// its own chunk (split by rows when long, its header repeated) so its cells stay in their row.
import type { Block } from './parsers/index.js';

export type Chunk = { ord: number; page: number | null; section: string | null; anchor: string; kind: Block['kind']; text: string };

/** About a paragraph or three: long enough to answer from, short enough to cite precisely. */
export const TARGET_CHARS = 900;
/** A single block longer than this is cut at sentence ends. */
const MAX_CHARS = 1600;

/** Sentences of a passage (a light splitter: ., !, ? or ; followed by space and a capital/digit, and line ends). */
export function sentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.split(/(?<=[.!?…])\s+(?=["'«(]?[\p{Lu}\d])/u))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function cut(text: string): string[] {
  if (text.length <= MAX_CHARS) return [text];
  const out: string[] = [];
  let cur = '';
  for (const s of sentences(text)) {
    for (let piece = s; piece.length > 0; piece = piece.slice(MAX_CHARS)) {
      const part = piece.slice(0, MAX_CHARS);
      if (cur && cur.length + part.length + 1 > TARGET_CHARS) {
        out.push(cur);
        cur = '';
      }
      cur = cur ? `${cur} ${part}` : part;
    }
  }
  if (cur) out.push(cur);
  return out;
}

function tableChunks(b: Block): string[] {
  const rows = b.rows && b.rows.length > 0 ? b.rows.map((r) => r.join('\t')) : b.text.split('\n');
  if (b.text.length <= MAX_CHARS) return [rows.join('\n')];
  const [header, ...body] = rows;
  const out: string[] = [];
  let cur: string[] = [];
  let size = 0;
  for (const row of body) {
    if (cur.length > 0 && size + row.length > TARGET_CHARS) {
      out.push([header, ...cur].join('\n'));
      cur = [];
      size = 0;
    }
    cur.push(row);
    size += row.length + 1;
  }
  if (cur.length > 0 || out.length === 0) out.push([header, ...cur].join('\n'));
  return out;
}

export function chunkBlocks(blocks: readonly Block[]): Chunk[] {
  const chunks: Chunk[] = [];
  let open: Chunk | null = null;
  let headingOnly = false;
  const close = () => {
    if (open && open.text.trim()) chunks.push(open);
    open = null;
  };
  const push = (b: Block, text: string) => chunks.push({ ord: chunks.length, page: b.page, section: b.section, anchor: b.anchor, kind: b.kind, text });
  for (const b of blocks) {
    const text = b.text.trim();
    if (!text) continue;
    if (b.kind === 'table' || b.kind === 'notes') {
      close();
      headingOnly = false;
      for (const t of b.kind === 'table' ? tableChunks(b) : cut(text)) push(b, t);
      continue;
    }
    // A heading starts a new chunk and leads it (its words help the passage be found).
    const current = open as Chunk | null;
    // A chunk that is only a heading so far takes the text under it, whatever section the parser
    // gave the heading itself (its own text, or the section above).
    if (current && headingOnly && b.kind !== 'heading' && current.page === b.page) current.section = b.section;
    else if (current && (b.kind === 'heading' || current.page !== b.page || current.section !== b.section || current.text.length + text.length + 1 > TARGET_CHARS)) close();
    headingOnly = b.kind === 'heading' && (open === null || headingOnly);
    for (const piece of cut(text)) {
      const o: Chunk | null = open;
      if (o && o.text.length + piece.length + 1 <= MAX_CHARS) {
        o.text = `${o.text}\n${piece}`;
      } else {
        close();
        open = { ord: 0, page: b.page, section: b.section, anchor: b.anchor, kind: b.kind === 'heading' ? 'paragraph' : b.kind, text: piece };
      }
    }
  }
  close();
  return chunks.map((c, i) => ({ ...c, ord: i }));
}
