// DOCX with mammoth: its HTML output keeps headings (from the Heading styles), paragraphs and
// tables, which the HTML walker turns into blocks. The zip is checked by zip-guard first.
import mammoth from 'mammoth';
import { htmlToBlocks } from './html.js';
import { guardZip } from './zip-guard.js';
import { asParseError, type ParseContext, type ParsedDocument } from './types.js';

export async function parseDocx(bytes: Uint8Array, ctx: ParseContext): Promise<ParsedDocument> {
  const entries = guardZip(bytes, ctx.limits.maxUnzippedBytes);
  if (!entries.has('word/document.xml')) throw asParseError(new Error('no word/document.xml'), 'Word document');
  let html: string;
  try {
    const result = await mammoth.convertToHtml({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
    html = result.value;
    const unknown = result.messages.filter((m) => m.type === 'error');
    for (const m of unknown) ctx.warnings.push(m.message);
  } catch (err) {
    throw asParseError(err, 'Word document');
  }
  // DOCX has no fixed pages (they depend on the renderer): page is null.
  const { blocks, title } = htmlToBlocks(html, { page: null, skipChrome: false });
  const coreTitle = /<dc:title>([^<]*)<\/dc:title>/.exec(new TextDecoder().decode(entries.get('docProps/core.xml') ?? new Uint8Array()))?.[1]?.trim();
  ctx.progress(1);
  return { type: 'docx', title: coreTitle || title, pages: 1, blocks, warnings: ctx.warnings };
}
