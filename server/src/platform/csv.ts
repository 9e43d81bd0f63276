// CSV for people who open it in a spreadsheet: a cell starting with = + - @ (or a tab/CR)
// would be run as a formula ("CSV injection"), so such cells get a leading apostrophe, which
// spreadsheets show as text (OWASP's recommendation). Everything else is csv-stringify's.
import { stringify } from 'csv-stringify/sync';

const FORMULA_START = /^[=+\-@\t\r]/;

export const neutralise = (cell: string): string => (FORMULA_START.test(cell) ? `'${cell}` : cell);

export function csvRows(rows: readonly (readonly unknown[])[]): string {
  return stringify(rows as unknown[][], { cast: { string: neutralise } });
}
