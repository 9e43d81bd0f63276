// The parsers' test corpus: real-world-like documents built IN MEMORY at test time (nothing
// checked in, nothing downloaded), each with the facts it is known to contain and on which page,
// and the bad inputs every parser must refuse with the right ParseError code. Deterministic:
// the same bytes on every run. Also ocrAccuracy(), which the bench reuses.
import type { DocType, ParseErrorCode, ParseLimits } from '../parsers/index.js';
import { renderTextPng } from './font.js';
import { DOCX_TABLE, officeFitOutDocx, PPTX_SLIDES, projectDeckPptx, salesWorkbookXlsx, XLSX_SALES, XLSX_STAFF, zipBombDocx } from './office.js';
import { encryptedPdf, manyPagesPdf, PNG_SCAN_LINES, quarterlyReportPdf, REPORT_TABLE, SCAN_LINES, scannedPdf, twentyPageFact, twentyPagePdf } from './pdfs.js';

export type CorpusFact = { text: string; page: number | null };
export type CorpusDoc = {
  name: string;
  type: DocType;
  bytes: Uint8Array;
  facts: CorpusFact[];
  table?: { page: number | null; rows: string[][] };
  /** The full text an OCR'd page must reproduce (ocrAccuracy ≥ 0.9), with its page. */
  ocr?: { page: number | null; text: string };
  /** Extra tables of the same document (XLSX's second sheet). */
  moreTables?: { page: number | null; rows: string[][] }[];
};
export type BadInput = { name: string; type: DocType; bytes: Uint8Array; code: ParseErrorCode; limits?: Partial<ParseLimits> };

export { DOCX_TABLE, PPTX_SLIDES, XLSX_SALES, XLSX_STAFF } from './office.js';
export { REPORT_TABLE, SCAN_LINES, PNG_SCAN_LINES } from './pdfs.js';
export { renderText, renderTextPng } from './font.js';

const enc = (s: string) => new TextEncoder().encode(s);

export const CSV_ROWS: string[][] = [
  ['invoice', 'customer', 'amount', 'due'],
  ['INV-2041', 'Harbor Foods', '1 840.00', '2026-02-28'],
  ['INV-2042', 'Lumen, Ltd', '392.15', '2026-03-15'],
  ['INV-2043', 'Orchard "North" Co', '7 005.60', '2026-03-31'],
];

function csvBytes(): Uint8Array {
  const q = (c: string) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return enc(`\ufeff${CSV_ROWS.map((r) => r.map(q).join(',')).join('\r\n')}\r\n`);
}

export const HTML_SCRIPT_MARKER = 'TRACKING_PIXEL_SECRET_9931';

function htmlBytes(): Uint8Array {
  return enc(`<!doctype html>
<html><head><title>Cold chain guide | Example Logistics</title>
<style>body { font-family: sans-serif } .STYLE_MARKER_7 { color: red }</style>
<script>window.analytics = "${HTML_SCRIPT_MARKER}"; document.write("INJECTED_BY_SCRIPT");</script>
</head><body>
<nav><a href="/">Home</a> <a href="/pricing">Pricing</a> <a href="/login">Log in</a></nav>
<div class="cookie-banner">We use cookies. <button>Accept all</button></div>
<main><article>
<h1>Keeping the cold chain intact</h1>
<p>Frozen goods must stay below minus eighteen degrees Celsius from the dock to the customer, and every handover is logged.</p>
<p>Drivers check the reefer display every two hours and note the reading in the trip sheet, which is kept for one year.</p>
<h2>When a reading is out of range</h2>
<p>The shipment is quarantined and the quality lead decides within four hours whether it can still be delivered.</p>
<script>console.log("${HTML_SCRIPT_MARKER}")</script>
<p>Quarantined pallets are tagged in orange and moved to bay 12 so they are never loaded by mistake.</p>
</article></main>
<footer>© 2026 Example Logistics · <a href="/privacy">Privacy</a></footer>
<script src="/app.js"></script>
</body></html>`);
}

function markdownBytes(): Uint8Array {
  return enc(`---
title: Onboarding checklist
---
# Onboarding checklist

New hires get a **laptop**, a badge and a [buddy](https://example.com/buddy) on their first day.

## Accounts

| System | Owner | Ready by |
|--------|-------|----------|
| Email | IT desk | Day 1 |
| Payroll | HR | Week 1 |

## First week

- Meet the team lead for a thirty minute intro.
- Finish the security course before Friday.
`);
}

function textBytes(): Uint8Array {
  return enc('Meeting notes, 3 March\r\n\r\nThe parking garage closes for repairs from 10 to 21 March.\r\nStaff can use the lot on Rue Verte instead.\r\n\r\nNext meeting: 17 March.\r\n');
}

const PNG_SIGNATURE_FILE = () => renderTextPng(['THIS IS A PNG']);

/** Every good document with its known facts. Builds in ~1 s. */
export async function makeCorpus(): Promise<CorpusDoc[]> {
  const [report, twenty, scanned, xlsx] = await Promise.all([quarterlyReportPdf(), twentyPagePdf(), scannedPdf(), salesWorkbookXlsx()]);
  const scanPng = renderTextPng(PNG_SCAN_LINES);
  return [
    {
      name: 'quarterly-report.pdf',
      type: 'pdf',
      bytes: report,
      facts: [
        { text: 'Headcount grew to 42 people', page: 1 },
        { text: 'Rapidfret', page: 1 },
        { text: 'Revenue by region', page: 2 },
        { text: 'budget of 2.4 million euros', page: 3 },
      ],
      table: { page: 2, rows: REPORT_TABLE },
    },
    {
      name: 'manual-20-pages.pdf',
      type: 'pdf',
      bytes: twenty,
      facts: Array.from({ length: 20 }, (_, i) => ({ text: twentyPageFact(i + 1), page: i + 1 })),
    },
    {
      name: 'scanned-delivery-notes.pdf',
      type: 'pdf',
      bytes: scanned,
      facts: [
        { text: 'Scanned delivery notes, March batch', page: 1 },
        { text: 'DELIVERY NOTE 5523', page: 2 },
        { text: 'RECEIVED 14 PALLETS', page: 2 },
      ],
      ocr: { page: 2, text: SCAN_LINES.join('\n') },
    },
    {
      name: 'invoice-scan.png',
      type: 'image',
      bytes: scanPng,
      facts: [
        { text: 'INVOICE 4471', page: 1 },
        { text: 'NET 30 DAYS', page: 1 },
      ],
      ocr: { page: 1, text: PNG_SCAN_LINES.join('\n') },
    },
    {
      name: 'office-fit-out.docx',
      type: 'docx',
      bytes: officeFitOutDocx(),
      facts: [
        { text: 'Ghent office move', page: null },
        { text: 'ten year warranty', page: null },
        { text: 'starts on the 14th of September', page: null },
      ],
      table: { page: null, rows: DOCX_TABLE },
    },
    {
      name: 'sales.xlsx',
      type: 'xlsx',
      bytes: xlsx,
      facts: [
        { text: 'Gadget', page: 1 },
        { text: 'Tomas Novak', page: 2 },
      ],
      table: { page: 1, rows: XLSX_SALES },
      moreTables: [{ page: 2, rows: XLSX_STAFF }],
    },
    {
      name: 'invoices.csv',
      type: 'csv',
      bytes: csvBytes(),
      facts: [{ text: 'Orchard "North" Co', page: null }],
      table: { page: null, rows: CSV_ROWS },
    },
    {
      name: 'project-falcon.pptx',
      type: 'pptx',
      bytes: projectDeckPptx(),
      facts: PPTX_SLIDES.flatMap((s, i) => [
        { text: s.body[0]!, page: i + 1 },
        { text: s.notes, page: i + 1 },
      ]),
    },
    {
      name: 'cold-chain.html',
      type: 'html',
      bytes: htmlBytes(),
      facts: [
        { text: 'below minus eighteen degrees Celsius', page: null },
        { text: 'decides within four hours', page: null },
        { text: 'moved to bay 12', page: null },
      ],
    },
    {
      name: 'onboarding.md',
      type: 'markdown',
      bytes: markdownBytes(),
      facts: [
        { text: 'New hires get a laptop, a badge and a buddy', page: null },
        { text: 'Finish the security course before Friday.', page: null },
      ],
      table: {
        page: null,
        rows: [
          ['System', 'Owner', 'Ready by'],
          ['Email', 'IT desk', 'Day 1'],
          ['Payroll', 'HR', 'Week 1'],
        ],
      },
    },
    {
      name: 'meeting-notes.txt',
      type: 'text',
      bytes: textBytes(),
      facts: [{ text: 'closes for repairs from 10 to 21 March', page: null }],
    },
  ];
}

/**
 * Inputs every parser must refuse, with the code expected. The zip bombs inflate to 300 MB
 * (over the default 200 MB limit) from ~300 KB, built by streaming so they never exist inflated.
 */
export async function makeBadInputs(): Promise<BadInput[]> {
  return [
    { name: 'empty.pdf', type: 'pdf', bytes: new Uint8Array(0), code: 'EMPTY' },
    { name: 'garbage.pdf', type: 'pdf', bytes: enc(`%PDF-1.7\n${'not really a pdf \u0001\u0002 '.repeat(200)}`), code: 'CORRUPT' },
    { name: 'locked.pdf', type: 'pdf', bytes: await encryptedPdf(), code: 'ENCRYPTED' },
    { name: 'huge-5000-pages.pdf', type: 'pdf', bytes: manyPagesPdf(5000), code: 'TOO_MANY_PAGES' },
    { name: 'bomb-honest.docx', type: 'docx', bytes: zipBombDocx(300, false), code: 'ZIP_BOMB' },
    { name: 'bomb-lying.docx', type: 'docx', bytes: zipBombDocx(300, true), code: 'ZIP_BOMB' },
    { name: 'not-a-zip.docx', type: 'docx', bytes: enc('PK\u0003\u0004 this is not a real zip at all'), code: 'CORRUPT' },
    { name: 'not-a-zip.xlsx', type: 'xlsx', bytes: enc('just some text pretending to be a workbook'), code: 'CORRUPT' },
    { name: 'big.txt', type: 'text', bytes: enc('x'.repeat(2048)), code: 'TOO_LARGE', limits: { maxBytes: 1024 } },
    { name: 'truncated-scan.png', type: 'image', bytes: truncatedPng(), code: 'CORRUPT' },
    { name: 'poster-40000x40000.png', type: 'image', bytes: hugeHeaderPng(40_000, 40_000), code: 'TOO_LARGE' },
    { name: 'not-an-image.jpg', type: 'image', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]), code: 'CORRUPT' },
    { name: 'password.docx', type: 'docx', bytes: oleWith('EncryptedPackage'), code: 'ENCRYPTED' },
    { name: 'legacy.doc-as.docx', type: 'docx', bytes: oleWith('WordDocument'), code: 'UNSUPPORTED' },
  ];
}

/** A real scan cut short: the header is fine, the pixel data ends early. */
function truncatedPng(): Uint8Array {
  const png = renderTextPng(['CUT SHORT']);
  return png.slice(0, Math.floor(png.length / 2));
}

/** Only a PNG header claiming a huge picture: refused by its size before any pixel is decoded. */
function hugeHeaderPng(width: number, height: number): Uint8Array {
  const png = renderTextPng(['X']).slice();
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  v.setUint32(16, width);
  v.setUint32(20, height);
  return png;
}

/** The start of an OLE compound file naming one stream (UTF-16), as Office writes encrypted or legacy files. */
function oleWith(stream: string): Uint8Array {
  const out = new Uint8Array(1536);
  out.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  [...stream].forEach((c, i) => (out[1024 + i * 2] = c.charCodeAt(0)));
  return out;
}

/** A PNG named .pdf: detectType must say 'image' from its bytes. */
export function pngNamedPdf(): { name: string; bytes: Uint8Array } {
  return { name: 'scan-really-a-png.pdf', bytes: PNG_SIGNATURE_FILE() };
}

function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** OCR character accuracy: 1 − Levenshtein(expected, got) / length(expected), whitespace runs collapsed, clamped to 0..1. */
export function ocrAccuracy(expected: string, got: string): number {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const e = norm(expected);
  const g = norm(got);
  if (!e.length) return g.length ? 0 : 1;
  return Math.max(0, 1 - levenshtein(e, g) / e.length);
}
