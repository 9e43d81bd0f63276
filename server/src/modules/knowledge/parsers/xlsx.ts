// XLSX with exceljs: one table block per sheet (section = sheet name, page = sheet position), each
// cell as its displayed value — a formula gives its cached result (exceljs does not recalculate;
// the file's saved result is what the author saw). The zip is checked by zip-guard first.
import ExcelJS from 'exceljs';
import { guardZip } from './zip-guard.js';
import { asParseError, checkAborted, ParseError, tableText, type Block, type ParseContext, type ParsedDocument } from './types.js';

/** One cell's value as text. */
export function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().replace(/T00:00:00\.000Z$/, '');
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('formula' in v || 'sharedFormula' in v) {
      const r = (v as { result?: unknown }).result;
      if (r === undefined || r === null) return '';
      if (typeof r === 'object' && r && 'error' in r) return String((r as { error: unknown }).error);
      return r instanceof Date ? cellText(r) : String(r);
    }
    if ('hyperlink' in v) return String((v as { text?: unknown }).text ?? v.hyperlink);
    if ('error' in v) return String(v.error);
    return '';
  }
  return String(v);
}

export async function parseXlsx(bytes: Uint8Array, ctx: ParseContext): Promise<ParsedDocument> {
  const entries = guardZip(bytes, ctx.limits.maxUnzippedBytes);
  if (!entries.has('xl/workbook.xml')) throw asParseError(new Error('no xl/workbook.xml'), 'spreadsheet');
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  } catch (err) {
    throw asParseError(err, 'spreadsheet');
  }
  const sheets = wb.worksheets;
  if (sheets.length > ctx.limits.maxPages) throw new ParseError('TOO_MANY_PAGES', `This spreadsheet has ${sheets.length} sheets; at most ${ctx.limits.maxPages} can be read.`);
  const blocks: Block[] = [];
  sheets.forEach((ws, i) => {
    checkAborted(ctx.signal);
    const rows: string[][] = [];
    const width = ws.columnCount;
    for (let r = 1; r <= ws.rowCount; r++) {
      const row = ws.getRow(r);
      const cells: string[] = [];
      for (let c = 1; c <= width; c++) cells.push(cellText(row.getCell(c).value).trim());
      rows.push(cells);
    }
    // Trailing empty rows and columns are formatting, not data.
    while (rows.length && rows[rows.length - 1]!.every((c) => c === '')) rows.pop();
    let used = 0;
    for (const r of rows) for (let c = r.length - 1; c >= 0; c--) if (r[c] !== '') { used = Math.max(used, c + 1); break; }
    const trimmed = rows.map((r) => r.slice(0, used));
    if (trimmed.length) blocks.push({ anchor: `${ws.name}!t1`, page: i + 1, section: ws.name, kind: 'table', text: tableText(trimmed), rows: trimmed });
    ctx.progress((i + 1) / sheets.length);
  });
  const title = wb.title?.trim() || null;
  ctx.progress(1);
  return { type: 'xlsx', title, pages: sheets.length, blocks, warnings: ctx.warnings };
}
