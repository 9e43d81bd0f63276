// PDF: text per page with unpdf (pdf.js), ruled tables per page with pdf-parse in a worker thread
// (pdf-tables.ts), and OCR of a page that has no text layer but an image (a scanned page).
// The page count is read first and an over-long document is refused before any page is parsed.
import { extractImages, getDocumentProxy } from 'unpdf';
import { extractPdfTables } from './pdf-tables.js';
import { encodePng } from './png.js';
import { MAX_IMAGE_PIXELS } from './image.js';
import { ocrImage } from './ocr.js';
import { asParseError, checkAborted, cleanText, ParseError, tableText, type Block, type ParseContext, type ParsedDocument } from './types.js';

type PdfDoc = Awaited<ReturnType<typeof getDocumentProxy>>;
type TextItem = { str: string; transform: number[]; height: number; hasEOL?: boolean };
type Line = { y: number; height: number; text: string };

async function openPdf(bytes: Uint8Array): Promise<PdfDoc> {
  try {
    // A copy: pdf.js may take ownership of (detach) the buffer it is given.
    return await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, isEvalSupported: false, stopAtErrors: false });
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'PasswordException') throw new ParseError('ENCRYPTED', 'This PDF is password-protected; remove the password and upload it again.', { cause: err });
    if (name === 'InvalidPDFException') throw new ParseError('CORRUPT', 'This file is not a readable PDF: it looks damaged or truncated.', { cause: err });
    throw asParseError(err, 'PDF');
  }
}

/** Text items → lines (pdf.js gives runs; a line ends at hasEOL or when the baseline moves). */
function toLines(items: TextItem[]): Line[] {
  const lines: Line[] = [];
  let cur: Line | null = null;
  for (const it of items) {
    const y = it.transform[5] ?? 0;
    const h = Math.abs(it.height || it.transform[3] || 0);
    if (cur && Math.abs(cur.y - y) > Math.max(2, h * 0.5)) {
      lines.push(cur);
      cur = null;
    }
    if (!cur) cur = { y, height: h, text: '' };
    cur.text += it.str;
    cur.height = Math.max(cur.height, h);
    if (it.hasEOL) {
      lines.push(cur);
      cur = null;
    }
  }
  if (cur) lines.push(cur);
  return lines.filter((l) => l.text.trim() !== '');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

/**
 * Lines → blocks: a new paragraph where the vertical gap is clearly larger than the line height,
 * a heading where the font is clearly larger than the page's body text.
 */
function pageBlocks(lines: Line[], page: number, startSection: string | null): { blocks: Block[]; section: string | null } {
  const blocks: Block[] = [];
  const body = median(lines.map((l) => l.height)) || 10;
  let section = startSection;
  let para: Line[] = [];
  const push = () => {
    if (!para.length) return;
    const text = cleanText(para.map((l) => l.text).join(' ')); // line breaks inside a paragraph are layout
    if (text) blocks.push({ anchor: `p${page}.b${blocks.length + 1}`, page, section, kind: 'paragraph', text });
    para = [];
  };
  let prev: Line | null = null;
  for (const l of lines) {
    const isHeading = l.height >= body * 1.3 && l.text.trim().length <= 200;
    if (isHeading) {
      push();
      section = cleanText(l.text);
      blocks.push({ anchor: `p${page}.b${blocks.length + 1}`, page, section, kind: 'heading', text: section });
      prev = l;
      continue;
    }
    if (prev && prev.y - l.y > Math.max(l.height, prev.height) * 1.8) push();
    para.push(l);
    prev = l;
  }
  push();
  return { blocks, section };
}

const squash = (t: string) => t.replace(/\s+/g, ' ').trim();

/**
 * Puts a page's tables into its blocks. The text layer also holds every cell, read as lines
 * ("North 120 400 131 900 Alice Moreau"): paragraphs made only of a table's rows are replaced by
 * the table (at the first one's place), so a cell is not indexed twice. A table whose rows are not
 * found as paragraphs goes at the end of the page. Anchors are numbered afterwards, in order:
 * p3.b1, p3.b2 … for text, p3.t1 … for tables; the same input still gives the same anchors.
 */
function placeTables(blocks: Block[], page: number, tables: string[][][]): Block[] {
  let out = [...blocks];
  for (const rows of tables) {
    const rowTexts = rows.map((r) => squash(r.filter((c) => c !== '').join(' '))).filter((t) => t !== '');
    /** True when `text` is one or more consecutive rows of this table. */
    const isRows = (text: string): boolean => {
      let rest = squash(text);
      if (!rest) return false;
      for (let start = 0; start < rowTexts.length; start++) {
        let r = rest;
        for (let i = start; i < rowTexts.length && r; i++) {
          if (r === rowTexts[i]) return true;
          if (!r.startsWith(`${rowTexts[i]} `)) break;
          r = r.slice(rowTexts[i]!.length + 1);
        }
      }
      return false;
    };
    const section = [...out].reverse().find((b) => b.section)?.section ?? null;
    const first = out.findIndex((b) => b.kind === 'paragraph' && isRows(b.text));
    const table: Block = { anchor: '', page, section: first >= 0 ? out[first]!.section : section, kind: 'table', text: tableText(rows), rows };
    if (first < 0) {
      out.push(table);
      continue;
    }
    out = out.flatMap((b, i) => (i === first ? [table] : i > first && b.kind === 'paragraph' && isRows(b.text) ? [] : [b]));
  }
  let b = 0;
  let t = 0;
  for (const block of out) {
    if (block.kind === 'table') block.anchor = `p${page}.t${++t}`;
    else if (block.kind !== 'ocr') block.anchor = `p${page}.b${++b}`;
  }
  return out;
}

/** The biggest image on a page as PNG bytes (a scanned page is one big picture), or null. */
async function pageImagePng(pdf: PdfDoc, pageNum: number): Promise<Uint8Array | null> {
  const images = await extractImages(pdf, pageNum);
  const big = images.filter((i) => i.width >= 32 && i.height >= 16).sort((a, b) => b.width * b.height - a.width * a.height)[0];
  if (!big) return null;
  if (big.width * big.height > MAX_IMAGE_PIXELS) throw new Error(`its image is too large to recognise (${big.width} × ${big.height} pixels)`);
  return encodePng(big.data, big.width, big.height, big.channels);
}

export async function parsePdf(bytes: Uint8Array, ctx: ParseContext): Promise<ParsedDocument> {
  const pdf = await openPdf(bytes);
  try {
    const pages = pdf.numPages;
    if (pages > ctx.limits.maxPages) {
      throw new ParseError('TOO_MANY_PAGES', `This PDF has ${pages} pages; at most ${ctx.limits.maxPages} pages can be read.`);
    }
    // Tables run in the worker thread while the pages are read here.
    const tablesJob = extractPdfTables(bytes, ctx.signal).then(
      (t) => t,
      (err: unknown) => {
        if (ctx.signal.aborted) throw err;
        ctx.warnings.push(`Tables were not extracted: ${err instanceof Error ? err.message : String(err)}.`);
        return [];
      },
    );
    // Handled here so an early exit (a timeout in the page loop) leaves no unhandled rejection.
    tablesJob.catch(() => undefined);
    let title: string | null = null;
    try {
      const meta = await pdf.getMetadata();
      const t = (meta.info as { Title?: unknown } | undefined)?.Title;
      if (typeof t === 'string' && t.trim()) title = t.trim();
    } catch {
      // No metadata: not an error.
    }
    const perPage: Block[][] = [];
    let section: string | null = null;
    let ocrPages = 0;
    for (let n = 1; n <= pages; n++) {
      checkAborted(ctx.signal);
      let blocks: Block[] = [];
      try {
        const page = await pdf.getPage(n);
        const content = await page.getTextContent();
        const items: TextItem[] = content.items.flatMap((i) => ('str' in i ? [i] : []));
        const r = pageBlocks(toLines(items), n, section);
        blocks = r.blocks;
        section = r.section;
        // No text layer, or next to none (a scan carrying only a stamped page number): OCR the page image.
        const textLength = blocks.reduce((n, b) => n + b.text.length, 0);
        if (textLength < 16 && ctx.limits.ocr) {
          // A scanned page if it carries an image; kept only when it reads more than the text layer had.
          const png = await pageImagePng(pdf, n);
          if (png) {
            const text = cleanText(await ocrImage(png, ctx.signal));
            ocrPages++;
            if (text && text.length > textLength) blocks.push({ anchor: `p${n}.ocr1`, page: n, section, kind: 'ocr', text });
          }
        }
        page.cleanup();
      } catch (err) {
        if (err instanceof ParseError && (err.code === 'PARSE_TIMEOUT' || ctx.signal.aborted)) throw err;
        if (ctx.signal.aborted) throw err;
        ctx.warnings.push(`Page ${n} could not be read (${err instanceof Error ? err.message : String(err)}).`);
      }
      perPage.push(blocks);
      // Pages are ~90 % of the work; the table worker the rest.
      ctx.progress((n / pages) * 0.9);
    }
    const tables = await tablesJob;
    for (const pt of tables) {
      const list = perPage[pt.num - 1];
      if (list) perPage[pt.num - 1] = placeTables(list, pt.num, pt.tables.map((rows) => rows.map((r) => r.map((c) => cleanText(c)))));
    }
    if (ocrPages) ctx.warnings.push(`${ocrPages} page${ocrPages > 1 ? 's' : ''} had no text layer and ${ocrPages > 1 ? 'were' : 'was'} read by OCR.`);
    const blocks = perPage.flat();
    if (!title) title = blocks.find((b) => b.kind === 'heading')?.text ?? null;
    ctx.progress(1);
    return { type: 'pdf', title, pages, blocks, warnings: ctx.warnings };
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}
