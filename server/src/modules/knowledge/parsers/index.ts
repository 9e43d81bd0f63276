// The knowledge module's document parsers: bytes in, blocks out, offline, no database.
// Every failure is a ParseError with a code and a sentence for a person; limits (size, pages,
// unzipped size, time) are checked before the expensive work. One file per format:
//   detect.ts (type by content) · pdf.ts + pdf-tables.ts/pdf-tables-worker.mjs · docx.ts · xlsx.ts
//   pptx.ts · csv.ts · html.ts · markdown.ts · text.ts · image.ts + ocr.ts · zip-guard.ts · png.ts
import { parseCsv } from './csv.js';
import { parseDocx } from './docx.js';
import { parseHtml } from './html.js';
import { parseImage } from './image.js';
import { parseMarkdown } from './markdown.js';
import { closeOcr } from './ocr.js';
import { parsePdf } from './pdf.js';
import { closeTableWorkers } from './pdf-tables.js';
import { parsePptx } from './pptx.js';
import { decodeText, parseText } from './text.js';
import { DEFAULT_LIMITS, ParseError, type DocType, type ParseContext, type ParsedDocument, type ParseLimits } from './types.js';
import { parseXlsx } from './xlsx.js';

export { DEFAULT_LIMITS, ParseError } from './types.js';
export type { Block, DocType, ParsedDocument, ParseErrorCode, ParseLimits } from './types.js';
export { detectType } from './detect.js';
export { parseHtml } from './html.js';

/** A size for a person: 512 bytes, 12 KB, 3.4 MB. */
function size(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

export type ParseOptions = { limits?: Partial<ParseLimits>; onProgress?: (fraction: number) => void; signal?: AbortSignal };

/** Parse a whole document. onProgress(0..1) is called as pages/sheets/slides are done. */
export async function parseDocument(bytes: Uint8Array, type: DocType, opts: ParseOptions = {}): Promise<ParsedDocument> {
  const limits: ParseLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  if (bytes.length === 0) throw new ParseError('EMPTY', 'This file is empty (0 bytes).');
  if (bytes.length > limits.maxBytes) {
    throw new ParseError('TOO_LARGE', `This file is ${size(bytes.length)}; files up to ${size(limits.maxBytes)} can be read.`);
  }
  // One controller for the time limit and the caller's signal: parsers watch only ctx.signal.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new ParseError('PARSE_TIMEOUT', `Reading this document took longer than ${limits.timeoutMs >= 1000 ? `${Math.round(limits.timeoutMs / 1000)} s` : `${limits.timeoutMs} ms`} and was stopped.`)),
    limits.timeoutMs,
  );
  // The caller's abort reason may be anything (a DOMException by default): the parse reports TIMEOUT, the one code for "stopped".
  const onCallerAbort = () => controller.abort(opts.signal?.reason instanceof ParseError ? opts.signal.reason : new ParseError('PARSE_TIMEOUT', 'Reading this document was cancelled.'));
  if (opts.signal?.aborted) onCallerAbort();
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let last = 0;
  const ctx: ParseContext = {
    limits,
    signal: controller.signal,
    warnings: [],
    // Monotonic, clamped, and a throwing callback never breaks the parse.
    progress: (f) => {
      const v = Math.max(last, Math.min(1, f));
      if (v === last && v !== 0) return;
      last = v;
      try {
        opts.onProgress?.(v);
      } catch {
        /* the caller's display problem, not the parse's */
      }
    },
  };
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  stopped.catch(() => undefined);
  try {
    const work = dispatch(bytes, type, ctx);
    // If the deadline wins, the abandoned parse's own failure must not surface as an unhandled rejection.
    work.catch(() => undefined);
    // A parser stuck inside a library call still gives way to the deadline.
    return await Promise.race([work, stopped]);
  } catch (err) {
    if (err instanceof ParseError) throw err;
    throw new ParseError('CORRUPT', `This file could not be read (${err instanceof Error ? err.message.split('\n')[0] : String(err)}).`, { cause: err });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
}

async function dispatch(bytes: Uint8Array, type: DocType, ctx: ParseContext): Promise<ParsedDocument> {
  switch (type) {
    case 'pdf':
      return parsePdf(bytes, ctx);
    case 'docx':
      return parseDocx(bytes, ctx);
    case 'xlsx':
      return parseXlsx(bytes, ctx);
    case 'pptx':
      return parsePptx(bytes, ctx);
    case 'csv':
      return parseCsv(bytes, ctx);
    case 'html': {
      const doc = parseHtml(decodeText(bytes));
      ctx.progress(1);
      return { ...doc, warnings: [...ctx.warnings, ...doc.warnings] };
    }
    case 'markdown':
      return parseMarkdown(bytes, ctx);
    case 'text':
      return parseText(bytes, ctx);
    case 'image':
      return parseImage(bytes, ctx);
    default: {
      const never: never = type;
      throw new ParseError('UNSUPPORTED', `This kind of file (${String(never)}) cannot be read.`);
    }
  }
}

/** Free the OCR worker and any running table workers (module stop / test teardown). */
export async function closeParsers(): Promise<void> {
  await Promise.all([closeOcr(), closeTableWorkers()]);
}
