// Content sniffing: the bytes decide the family (PDF, PNG/JPEG, zip → which Office format),
// the file name / MIME only tells the text kinds apart (CSV, HTML, Markdown, plain text),
// because those have no magic bytes. A ".pdf" that is really a PNG is an image.
import type { DocType } from './types.js';

function startsWith(head: Uint8Array, sig: number[], at = 0): boolean {
  if (head.length < at + sig.length) return false;
  return sig.every((b, i) => head[at + i] === b);
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Index of `needle` in `hay`, or -1 (Buffer's native search: `head` may be a whole 50 MB file). */
function indexOf(hay: Uint8Array, needle: number[]): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Uint8Array.from(needle));
}

/**
 * Which Office format a zip holds, from the entry names in its local file headers (names are
 * stored uncompressed, so the first bytes are enough; OOXML puts [Content_Types].xml and the
 * part folders up front) and, when `head` is the whole file, the central directory too.
 */
function officeKind(head: Uint8Array): DocType | null {
  const has = (prefix: string) => indexOf(head, ascii(prefix)) >= 0;
  // Order matters only for odd files carrying several; the main part decides.
  if (has('word/document.xml') || has('word/')) return 'docx';
  if (has('xl/workbook.xml') || has('xl/')) return 'xlsx';
  if (has('ppt/presentation.xml') || has('ppt/')) return 'pptx';
  return null;
}

function extOf(filename: string): string {
  const m = /\.([A-Za-z0-9]+)$/.exec(filename.trim());
  return m ? m[1]!.toLowerCase() : '';
}

/** True when the first bytes decode as text (no NULs, mostly printable): a guard before trusting a text extension. */
function looksLikeText(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096);
  if (n === 0) return true;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) bad++;
  }
  return bad / n < 0.05;
}

/**
 * `head`: the first bytes of the file — at least 64 KB for Office files, whose part names sit in
 * the local headers near the start — or the whole file.
 */
export function detectType(head: Uint8Array, filename: string, mime?: string | null): DocType | null {
  // %PDF may follow a little junk (the spec allows it within the first 1024 bytes).
  const pdfAt = indexOf(head.subarray(0, 1024), ascii('%PDF-'));
  if (pdfAt >= 0) return 'pdf';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    const kind = officeKind(head);
    if (kind) return kind;
    // A zip whose first bytes do not say: trust the extension only for the three Office kinds.
    const ext = extOf(filename);
    if (ext === 'docx') return 'docx';
    if (ext === 'xlsx') return 'xlsx';
    if (ext === 'pptx') return 'pptx';
    return null;
  }
  // An OLE compound file named as a new-format Office file: a password-protected one (or a renamed
  // legacy file). Handed to that parser, which says which, clearly, rather than "unsupported".
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    const ext = extOf(filename);
    return ext === 'docx' || ext === 'xlsx' || ext === 'pptx' ? ext : null;
  }
  if (!looksLikeText(head)) return null;
  const ext = extOf(filename);
  const m = (mime ?? '').toLowerCase().split(';')[0]!.trim();
  if (ext === 'csv' || ext === 'tsv' || m === 'text/csv' || m === 'text/tab-separated-values') return 'csv';
  if (ext === 'html' || ext === 'htm' || ext === 'xhtml' || m === 'text/html' || m === 'application/xhtml+xml') return 'html';
  if (ext === 'md' || ext === 'markdown' || ext === 'mdown' || m === 'text/markdown' || m === 'text/x-markdown') return 'markdown';
  if (ext === 'txt' || ext === 'text' || ext === 'log' || m === 'text/plain') return 'text';
  // No helpful name: sniff an HTML document by its opening.
  const start = new TextDecoder().decode(head.subarray(0, 512)).trimStart().toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'html';
  if (ext === '' || m.startsWith('text/')) return 'text';
  // A name that claims a binary format (report.pdf, scan.png) over bytes that are plain text: the
  // content wins, as for any other lie about the type.
  if (BINARY_EXTENSIONS.has(ext) || /^(application\/(pdf|msword|vnd\.)|image\/)/.test(m)) return 'text';
  return null;
}

const BINARY_EXTENSIONS = new Set(['pdf', 'docx', 'xlsx', 'pptx', 'doc', 'xls', 'ppt', 'png', 'jpg', 'jpeg', 'gif', 'tif', 'tiff', 'webp']);
