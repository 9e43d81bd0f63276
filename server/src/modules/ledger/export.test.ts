// Audit export: CSV and JSON Lines, oldest first, filtered like /v1/diffs, every row with
// its whys, JSON columns that round-trip, one tenant only, streamed past page boundaries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diff } from '../../../../sdk/src/index.js';
import { inTenant } from '../../platform/context.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError } from '../../testing/http.js';

const COLUMNS = ['id', 'created_at', 'namespace', 'entity_type', 'entity_id', 'event', 'actor_type', 'actor_id',
  'causation_id', 'correlation_id', 'before', 'after', 'metadata', 'whys'];

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let audit: Diff[] = [];

/** RFC 4180, strict: a quote inside an unquoted field or after a closing quote is an error. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let state: 'start' | 'plain' | 'quoted' | 'closed' = 'start';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (state === 'quoted') {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') (field += '"'), i++;
      else state = 'closed';
    } else if (c === ',' || c === '\n' || c === '\r') {
      row.push(field);
      field = '';
      state = 'start';
      if (c !== ',') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        rows.push(row);
        row = [];
      }
    } else if (c === '"') {
      if (state !== 'start') throw new Error(`stray quote at ${i}`);
      state = 'quoted';
    } else {
      if (state === 'closed') throw new Error(`text after closing quote at ${i}`);
      field += c;
      state = 'plain';
    }
  }
  if (state === 'quoted') throw new Error('unterminated quote');
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

async function exportOf(client: TestTenant['client'], format: 'csv' | 'jsonl', query: Record<string, string> = {}) {
  const res = await client.raw('GET', `/v1/export/diffs.${format}`, { query });
  const body = await res.text();
  expect(res.status, body).toBe(200);
  return { res, body };
}
const csvRecords = (body: string) => {
  const [header, ...rows] = parseCsv(body);
  expect(header).toEqual(COLUMNS);
  for (const r of rows) expect(r, JSON.stringify(r)).toHaveLength(COLUMNS.length);
  return rows.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]!])) as Record<string, string>);
};
const jsonl = (body: string) => body.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Diff);

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Export A');
  b = await t.tenant('Export B');
  const first = await a.client.diffs.record({
    namespace: 'audit', entity_type: 'invoice', entity_id: 'inv_1', event: 'invoice.created',
    after: { total: 12.5, lines: [{ sku: 'A,1', qty: 2 }], note: 'He said "ok"\nthen left' }, metadata: { source: 'csv, import', 'é': 'ü' },
    why: 'Billing, as "agreed"\nwith the client', sentiment: 1,
  });
  await a.client.diffs.annotate(first.id, 'Second opinion: fine', -1);
  const second = await a.client.diffs.record({
    namespace: 'audit', entity_type: 'invoice', entity_id: 'inv_1', event: 'invoice.voided', before: { total: 12.5 }, after: null,
    causation_id: first.id, correlation_id: 'corr-42',
  });
  await a.client.diffs.record({ namespace: 'other', entity_type: 'note', entity_id: 'n1', event: 'note.created', after: '=HYPERLINK("x")', why: 'plain' });
  const third = await a.client.diffs.record({ namespace: 'audit', entity_type: 'invoice', entity_id: 'inv_2', event: 'invoice.created', after: { total: 1 } });
  audit = await Promise.all([first, second, third].map((d) => a.client.diffs.get(d.id))); // with every why
  await b.client.diffs.record({ namespace: 'audit', entity_type: 'invoice', entity_id: 'inv_1', event: 'invoice.created', why: 'B secret why' });
});
afterAll(() => t?.stop());

describe('GET /v1/export/diffs.csv', () => {
  it('is a CSV download with the documented header, oldest first, every diff of the tenant', async () => {
    const { res, body } = await exportOf(a.client, 'csv');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="atrium-diffs.csv"');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('x-ratelimit-limit')).toBeTruthy();
    const rows = csvRecords(body);
    const everything = await a.client.diffs.all();
    expect(rows.map((r) => r.id)).toEqual(everything.map((d) => d.id).reverse());
    expect(body).not.toContain('B secret why');
    const note = rows.find((r) => r.namespace === 'other')!;
    expect(JSON.parse(note.after!)).toBe('=HYPERLINK("x")'); // a JSON string value stays a JSON string
  });

  it('neutralises cells a spreadsheet would run as a formula (= + - @): they start with an apostrophe', async () => {
    const d = await a.client.diffs.record({ namespace: 'formula', entity_type: 'cell', entity_id: '@SUM', event: 'cell.created', after: { x: 1 }, why: '=HYPERLINK("http://evil","click")' });
    const [row] = csvRecords((await exportOf(a.client, 'csv', { namespace: 'formula' })).body);
    expect(row!.id).toBe(d.id);
    expect(row!.entity_id).toBe("'@SUM");
    expect(row!.whys!.startsWith(`'=HYPERLINK("http://evil","click")`)).toBe(true);
    expect(row!.namespace).toBe('formula'); // ordinary cells are untouched
  });

  it('each row carries its JSON columns (round-tripping) and all its whys', async () => {
    const rows = csvRecords((await exportOf(a.client, 'csv', { namespace: 'audit' })).body);
    expect(rows.map((r) => r.id)).toEqual(audit.map((d) => d.id));
    for (const [i, d] of audit.entries()) {
      const r = rows[i]!;
      expect(r).toMatchObject({ created_at: d.created_at, namespace: d.namespace, entity_type: d.entity_type, entity_id: d.entity_id, event: d.event });
      expect(r).toMatchObject({ actor_type: d.actor.type, actor_id: d.actor.id, causation_id: d.causation_id ?? '', correlation_id: d.correlation_id ?? '' });
      expect(r.before === '' ? null : JSON.parse(r.before!)).toEqual(d.before);
      expect(r.after === '' ? null : JSON.parse(r.after!)).toEqual(d.after);
      expect(JSON.parse(r.metadata!)).toEqual(d.metadata);
      for (const w of d.annotations) expect(r.whys).toContain(w.why);
    }
    expect(rows[0]!.whys).toBe(`Billing, as "agreed"\nwith the client [+ ${a.userId}] | Second opinion: fine [- ${a.userId}]`);
    expect(rows[1]!.whys).toBe('');
    expect(rows[1]!.causation_id).toBe(audit[0]!.id);
  });

  it('filters like /v1/diffs (entity, event, since, until); no match leaves only the header', async () => {
    const byEntity = csvRecords((await exportOf(a.client, 'csv', { entity_type: 'invoice', entity_id: 'inv_1' })).body);
    expect(byEntity.map((r) => r.id)).toEqual([audit[0]!.id, audit[1]!.id]);
    const byEvent = csvRecords((await exportOf(a.client, 'csv', { event: 'invoice.created', namespace: 'audit' })).body);
    expect(byEvent.map((r) => r.id)).toEqual([audit[0]!.id, audit[2]!.id]);
    const window = csvRecords((await exportOf(a.client, 'csv', { namespace: 'audit', since: audit[1]!.created_at, until: audit[1]!.created_at })).body);
    expect(window.map((r) => r.id)).toEqual([audit[1]!.id]);
    const none = await exportOf(a.client, 'csv', { namespace: 'nothing' });
    expect(none.body.trim()).toBe(COLUMNS.join(','));
  });
});

describe('GET /v1/export/diffs.jsonl', () => {
  it('one JSON diff per line, identical to the API’s diff, whys included', async () => {
    const { res, body } = await exportOf(a.client, 'jsonl', { namespace: 'audit' });
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(body.endsWith('\n')).toBe(true);
    expect(jsonl(body)).toEqual(audit);
    expect(jsonl(body)[0]!.annotations.map((x) => [x.why, x.sentiment])).toEqual([
      ['Billing, as "agreed"\nwith the client', 1],
      ['Second opinion: fine', -1],
    ]);
  });

  it('is empty when nothing matches, and never holds another tenant’s diff', async () => {
    expect((await exportOf(a.client, 'jsonl', { namespace: 'nothing' })).body).toBe('');
    const bRows = jsonl((await exportOf(b.client, 'jsonl')).body);
    const bAll = await b.client.diffs.all();
    expect(bRows.map((d) => d.id)).toEqual(bAll.map((d) => d.id).reverse());
    expect(bRows.some((d) => audit.some((x) => x.id === d.id))).toBe(false);
  });

  it('streams past the 1000-row page without losing or repeating a row (ties on created_at included)', async () => {
    const inputs = Array.from({ length: 1005 }, (_, i) => ({ namespace: 'many', entityType: 'row', entityId: `r${i}`, event: 'row.created', after: { i } }));
    await inTenant(t.app.db, { tenantId: a.tenantId, actor: { type: 'system', id: 'test' } }, (ctx) => t.app.ledger.recordBatch(ctx, inputs));
    const rows = jsonl((await exportOf(a.client, 'jsonl', { namespace: 'many' })).body);
    expect(rows).toHaveLength(1005);
    expect(rows.map((d) => d.after)).toEqual(inputs.map((x) => x.after));
    const csv = csvRecords((await exportOf(a.client, 'csv', { namespace: 'many' })).body);
    expect(csv.map((r) => r.id)).toEqual(rows.map((d) => d.id));
  });
});

describe('export errors are JSON envelopes', () => {
  it('401 without credentials, 400 for a bad filter or an unknown parameter', async () => {
    for (const format of ['csv', 'jsonl']) {
      await expectError(await t.client().raw('GET', `/v1/export/diffs.${format}`), 401, 'UNAUTHENTICATED');
      await expectError(await t.client('atr_not_a_real_key_at_all_000000').raw('GET', `/v1/export/diffs.${format}`), 401, 'UNAUTHENTICATED');
      await expectError(await a.client.raw('GET', `/v1/export/diffs.${format}`, { query: { since: 'yesterday' } }), 400, 'VALIDATION_FAILED');
      await expectError(await a.client.raw('GET', `/v1/export/diffs.${format}`, { query: { limit: '5' } }), 400, 'VALIDATION_FAILED');
    }
    await expectError(await a.client.raw('GET', '/v1/export/diffs.xml'), 404, 'NOT_FOUND');
  });
});
