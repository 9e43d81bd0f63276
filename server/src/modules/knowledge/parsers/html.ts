// HTML → blocks. linkedom builds a DOM without running anything (it has no script engine, and
// script/style/template/noscript elements are removed before any text is read), Readability picks
// the article (falling back to the body when it finds none), and a walker turns headings,
// paragraphs, list items and tables into blocks. Also used for DOCX (mammoth gives HTML).
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { cleanText, tableText, type Block, type ParsedDocument } from './types.js';

// linkedom's DOM types are its own; the walker only needs this much of an element.
type El = { tagName: string; childNodes: ArrayLike<Node>; textContent: string | null; querySelectorAll(sel: string): ArrayLike<El> };
type Node = { nodeType: number; textContent: string | null };

const DROP = 'script, style, noscript, template, iframe, object, embed, svg, canvas';
const BLOCKY = new Set(['P', 'LI', 'BLOCKQUOTE', 'PRE', 'DT', 'DD', 'FIGCAPTION', 'CAPTION', 'ADDRESS']);
const HEADINGS = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6']);
// Site chrome. Not HEADER: an article's <header> holds its title.
const SKIP = new Set(['NAV', 'FOOTER', 'ASIDE', 'FORM', 'BUTTON', 'SELECT', 'MENU']);

type Walk = { blocks: Block[]; section: string | null; page: number | null; prefix: string };

function push(w: Walk, kind: Block['kind'], text: string, rows?: string[][]): void {
  const t = kind === 'table' ? text : cleanText(text);
  if (!t) return;
  const block: Block = { anchor: `${w.prefix}b${w.blocks.length + 1}`, page: w.page, section: w.section, kind, text: t };
  if (rows) block.rows = rows;
  w.blocks.push(block);
}

function tableRows(table: El): string[][] {
  const rows: string[][] = [];
  for (const tr of Array.from(table.querySelectorAll('tr'))) {
    const cells = Array.from(tr.querySelectorAll('th, td')).map((c) => cleanText(c.textContent ?? '').replace(/\n+/g, ' '));
    if (cells.some((c) => c !== '')) rows.push(cells);
  }
  return rows;
}

/** Walks an element's children in order; inline runs between block elements become paragraphs. */
function walk(el: El, w: Walk, skipChrome: boolean): void {
  let inline = '';
  const flush = () => {
    push(w, 'paragraph', inline);
    inline = '';
  };
  for (const node of Array.from(el.childNodes)) {
    if (node.nodeType === 3) {
      inline += node.textContent ?? '';
      continue;
    }
    if (node.nodeType !== 1) continue;
    const child = node as unknown as El;
    const tag = child.tagName.toUpperCase();
    if (tag === 'BR') {
      inline += '\n';
      continue;
    }
    if (HEADINGS.has(tag)) {
      flush();
      const text = cleanText(child.textContent ?? '').replace(/\n+/g, ' ');
      if (text) {
        w.section = text;
        push(w, 'heading', text);
      }
    } else if (tag === 'TABLE') {
      flush();
      const rows = tableRows(child);
      if (rows.length) push(w, 'table', tableText(rows), rows);
    } else if (BLOCKY.has(tag)) {
      flush();
      // A list item or quote may hold nested blocks; its own text is one paragraph otherwise.
      if (Array.from(child.querySelectorAll('p, table, h1, h2, h3, h4, h5, h6, li')).length) walk(child, w, skipChrome);
      else push(w, 'paragraph', child.textContent ?? '');
    } else if (skipChrome && SKIP.has(tag)) {
      flush();
    } else if (['DIV', 'SECTION', 'ARTICLE', 'MAIN', 'BODY', 'UL', 'OL', 'DL', 'FIGURE', 'HEADER', 'FOOTER', 'NAV', 'ASIDE', 'TBODY', 'CENTER', 'FORM', 'DETAILS', 'SUMMARY', 'HGROUP'].includes(tag)) {
      flush();
      walk(child, w, skipChrome);
    } else {
      inline += child.textContent ?? '';
    }
  }
  flush();
}

/** HTML fragment or document → blocks, in document order. `skipChrome` drops nav/footer/aside (web pages, not DOCX). */
export function htmlToBlocks(html: string, opts: { page: number | null; prefix?: string; skipChrome: boolean }): { blocks: Block[]; title: string | null } {
  const { document } = parseHTML(`<!doctype html><html><head></head><body>${html}</body></html>`);
  for (const n of Array.from(document.querySelectorAll(DROP))) n.remove();
  const w: Walk = { blocks: [], section: null, page: opts.page, prefix: opts.prefix ?? '' };
  walk(document.body as unknown as El, w, opts.skipChrome);
  return { blocks: w.blocks, title: w.blocks.find((b) => b.kind === 'heading')?.text ?? null };
}

export function parseHtml(html: string, url?: string): ParsedDocument {
  const warnings: string[] = [];
  const { document } = parseHTML(html);
  // Nothing executable or invisible survives into the text, whatever path is taken below.
  for (const n of Array.from(document.querySelectorAll('script, style, noscript, template'))) n.remove();
  const docTitle = cleanText(document.querySelector('title')?.textContent ?? '') || null;
  let blocks: Block[] = [];
  let title: string | null = docTitle;
  try {
    if (url) {
      // Readability resolves relative links against the document URL; linkedom has no location.
      const base = document.createElement('base');
      base.setAttribute('href', url);
      document.head?.appendChild(base);
    }
    const article = new Readability(document as unknown as Document, { keepClasses: false }).parse();
    if (article?.content && (article.textContent ?? '').trim().length > 0) {
      const r = htmlToBlocks(article.content, { page: null, skipChrome: true });
      blocks = r.blocks;
      title = cleanText(article.title ?? '') || docTitle || r.title;
    }
  } catch (err) {
    warnings.push(`The article could not be isolated (${err instanceof Error ? err.message : String(err)}); the whole page text was used.`);
  }
  if (blocks.length === 0) {
    // Fallback: the body as it is, minus navigation chrome.
    const { document: again } = parseHTML(html);
    const body = again.querySelector('body');
    const r = htmlToBlocks(body ? body.innerHTML : html, { page: null, skipChrome: true });
    blocks = r.blocks;
    title = title ?? r.title;
    if (blocks.length && !warnings.length) warnings.push('No article was found; the page body was used.');
  }
  return { type: 'html', title, pages: 1, blocks, warnings };
}
