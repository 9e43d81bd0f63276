// The parsers' shared vocabulary. Kept apart from index.ts so every per-format file can import it
// without an import cycle through the dispatcher.

export type DocType = 'pdf' | 'docx' | 'xlsx' | 'pptx' | 'csv' | 'html' | 'markdown' | 'text' | 'image';

export type Block = {
  /** Stable, e.g. 'p3.b2' (page 3, block 2), 's2.notes', 'Sheet1!t1': the same input gives the same anchors. */
  anchor: string;
  /** 1-based page / slide / sheet index; null when the format has none. */
  page: number | null;
  /** Nearest heading text (or sheet name / slide title). */
  section: string | null;
  kind: 'heading' | 'paragraph' | 'table' | 'ocr' | 'notes';
  /** Plain text (a table: its rows as tab-separated lines). */
  text: string;
  /** Tables only: cells kept in their row and column. */
  rows?: string[][];
};

export type ParsedDocument = { type: DocType; title: string | null; pages: number; blocks: Block[]; warnings: string[] };

export type ParseLimits = { maxBytes: number; maxPages: number; maxUnzippedBytes: number; ocr: boolean; timeoutMs: number };

export const DEFAULT_LIMITS: ParseLimits = Object.freeze({
  maxBytes: 50 * 1024 * 1024,
  maxPages: 500,
  maxUnzippedBytes: 200 * 1024 * 1024,
  ocr: true,
  timeoutMs: 120_000,
});

export type ParseErrorCode = 'EMPTY' | 'UNSUPPORTED' | 'CORRUPT' | 'ENCRYPTED' | 'TOO_LARGE' | 'TOO_MANY_PAGES' | 'ZIP_BOMB' | 'PARSE_TIMEOUT';

/** The one error the parsers throw: `code` for the program, `message` for a person (never a library's stack). */
export class ParseError extends Error {
  readonly code: ParseErrorCode;
  constructor(code: ParseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParseError';
    this.code = code;
  }
}

/** What a per-format parser receives besides the bytes. */
export type ParseContext = {
  limits: ParseLimits;
  /** Called with 0..1 as pages/sheets/slides are done. */
  progress: (fraction: number) => void;
  signal: AbortSignal;
  warnings: string[];
};

/** Throws the abort reason (a ParseError TIMEOUT, or the caller's reason) when the parse was stopped. */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new ParseError('PARSE_TIMEOUT', 'The document parse was stopped.');
}

/** A library's error as a person-readable CORRUPT ParseError (a ParseError passes through unchanged). */
export function asParseError(err: unknown, what: string): ParseError {
  if (err instanceof ParseError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  const first = detail.split('\n')[0]?.slice(0, 200) ?? '';
  return new ParseError('CORRUPT', `This ${what} could not be read: it looks damaged or is not a valid ${what}${first ? ` (${first})` : ''}.`, { cause: err });
}

/** Collapses runs of whitespace inside a line and trims: what every block's text goes through. */
export function cleanText(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[ \t\u00a0]+/g, ' ').replace(/ *\n */g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** A table block's text: rows as tab-separated lines. */
export function tableText(rows: string[][]): string {
  return rows.map((r) => r.join('\t')).join('\n');
}
