// Markdown by hand: ATX (#) and setext (===/---) headings become sections, pipe tables keep their
// cells, fenced code stays one paragraph, everything else is paragraphs split on blank lines.
// Inline markup (emphasis, code ticks, links, images) is reduced to its text.
import { decodeText } from './text.js';
import { cleanText, tableText, type Block, type ParseContext, type ParsedDocument } from './types.js';

export function inlineText(s: string): string {
  return s
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(\*|_)(\S(?:.*?\S)?)\1/g, '$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/~~(.+?)~~/g, '$1');
}

const isTableRow = (l: string) => /^\s*\|.*\|\s*$/.test(l) || (l.includes('|') && /\S\s*\|\s*\S/.test(l));
const isTableRule = (l: string) => /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(l);
const splitRow = (l: string) => l.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => cleanText(inlineText(c.replace(/\\\|/g, '|'))));

export function parseMarkdown(bytes: Uint8Array, ctx: ParseContext): ParsedDocument {
  const lines = decodeText(bytes).replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let section: string | null = null;
  let para: string[] = [];
  const add = (kind: Block['kind'], text: string, rows?: string[][]) => {
    const t = kind === 'table' ? text : cleanText(text);
    if (!t) return;
    const b: Block = { anchor: `b${blocks.length + 1}`, page: null, section, kind, text: t };
    if (rows) b.rows = rows;
    blocks.push(b);
  };
  const flush = () => {
    if (para.length) add('paragraph', para.map(inlineText).join('\n'));
    para = [];
  };
  // Front matter (--- … --- at the very top) is metadata, not text.
  let i = 0;
  if (lines[0]?.trim() === '---') {
    const end = lines.indexOf('---', 1);
    if (end > 0) i = end + 1;
  }
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trim().startsWith(fence[1]!); i++) code.push(lines[i]!);
      add('paragraph', code.join('\n'));
      continue;
    }
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (atx) {
      flush();
      section = cleanText(inlineText(atx[2]!));
      add('heading', section);
      continue;
    }
    const next = lines[i + 1];
    if (para.length === 0 && line.trim() && next !== undefined && /^\s*(=+|-+)\s*$/.test(next) && !isTableRow(line)) {
      section = cleanText(inlineText(line));
      add('heading', section);
      i++;
      continue;
    }
    if (isTableRow(line) && next !== undefined && isTableRule(next)) {
      flush();
      const rows = [splitRow(line)];
      for (i += 2; i < lines.length && isTableRow(lines[i]!) && lines[i]!.trim(); i++) rows.push(splitRow(lines[i]!));
      i--;
      add('table', tableText(rows), rows);
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    // A list item starts its own paragraph.
    if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      flush();
      para.push(line.replace(/^\s*([-*+]|\d+[.)])\s+/, ''));
      continue;
    }
    para.push(line.replace(/^\s*>\s?/, ''));
  }
  flush();
  ctx.progress(1);
  return { type: 'markdown', title: blocks.find((b) => b.kind === 'heading')?.text ?? null, pages: 1, blocks, warnings: ctx.warnings };
}
