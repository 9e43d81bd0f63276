// Test PDFs made in memory with pdfkit (text, ruled tables drawn with lines, an embedded scan)
// plus a hand-written 5 000-page PDF (pdfkit would take seconds; the parser must refuse it by its
// page count without reading the pages).
import PDFDocument from 'pdfkit';
import { renderTextPng } from './font.js';

/** Runs `draw` on a fresh pdfkit document and resolves with the finished file. Fixed dates: deterministic bytes. */
export function pdfkitDoc(draw: (doc: PDFKit.PDFDocument) => void, options: PDFKit.PDFDocumentOptions = {}): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, compress: true, info: { CreationDate: new Date(Date.UTC(2026, 0, 15)), ModDate: new Date(Date.UTC(2026, 0, 15)) }, ...options });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
    try {
      draw(doc);
      doc.end();
    } catch (err) {
      reject(err);
    }
  });
}

/** A table with a line around every cell (what pdf-parse's getTable detects). */
export function drawRuledTable(doc: PDFKit.PDFDocument, x: number, y: number, colWidths: number[], rows: string[][], rowH = 22): void {
  const width = colWidths.reduce((a, b) => a + b, 0);
  doc.lineWidth(0.8).strokeColor('#000');
  for (let r = 0; r <= rows.length; r++) doc.moveTo(x, y + r * rowH).lineTo(x + width, y + r * rowH).stroke();
  let cx = x;
  for (let c = 0; c <= colWidths.length; c++) {
    doc.moveTo(cx, y).lineTo(cx, y + rows.length * rowH).stroke();
    cx += colWidths[c] ?? 0;
  }
  doc.fontSize(10).fillColor('#000');
  rows.forEach((row, r) => {
    let tx = x;
    row.forEach((cell, c) => {
      doc.text(cell, tx + 4, y + r * rowH + 6, { width: (colWidths[c] ?? 0) - 8, lineBreak: false });
      tx += colWidths[c] ?? 0;
    });
  });
}

export const REPORT_TABLE: string[][] = [
  ['Region', 'Q1 revenue', 'Q2 revenue', 'Owner'],
  ['North', '120 400', '131 900', 'Alice Moreau'],
  ['South', '98 250', '104 730', 'Bruno Keller'],
  ['East', '143 010', '150 220', 'Chen Wei'],
];

/** Three pages: headings and prose, a ruled table on page 2, a closing page. */
export function quarterlyReportPdf(): Promise<Uint8Array> {
  return pdfkitDoc(
    (doc) => {
      doc.fontSize(22).text('Quarterly Operations Report');
      doc.moveDown();
      doc.fontSize(11).text('This report covers the second quarter for the Lyon warehouse. Headcount grew to 42 people after the spring hiring round.');
      doc.moveDown();
      doc.text('Shipping delays fell by a third once the new carrier contract with Rapidfret started in April.');
      doc.addPage();
      doc.fontSize(18).text('Revenue by region');
      doc.moveDown();
      doc.fontSize(11).text('The table below lists revenue in euros per region and quarter.');
      drawRuledTable(doc, 56, 180, [110, 110, 110, 150], REPORT_TABLE);
      doc.addPage();
      doc.fontSize(18).text('Outlook');
      doc.moveDown();
      doc.fontSize(11).text('The board approved a budget of 2.4 million euros for the automated sorting line, to be installed in November.');
    },
    { info: { Title: 'Quarterly Operations Report', CreationDate: new Date(Date.UTC(2026, 0, 15)) } },
  );
}

/** Twenty pages, each with its own fact (checks pages are not shifted or merged). */
export function twentyPagePdf(): Promise<Uint8Array> {
  return pdfkitDoc((doc) => {
    for (let p = 1; p <= 20; p++) {
      if (p > 1) doc.addPage();
      doc.fontSize(16).text(`Chapter ${p}`);
      doc.moveDown();
      doc.fontSize(11).text(twentyPageFact(p));
      doc.moveDown();
      doc.text('Filler prose that every page carries so the text layer looks like a real manual, with several sentences of ordinary words. '.repeat(6));
    }
  });
}

export const twentyPageFact = (p: number) => `Inspection code for page ${p} is KX-${1000 + p * 7}.`;

export const SCAN_LINES = ['DELIVERY NOTE 5523 FOR ACME SUPPLIES', 'RECEIVED 14 PALLETS ON 2026-03-09', 'SIGNED BY WAREHOUSE CLERK J. RIVERA'];
export const PNG_SCAN_LINES = ['INVOICE 4471 FROM NORTHWIND TRADING', 'TOTAL DUE: 1,250.00 EUR BY 2026-01-31', 'PAYMENT TERMS: NET 30 DAYS'];

/** Page 1 has a text layer; page 2 is an image of text (a scanned page) with only a stamped page number as text. */
export function scannedPdf(): Promise<Uint8Array> {
  const png = Buffer.from(renderTextPng(SCAN_LINES));
  return pdfkitDoc((doc) => {
    doc.fontSize(14).text('Scanned delivery notes, March batch');
    doc.addPage();
    doc.image(png, 40, 60, { width: 515 });
    // Scanners stamp a page number as real text: the page still counts as scanned.
    doc.fontSize(8).text('2', 290, 790, { lineBreak: false });
  });
}

/** A PDF with an /Encrypt dictionary and a user password: cannot be opened without it. */
export function encryptedPdf(): Promise<Uint8Array> {
  return pdfkitDoc((doc) => doc.fontSize(12).text('Salaries 2026: confidential.'), { userPassword: 'secret', ownerPassword: 'owner', pdfVersion: '1.7' });
}

/**
 * A minimal valid PDF with `n` blank pages, written by hand (objects + xref), ~60 bytes a page.
 * Every page shares one empty content stream.
 */
export function manyPagesPdf(n: number): Uint8Array {
  const parts: string[] = [];
  const offsets: number[] = [];
  let length = 0;
  const add = (s: string) => {
    parts.push(s);
    length += s.length; // ASCII only
  };
  const obj = (id: number, body: string) => {
    offsets[id] = length;
    add(`${id} 0 obj\n${body}\nendobj\n`);
  };
  add('%PDF-1.4\n');
  const firstPage = 4;
  obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  const kids: string[] = [];
  for (let i = 0; i < n; i++) kids.push(`${firstPage + i} 0 R`);
  obj(2, `<< /Type /Pages /Count ${n} /Kids [${kids.join(' ')}] /MediaBox [0 0 612 792] >>`);
  obj(3, '<< /Length 0 >>\nstream\n\nendstream');
  for (let i = 0; i < n; i++) obj(firstPage + i, '<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>');
  const total = firstPage + n;
  const xrefAt = length;
  add(`xref\n0 ${total}\n0000000000 65535 f \n`);
  for (let id = 1; id < total; id++) add(`${String(offsets[id]).padStart(10, '0')} 00000 n \n`);
  add(`trailer\n<< /Size ${total} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`);
  return new TextEncoder().encode(parts.join(''));
}
