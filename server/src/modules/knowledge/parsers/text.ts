// Plain text: paragraphs are separated by blank lines. Bytes are UTF-8 (a BOM is dropped);
// anything that is not valid UTF-8 is read as Windows-1252, the usual legacy encoding.
import { cleanText, type Block, type ParseContext, type ParsedDocument } from './types.js';

export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

export function parseText(bytes: Uint8Array, ctx: ParseContext): ParsedDocument {
  const text = decodeText(bytes).replace(/\r\n?/g, '\n');
  const blocks: Block[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const t = cleanText(para);
    if (t) blocks.push({ anchor: `b${blocks.length + 1}`, page: null, section: null, kind: 'paragraph', text: t });
  }
  ctx.progress(1);
  return { type: 'text', title: null, pages: 1, blocks, warnings: ctx.warnings };
}
