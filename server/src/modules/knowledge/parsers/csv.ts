// CSV/TSV with csv-parse: one table block. The delimiter is guessed from the first line
// (comma, semicolon — European exports — or tab), rows may have uneven lengths.
import { parse } from 'csv-parse/sync';
import { decodeText } from './text.js';
import { asParseError, tableText, type ParseContext, type ParsedDocument } from './types.js';

function guessDelimiter(firstLine: string): string {
  const counts: [string, number][] = [',', ';', '\t', '|'].map((d) => [d, firstLine.split(d).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

export function parseCsv(bytes: Uint8Array, ctx: ParseContext): ParsedDocument {
  const text = decodeText(bytes);
  let rows: string[][];
  try {
    rows = parse(text, {
      delimiter: guessDelimiter(text.split(/\r?\n/, 1)[0] ?? ''),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      bom: true,
    }) as string[][];
  } catch (err) {
    throw asParseError(err, 'CSV file');
  }
  rows = rows.map((r) => r.map((c) => c.trim()));
  ctx.progress(1);
  const blocks = rows.length ? [{ anchor: 't1', page: null, section: null, kind: 'table' as const, text: tableText(rows), rows }] : [];
  return { type: 'csv', title: null, pages: 1, blocks, warnings: ctx.warnings };
}
