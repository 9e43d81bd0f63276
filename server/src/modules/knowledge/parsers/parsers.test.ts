// The parsers against the generated corpus (../corpus): every good document parses, every known
// fact is found on its page, tables keep cells in their row and column, PPTX notes sit on their
// slide, HTML never leaks script text, OCR reads the scans (character accuracy ≥ 0.9), and every
// bad input is refused with its code. No database, no network, no timing assertions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBadInputs, makeCorpus, ocrAccuracy, pngNamedPdf, HTML_SCRIPT_MARKER, PPTX_SLIDES, type BadInput, type CorpusDoc } from '../corpus/index.js';
import { closeParsers, detectType, parseDocument, parseHtml, ParseError, type Block, type ParsedDocument } from './index.js';
import { tablesWorkerPath } from './pdf-tables.js';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

let corpus: CorpusDoc[] = [];
let bad: BadInput[] = [];
const parsed = new Map<string, ParsedDocument>();
const failures = new Map<string, unknown>();
const timings: Record<string, number> = {};

function doc(name: string): ParsedDocument {
  const d = parsed.get(name);
  if (!d) throw new Error(`${name} did not parse: ${String(failures.get(name))}`);
  return d;
}

async function refusal(p: Promise<unknown>): Promise<ParseError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw new Error(`expected a ParseError, got ${String(err)}`);
  }
  throw new Error('expected the parse to be refused');
}

beforeAll(async () => {
  const t0 = performance.now();
  corpus = await makeCorpus();
  bad = await makeBadInputs();
  timings['corpus build'] = Math.round(performance.now() - t0);
  // One at a time, like the module's job queue: each parse sees the whole (2-core) machine.
  for (const d of corpus) {
    const t = performance.now();
    try {
      parsed.set(d.name, await parseDocument(d.bytes, d.type));
    } catch (err) {
      failures.set(d.name, err);
    }
    timings[d.name] = Math.round(performance.now() - t);
  }
}, 180_000);

afterAll(async () => {
  // Measured, not asserted: printed for the record (bench numbers live elsewhere).
  console.log(`parse timings (ms): ${JSON.stringify(timings)}`);
  await closeParsers();
});

describe('corpus', () => {
  it('has every kind of document the module accepts', () => {
    expect(new Set(corpus.map((d) => d.type))).toEqual(new Set(['pdf', 'docx', 'xlsx', 'pptx', 'csv', 'html', 'markdown', 'text', 'image']));
  });

  it('is deterministic (same bytes on a second build)', async () => {
    const again = await makeCorpus();
    for (const d of corpus) expect(Buffer.compare(Buffer.from(again.find((x) => x.name === d.name)!.bytes), Buffer.from(d.bytes)), d.name).toBe(0);
  });

  it('ocrAccuracy is 1 − edit distance / length', () => {
    expect(ocrAccuracy('ABCD', 'ABCD')).toBe(1);
    expect(ocrAccuracy('ABCD', 'ABXD')).toBe(0.75);
    expect(ocrAccuracy('AB  CD', 'AB CD\n')).toBe(1);
    expect(ocrAccuracy('ABCD', '')).toBe(0);
  });
});

describe('good documents', () => {
  it('every good document parses (success rate ≥ 95 %)', () => {
    const ok = corpus.filter((d) => parsed.has(d.name)).length;
    expect(ok / corpus.length).toBeGreaterThanOrEqual(0.95);
    expect([...failures.keys()]).toEqual([]);
    for (const d of corpus) {
      const p = doc(d.name);
      expect(p.type).toBe(d.type);
      expect(p.blocks.length, d.name).toBeGreaterThan(0);
    }
  });

  it('finds every known fact on its page', () => {
    const missing: string[] = [];
    for (const d of corpus) {
      const p = doc(d.name);
      for (const f of d.facts) {
        const hit = p.blocks.some((b) => b.page === f.page && norm(b.text).includes(norm(f.text)));
        if (!hit) missing.push(`${d.name} p${f.page}: ${f.text}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('keeps table cells in their row and column (PDF ruled table, DOCX, XLSX, CSV, Markdown)', () => {
    const withTables = corpus.filter((d) => d.table);
    expect(withTables.map((d) => d.type).sort()).toEqual(['csv', 'docx', 'markdown', 'pdf', 'xlsx']);
    for (const d of withTables) {
      for (const t of [d.table!, ...(d.moreTables ?? [])]) {
        const tables = doc(d.name).blocks.filter((b) => b.kind === 'table' && b.page === t.page);
        expect(tables.map((b) => b.rows), d.name).toContainEqual(t.rows);
        const block = tables.find((b) => JSON.stringify(b.rows) === JSON.stringify(t.rows))!;
        expect(block.text).toBe(t.rows.map((r) => r.join('\t')).join('\n'));
      }
    }
  });

  it('PDF: pages, sections from headings, the table on page 2 only, title from metadata', () => {
    const p = doc('quarterly-report.pdf');
    expect(p.pages).toBe(3);
    expect(p.title).toBe('Quarterly Operations Report');
    // The table replaces the text-layer lines of its rows, in their place: each cell is there once.
    expect(p.blocks.filter((b) => b.page === 2).map((b) => b.anchor)).toEqual(['p2.b1', 'p2.b2', 'p2.t1']);
    expect(p.blocks.filter((b) => b.text.includes('Alice Moreau')).map((b) => b.kind)).toEqual(['table']);
    expect(p.blocks.find((b) => b.text.includes('2.4 million'))?.section).toBe('Outlook');
    const twenty = doc('manual-20-pages.pdf');
    expect(twenty.pages).toBe(20);
    expect(new Set(twenty.blocks.map((b) => b.page))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i + 1)));
  });

  it('XLSX: one table per sheet, sheet names as sections, formulas as their cached results', () => {
    const p = doc('sales.xlsx');
    expect(p.pages).toBe(2);
    expect(p.blocks.map((b) => [b.anchor, b.page, b.section, b.kind])).toEqual([
      ['Sales!t1', 1, 'Sales', 'table'],
      ['Staff!t1', 2, 'Staff', 'table'],
    ]);
    // D5 is =SUM(D2:D4), D3 is =B3*C3: the values, not the formulas.
    expect(p.blocks[0]!.rows![4]![3]).toBe('520');
    expect(p.blocks[0]!.rows![2]![3]).toBe('180');
    expect(p.blocks[0]!.text).not.toContain('SUM');
  });

  it('PPTX: one block per slide titled by the slide, notes attached to the right slide through the rels', () => {
    const p = doc('project-falcon.pptx');
    expect(p.pages).toBe(3);
    expect(p.title).toBe(PPTX_SLIDES[0]!.title);
    PPTX_SLIDES.forEach((s, i) => {
      const page = i + 1;
      const notes = p.blocks.filter((b) => b.kind === 'notes' && b.page === page);
      expect(notes.map((b) => [b.anchor, b.section, b.text])).toEqual([[`s${page}.notes`, s.title, s.notes]]);
      const slide = p.blocks.filter((b) => b.kind !== 'notes' && b.page === page);
      expect(slide).toHaveLength(1);
      expect(slide[0]!.section).toBe(s.title);
      for (const line of s.body) expect(slide[0]!.text).toContain(line);
      // The notes of other slides are not here (the notes files are numbered in reverse).
      for (const other of PPTX_SLIDES) if (other !== s) expect(notes[0]!.text).not.toContain(other.notes);
    });
  });

  it('DOCX: headings become sections, the table sits under its heading', () => {
    const p = doc('office-fit-out.docx');
    expect(p.title).toBe('Office Fit-Out Proposal');
    expect(p.blocks.filter((b) => b.kind === 'heading').map((b) => b.text)).toEqual(['Office Fit-Out Proposal', 'Furniture', 'Schedule']);
    expect(p.blocks.find((b) => b.kind === 'table')?.section).toBe('Furniture');
    expect(p.blocks.find((b) => b.text.includes('three working days'))?.section).toBe('Schedule');
  });

  it('HTML: the article only — no script or style text, no navigation chrome', () => {
    const p = doc('cold-chain.html');
    const all = p.blocks.map((b) => b.text).join('\n');
    expect(all).not.toContain(HTML_SCRIPT_MARKER);
    expect(all).not.toContain('INJECTED_BY_SCRIPT');
    expect(all).not.toContain('STYLE_MARKER_7');
    expect(all).not.toContain('console.log');
    expect(all).not.toContain('Log in');
    expect(all).not.toContain('Accept all');
    expect(p.blocks.find((b) => b.text.includes('bay 12'))?.section).toBe('When a reading is out of range');
    expect(p.blocks.every((b) => !/[<>]/.test(b.text))).toBe(true);
  });

  it('parseHtml: works on a string, falls back to the body when there is no article, never runs or shows scripts', () => {
    (globalThis as { __parsersRan?: boolean }).__parsersRan = false;
    const html = '<html><body><script>globalThis.__parsersRan = true; var SECRET_SCRIPT = 1;</script><div>Short note: the lift is out of order.</div><noscript>NOSCRIPT_TEXT</noscript></body></html>';
    const p = parseHtml(html, 'https://example.com/notes');
    const all = p.blocks.map((b) => b.text).join('\n');
    expect(all).toContain('the lift is out of order');
    expect(all).not.toContain('SECRET_SCRIPT');
    expect(all).not.toContain('NOSCRIPT_TEXT');
    expect((globalThis as { __parsersRan?: boolean }).__parsersRan).toBe(false);
    expect(p.type).toBe('html');
  });

  it('OCR: the PNG scan and the scanned PDF page read with character accuracy ≥ 0.9', () => {
    const scores: Record<string, number> = {};
    for (const d of corpus.filter((x) => x.ocr)) {
      const p = doc(d.name);
      const ocrBlocks = p.blocks.filter((b) => b.kind === 'ocr');
      expect(ocrBlocks.length, d.name).toBeGreaterThan(0);
      expect(ocrBlocks.every((b) => b.page === d.ocr!.page)).toBe(true);
      const acc = ocrAccuracy(d.ocr!.text, ocrBlocks.map((b) => b.text).join('\n'));
      scores[d.name] = acc;
      expect(acc, d.name).toBeGreaterThanOrEqual(0.9);
    }
    console.log(`OCR character accuracy: ${JSON.stringify(scores)}`);
    expect(Object.keys(scores).sort()).toEqual(['invoice-scan.png', 'scanned-delivery-notes.pdf']);
    // The scanned PDF's first page has a text layer and is not OCR'd.
    expect(doc('scanned-delivery-notes.pdf').blocks.filter((b) => b.page === 1).map((b: Block) => b.kind)).toEqual(['paragraph']);
  });

  it('anchors are unique within a document and the same on a second parse', async () => {
    for (const d of corpus) {
      const anchors = doc(d.name).blocks.map((b) => b.anchor);
      expect(new Set(anchors).size, d.name).toBe(anchors.length);
    }
    for (const name of ['quarterly-report.pdf', 'project-falcon.pptx', 'office-fit-out.docx', 'sales.xlsx']) {
      const d = corpus.find((x) => x.name === name)!;
      const again = await parseDocument(d.bytes, d.type);
      expect(again.blocks.map((b) => [b.anchor, b.text])).toEqual(doc(name).blocks.map((b) => [b.anchor, b.text]));
    }
  });
});

describe('options', () => {
  it('onProgress goes up page by page and ends at 1', async () => {
    const d = corpus.find((x) => x.name === 'manual-20-pages.pdf')!;
    const seen: number[] = [];
    await parseDocument(d.bytes, d.type, { onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThanOrEqual(20);
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });

  it('ocr: false leaves a scanned page empty instead of reading it', async () => {
    const d = corpus.find((x) => x.name === 'scanned-delivery-notes.pdf')!;
    const p = await parseDocument(d.bytes, d.type, { limits: { ocr: false } });
    expect(p.blocks.filter((b) => b.kind === 'ocr')).toEqual([]);
    expect(p.blocks.some((b) => b.page === 1)).toBe(true);
  });

  it('a time limit or an aborted signal stops the parse with TIMEOUT', async () => {
    const d = corpus.find((x) => x.name === 'manual-20-pages.pdf')!;
    expect((await refusal(parseDocument(d.bytes, d.type, { limits: { timeoutMs: 1 } }))).code).toBe('PARSE_TIMEOUT');
    const ac = new AbortController();
    ac.abort();
    expect((await refusal(parseDocument(d.bytes, d.type, { signal: ac.signal }))).code).toBe('PARSE_TIMEOUT');
  });

  it('a small maxUnzippedBytes refuses an ordinary DOCX as ZIP_BOMB, maxPages an ordinary PDF', async () => {
    const docx = corpus.find((x) => x.type === 'docx')!;
    expect((await refusal(parseDocument(docx.bytes, 'docx', { limits: { maxUnzippedBytes: 1000 } }))).code).toBe('ZIP_BOMB');
    const pdf = corpus.find((x) => x.name === 'manual-20-pages.pdf')!;
    const err = await refusal(parseDocument(pdf.bytes, 'pdf', { limits: { maxPages: 10 } }));
    expect(err.code).toBe('TOO_MANY_PAGES');
    expect(err.message).toContain('20');
    expect(err.message).toContain('10');
  });

  it('closeParsers frees the OCR worker; the next OCR starts a new one', async () => {
    const png = corpus.find((x) => x.type === 'image')!;
    await closeParsers();
    const p = await parseDocument(png.bytes, 'image');
    expect(ocrAccuracy(png.ocr!.text, p.blocks.map((b) => b.text).join('\n'))).toBeGreaterThanOrEqual(0.9);
  });

  it('the table worker file is found', () => {
    expect(tablesWorkerPath()).toMatch(/pdf-tables-worker\.mjs$/);
  });
});

describe('bad inputs', () => {
  it('each is refused with its code and a message for a person', async () => {
    expect(bad.map((b) => b.code).sort()).toEqual(expect.arrayContaining(['EMPTY', 'CORRUPT', 'ENCRYPTED', 'TOO_MANY_PAGES', 'ZIP_BOMB', 'TOO_LARGE']));
    const got: Record<string, string> = {};
    for (const b of bad) {
      const err = await refusal(parseDocument(b.bytes, b.type, { limits: b.limits }));
      got[b.name] = err.code;
      expect(err.message.length).toBeGreaterThan(10);
      expect(err.message).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(got).toEqual(Object.fromEntries(bad.map((b) => [b.name, b.code])));
  });

  it('the 5 000-page PDF names both numbers', async () => {
    const b = bad.find((x) => x.code === 'TOO_MANY_PAGES')!;
    const err = await refusal(parseDocument(b.bytes, b.type));
    expect(err.message).toContain('5000');
    expect(err.message).toContain('500');
  });

  it('a library failure in any format becomes CORRUPT', async () => {
    const junk = new TextEncoder().encode('PK\u0005\u0006' + '\u0000'.repeat(18));
    for (const t of ['docx', 'xlsx', 'pptx'] as const) expect((await refusal(parseDocument(junk, t))).code, t).toBe('CORRUPT');
    // A zip that holds no workbook.
    const docx = corpus.find((x) => x.type === 'docx')!;
    expect((await refusal(parseDocument(docx.bytes, 'xlsx'))).code).toBe('CORRUPT');
    expect((await refusal(parseDocument(docx.bytes, 'pptx'))).code).toBe('CORRUPT');
  });
});

describe('detectType', () => {
  it('by content for every corpus document', () => {
    for (const d of corpus) expect(detectType(d.bytes.subarray(0, 4096), d.name), d.name).toBe(d.type);
    // Whole files too (the central directory is then in view).
    for (const d of corpus) expect(detectType(d.bytes, d.name), d.name).toBe(d.type);
  });

  it('the bytes win over the name; the name only tells text kinds apart', () => {
    const png = pngNamedPdf();
    expect(detectType(png.bytes, png.name, 'application/pdf')).toBe('image');
    const docx = corpus.find((x) => x.type === 'docx')!;
    expect(detectType(docx.bytes, 'upload.bin')).toBe('docx');
    expect(detectType(corpus.find((x) => x.type === 'pptx')!.bytes, 'deck.docx')).toBe('pptx');
    expect(detectType(corpus.find((x) => x.name === 'quarterly-report.pdf')!.bytes, 'report.txt')).toBe('pdf');
    const text = new TextEncoder().encode('a,b\n1,2\n');
    expect(detectType(text, 'x.csv')).toBe('csv');
    expect(detectType(text, 'data', 'text/csv')).toBe('csv');
    expect(detectType(text, 'notes.md')).toBe('markdown');
    expect(detectType(text, 'notes.txt')).toBe('text');
    expect(detectType(new TextEncoder().encode('<!DOCTYPE html><html></html>'), 'page')).toBe('html');
    expect(detectType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'photo.jpg')).toBe('image');
    expect(detectType(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]), 'program')).toBeNull();
    expect(detectType(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]), 'archive.zip')).toBeNull();
    // A password-protected DOCX is an OLE file: sent to the DOCX parser, which says ENCRYPTED.
    const locked = bad.find((b) => b.name === 'password.docx')!;
    expect(detectType(locked.bytes, 'locked.docx')).toBe('docx');
    expect(detectType(locked.bytes, 'old.doc')).toBeNull();
  });
});
