// A PNG/JPEG is a scan or a photo of text: its OCR text, paragraphs split on blank lines, as 'ocr' blocks on page 1.
import { ocrImage } from './ocr.js';
import { cleanText, ParseError, type Block, type ParseContext, type ParsedDocument } from './types.js';

/** Above this the recogniser's memory (WASM, ~4 bytes a pixel several times over) is at risk: a decompression bomb or a poster. */
export const MAX_IMAGE_PIXELS = 40_000_000;

/** Width and height from a PNG's IHDR or a JPEG's start-of-frame marker; null when the header is not there. */
export function imageSize(b: Uint8Array): { width: number; height: number } | null {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[12] === 0x49 && b[13] === 0x48 && b[14] === 0x44 && b[15] === 0x52) {
    return { width: v.getUint32(16), height: v.getUint32(20) };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let p = 2;
    while (p + 9 < b.length) {
      if (b[p] !== 0xff) return null;
      const marker = b[p + 1]!;
      if (marker === 0xff) {
        p++; // fill byte
        continue;
      }
      const len = v.getUint16(p + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { width: v.getUint16(p + 7), height: v.getUint16(p + 5) };
      if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan before any frame
      p += 2 + len;
    }
  }
  return null;
}

/** A PNG ends with its IEND chunk, a JPEG with the EOI marker (searched near the end: some writers pad after it). */
function hasEnd(b: Uint8Array): boolean {
  const tail = Buffer.from(b.buffer, b.byteOffset, b.byteLength).subarray(Math.max(0, b.length - 4096));
  return b[0] === 0x89 ? tail.indexOf('IEND', 0, 'latin1') >= 0 : tail.indexOf(Uint8Array.from([0xff, 0xd9])) >= 0;
}

export async function parseImage(bytes: Uint8Array, ctx: ParseContext): Promise<ParsedDocument> {
  const blocks: Block[] = [];
  if (!ctx.limits.ocr) {
    ctx.warnings.push('Text recognition (OCR) is turned off, so no text was read from this image.');
  } else {
    // Checked before the recogniser sees it: a bad header is refused here, not deep inside tesseract.
    const size = imageSize(bytes);
    if (!size || size.width === 0 || size.height === 0) throw new ParseError('CORRUPT', 'This image could not be read: it is not a valid PNG or JPEG file.');
    if (!hasEnd(bytes)) throw new ParseError('CORRUPT', 'This image could not be read: the file is cut short (incomplete upload or download?).');
    if (size.width * size.height > MAX_IMAGE_PIXELS) {
      throw new ParseError('TOO_LARGE', `This image is ${size.width} × ${size.height} pixels; images up to ${MAX_IMAGE_PIXELS / 1_000_000} megapixels can be read.`);
    }
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
