// A PNG/JPEG is a scan or a photo of text: its OCR text, paragraphs split on blank lines, as 'ocr' blocks on page 1.
import { ocrImage } from './ocr.js';
import { cleanText, type Block, type ParseContext, type ParsedDocument } from './types.js';

export async function parseImage(bytes: Uint8Array, ctx: ParseContext): Promise<ParsedDocument> {
  const blocks: Block[] = [];
  if (!ctx.limits.ocr) {
    ctx.warnings.push('Text recognition (OCR) is turned off, so no text was read from this image.');
  } else {
    const text = await ocrImage(bytes, ctx.signal);
    for (const para of text.split(/\n\s*\n/)) {
      const t = cleanText(para);
      if (t) blocks.push({ anchor: `p1.ocr${blocks.length + 1}`, page: 1, section: null, kind: 'ocr', text: t });
    }
    if (!blocks.length) ctx.warnings.push('No text was recognised in this image.');
  }
  ctx.progress(1);
  return { type: 'image', title: null, pages: 1, blocks, warnings: ctx.warnings };
}
