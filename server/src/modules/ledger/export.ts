// Audit export: the filtered ledger, oldest first, streamed page by page (keyset, one short
// transaction per page) so memory stays flat however many rows there are.
import type { Writable } from 'node:stream';
import { csvRows } from '../../platform/csv.js';
import { writeWithBackpressure } from '../../platform/streams.js';
import type { Db } from '../../platform/db/index.js';
import type { DiffView } from './model.js';
import { filteredDiffs, withAnnotations, type DiffFilters } from './queries.js';

export type ExportFormat = 'csv' | 'jsonl';
const PAGE = 1000;

export const CSV_COLUMNS = [
  'id', 'created_at', 'namespace', 'entity_type', 'entity_id', 'event', 'actor_type', 'actor_id',
  'causation_id', 'correlation_id', 'before', 'after', 'metadata', 'whys',
] as const;

function csvRow(d: DiffView): string[] {
  const json = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v));
  const whys = d.annotations.map((a) => `${a.why} [${a.sentiment > 0 ? '+' : a.sentiment < 0 ? '-' : '0'} ${a.author_id}]`);
  return [
    d.id, d.created_at, d.namespace, d.entity_type, d.entity_id, d.event, d.actor.type, d.actor.id,
    d.causation_id ?? '', d.correlation_id ?? '', json(d.before), json(d.after), json(d.metadata), whys.join(' | '),
  ];
}

export function formatPage(format: ExportFormat, diffs: DiffView[], first: boolean): string {
  if (format === 'jsonl') return diffs.map((d) => JSON.stringify(d)).join('\n') + (diffs.length ? '\n' : '');
  const rows = diffs.map(csvRow);
  return csvRows(first ? [[...CSV_COLUMNS], ...rows] : rows);
}


export async function exportDiffs(db: Db, tenantId: string, f: DiffFilters, format: ExportFormat, out: Writable, visible: (d: DiffView) => DiffView = (d) => d): Promise<number> {
  let last: { at: Date; id: number } | null = null;
  let total = 0;
  if (format === 'csv') await writeWithBackpressure(out, formatPage('csv', [], true));
  for (;;) {
    if (out.destroyed) return total;
    const page: DiffView[] = await db.tenantTx(tenantId, async (tx) => {
      let q = filteredDiffs(tx, f);
      if (last) {
        const { at, id } = last;
        q = q.where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '>', tuple(at, id))) as typeof q;
      }
      const rows = await q.orderBy('created_at').orderBy('id').limit(PAGE).execute();
      const tail = rows.at(-1);
      if (tail) last = { at: tail.created_at, id: tail.id };
      return (await withAnnotations(tx, rows)).map(visible);
    });
    if (page.length > 0) await writeWithBackpressure(out, formatPage(format, page, false));
    total += page.length;
    if (page.length < PAGE) return total;
  }
}
