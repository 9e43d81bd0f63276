// Knowledge over the real HTTP server, database and job engine: a notebook gets documents by
// multipart upload and by URL (a loopback server), each is parsed by a job into passages with
// their page and section, search fuses full text and meaning, a question is answered only from
// the sources with citations (or "the sources do not say"), a brief, Q&A and source map are
// generated and every sentence in them is grounded in the passage it cites; bad input is refused
// with its code and loses nothing; another workspace sees none of it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk, waitFor } from '../../testing/http.js';
import { support } from './grounding.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let site: Server;
let siteUrl: string;

type Source = { id: string; name: string; status: string; type: string | null; pages: number | null; chunks: number; error: { code: string; message: string } | null; progress: number };
type Notebook = { id: string; name: string; sources: number; parsed: number; source_list: Source[] };
type Citation = { chunk_id: string; source_id: string; source_name: string; page: number | null; quote: string };
type Claim = { text: string; citations: Citation[]; grounded: boolean };
type Output = { id: string; kind: string; version: number; status: string; provider: string | null; content: Record<string, unknown> | null };

const post = async <T>(c: TestTenant, url: string, body: unknown, status = 200) => (await expectOk<T>(await c.client.raw('POST', url, { body }), status)).data;
const get = async <T>(c: TestTenant, url: string) => (await expectOk<T>(await c.client.raw('GET', url))).data;

function upload(c: TestTenant, notebookId: string, files: { name: string; type?: string; bytes: Uint8Array | string }[]) {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([typeof f.bytes === 'string' ? f.bytes : new Uint8Array(f.bytes)], { type: f.type ?? 'application/octet-stream' }), f.name);
  return fetch(`${t.baseUrl}/v1/knowledge/notebooks/${notebookId}/sources`, { method: 'POST', headers: { authorization: `Bearer ${c.token}` }, body: form });
}

const settled = (c: TestTenant, id: string) => waitFor(`source ${id} settled`, async () => {
  const s = await get<Source>(c, `/v1/knowledge/sources/${id}`);
  return s.status === 'parsed' || s.status === 'failed' ? s : undefined;
}, 60_000);

const ready = (c: TestTenant, id: string) => waitFor(`output ${id} ready`, async () => {
  const o = await get<Output>(c, `/v1/knowledge/outputs/${id}`);
  return o.status === 'ready' || o.status === 'failed' ? o : undefined;
}, 60_000);

// Documents with known facts: a client onboarding handbook, a contract note, a field report.
const HANDBOOK = [
  '# Riake onboarding handbook', '', '## Contract', '',
  'The contract with Riake Logistics renews on 14 March 2027 for a fee of 18 400 euros per year.',
  'Riake Logistics runs 42 delivery vans between Antananarivo and Toamasina.',
  'The account manager for Riake Logistics is Hery Rakoto, who reports to the operations director.',
  '', '## Onboarding steps', '',
  'Warehouse mapping in Antananarivo starts on the first Monday and takes three working days.',
  'Every new driver attends a two-day defensive driving course before the first delivery.',
  'Route planning uses the shared map of depots, updated by the dispatcher each Friday evening.',
  'Invoices are issued on the fifth day of each month and are payable within thirty days.',
  'The safety audit checks brakes, tyres and fire extinguishers of every van twice a year.',
  'Fuel consumption is reported weekly by each depot manager in the fleet spreadsheet.',
  'Customers receive access to the tracking portal once their first shipment is booked.',
  'Damage claims must be filed within seven days with photographs of the parcel.',
  'The Mahajanga depot handles refrigerated goods and keeps a backup generator on site.',
  'Fianarantsoa receives deliveries on Tuesdays and Thursdays because of the mountain road.',
  'Night deliveries need written approval from the operations director.',
  'Each van carries a first-aid kit, a reflective vest and a printed emergency contact list.',
  'Customer complaints are answered within one business day by the support desk.',
  'Drivers log their hours in the mobile application at the end of every shift.',
  'The dispatcher assigns spare vans when a vehicle fails its morning inspection.',
  'Quarterly business reviews with Riake Logistics compare delivery times against the agreed targets.',
  'Pallets are wrapped in recycled film since the sustainability plan adopted last spring.',
  'Cash on delivery is accepted only for parcels below two hundred thousand ariary.',
  'The training manual is available in Malagasy, French and English.',
  'Cyclone season procedures suspend coastal routes when the national alert reaches red.',
  'New customers sign a data processing agreement before any personal address is shared.',
  'Lost parcels are searched for during five days before the customer is refunded.',
].join('\n');
const REPORT = 'Field report.\nThe Toamasina depot of Riake Logistics reported 3 late deliveries in October because the port road was closed for repairs.\nHery Rakoto proposed moving the morning loading window to 5 am to avoid the port traffic.\nThe safety audit found that all 42 vans passed their brake inspection.';
const CSV = 'region,vans,late_deliveries\nAntananarivo,25,1\nToamasina,17,3\n';

beforeAll(async () => {
  site = createServer((req, res) => {
    if (req.url === '/article') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><head><title>Port works</title><script>window.secret = "RUNME"</script></head><body><nav>Home | About</nav><article><h1>Port road works</h1><p>The port road of Toamasina is closed for repairs until 30 November, which delays deliveries of Riake Logistics by two hours.</p><p>The city expects the works to finish before the cyclone season.</p></article></body></html>');
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: '/article' });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  t = await startTestApp({ config: { knowledge: { maxSourceBytes: 300_000, maxSources: 8, maxPages: 2000, ocr: false, urlAllowPrivate: true } } });
  a = await t.tenant('Knowledge A');
  b = await t.tenant('Knowledge B');
});
afterAll(async () => {
  await t?.stop();
  await new Promise<void>((r) => site?.close(() => r()));
});

describe('a notebook of real documents', () => {
  let nb: Notebook;
  let sources: Source[];

  it('uploads several files in one request, parses each by a job, and records every step as a diff', async () => {
    nb = await post<Notebook>(a, '/v1/knowledge/notebooks', { name: 'Riake onboarding', tags: ['clients'] }, 201);
    const res = await upload(a, nb.id, [
      { name: 'handbook.md', type: 'text/markdown', bytes: HANDBOOK },
      { name: 'field-report.txt', type: 'text/plain', bytes: REPORT },
      { name: 'vans.csv', type: 'text/csv', bytes: CSV },
    ]);
    const added = (await expectOk<{ sources: Source[]; refused: unknown[] }>(res, 201)).data;
    expect(added.sources.map((s) => s.status)).toEqual(['queued', 'queued', 'queued']);
    expect(added.refused).toEqual([]);
    sources = await Promise.all(added.sources.map((s) => settled(a, s.id)));
    expect(sources.map((s) => [s.name, s.status, s.type])).toEqual([['handbook.md', 'parsed', 'markdown'], ['field-report.txt', 'parsed', 'text'], ['vans.csv', 'parsed', 'csv']]);
    expect(sources.every((s) => s.chunks > 0 && s.progress === 1)).toBe(true);
    // Searchable by words at once; by meaning once the embedding job has run.
    const embedded = await waitFor('passages embedded', async () => {
      const list = (await get<{ source_list: (Source & { semantic: string | null })[] }>(a, `/v1/knowledge/notebooks/${nb.id}`)).source_list;
      return list.every((s) => s.semantic === 'ready') ? list : undefined;
    }, 60_000);
    expect(embedded).toHaveLength(3);

    const diffs = await get<{ event: string; actor: { type: string; id: string }; causation_id: number | null; entity_id: string }[]>(a, '/v1/diffs?namespace=academy&limit=50');
    const handbook = sources[0]!;
    const added1 = diffs.find((d) => d.event === 'source.added' && d.entity_id === handbook.id)!;
    const parsed1 = diffs.find((d) => d.event === 'source.parsed' && d.entity_id === handbook.id)!;
    expect(added1.actor.type).toBe('user');
    expect(parsed1.actor).toEqual({ type: 'system', id: 'knowledge' });
    expect(parsed1.causation_id).toBe((added1 as unknown as { id: number }).id);
  });

  it('keeps a table’s cells in their row and column, and the section of every passage', async () => {
    const csv = await get<{ kind: string; text: string }[]>(a, `/v1/knowledge/sources/${sources[2]!.id}/passages`);
    expect(csv[0]!.kind).toBe('table');
    expect(csv[0]!.text.split('\n')[2]!.split('\t')).toEqual(['Toamasina', '17', '3']);
    const hb = await get<{ section: string | null; text: string }[]>(a, `/v1/knowledge/sources/${sources[0]!.id}/passages`);
    expect(hb.find((p) => p.text.includes('18 400 euros'))!.section).toBe('Contract');
    // The original comes back byte for byte, as a download.
    const file = await fetch(`${t.baseUrl}/v1/knowledge/sources/${sources[0]!.id}/file`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="handbook.md"');
    expect(await file.text()).toBe(HANDBOOK);
  });

  it('finds passages by words and by meaning, with highlighted snippets and the page they came from', async () => {
    const r = await get<{ hits: { source_name: string; text: string; snippet: { text: string; hit: boolean }[]; ranks: { text: number | null } }[]; modes: { text: boolean; vector: boolean } }>(
      a, `/v1/knowledge/search?q=${encodeURIComponent('when does the Riake contract renew?')}`);
    expect(r.modes).toEqual({ text: true, vector: true });
    expect(r.hits[0]!.text).toContain('14 March 2027');
    expect(r.hits[0]!.snippet.some((s) => s.hit && /renew/i.test(s.text))).toBe(true);
    // In one notebook only, and nothing from another workspace.
    const other = await post<Notebook>(b, '/v1/knowledge/notebooks', { name: 'B notes' }, 201);
    await expectError(await b.client.raw('GET', `/v1/knowledge/search?q=Riake&notebook_id=${nb.id}`), 404, 'NOT_FOUND');
    const fromB = await get<{ hits: unknown[] }>(b, `/v1/knowledge/search?q=Riake%20Logistics%20contract`);
    expect(fromB.hits).toEqual([]);
    await expectError(await b.client.raw('GET', `/v1/knowledge/notebooks/${nb.id}`), 404, 'NOT_FOUND');
    await expectError(await b.client.raw('GET', `/v1/knowledge/sources/${sources[0]!.id}/passages`), 404, 'NOT_FOUND');
    await expectError(await b.client.raw('GET', `/v1/knowledge/sources/${sources[0]!.id}/file`), 404, 'NOT_FOUND');
    expect((await upload(b, nb.id, [{ name: 'x.txt', bytes: 'A sentence that should never land in A.' }])).status).toBe(404);
    expect(other.id).toBeTruthy();
  });

  it('answers a question only from the sources, each sentence cited — or says the sources do not say', async () => {
    const ans = await post<{ answered: boolean; sentences: Claim[]; mode: string; provider: string; notes: string[] }>(a, `/v1/knowledge/notebooks/${nb.id}/ask`, { question: 'Why were there late deliveries in Toamasina?' });
    expect(ans).toMatchObject({ answered: true, mode: 'extractive', provider: 'offline' });
    expect(ans.notes.join(' ')).toMatch(/offline/);
    expect(ans.sentences[0]!.text).toMatch(/port road was closed/);
    for (const s of ans.sentences) {
      expect(s.citations.length).toBeGreaterThan(0);
      expect(support(s.text, s.citations.map((c) => c.quote)).supported).toBe(true);
    }
    const none = await post<{ answered: boolean; sentences: Claim[] }>(a, `/v1/knowledge/notebooks/${nb.id}/ask`, { question: 'What is the recipe for a chocolate soufflé?' });
    expect(none).toMatchObject({ answered: false, sentences: [] });
    await expectError(await a.client.raw('POST', `/v1/knowledge/notebooks/${nb.id}/ask`, { body: { question: 'x'.repeat(100_000) } }), 400, 'VALIDATION_FAILED');
  });

  it('adds a web page by URL through the guard (redirects followed and checked), without its scripts', async () => {
    const s = await post<Source>(a, `/v1/knowledge/notebooks/${nb.id}/sources/url`, { url: `${siteUrl}/moved` }, 201);
    const done = await settled(a, s.id);
    expect(done).toMatchObject({ status: 'parsed', type: 'html' });
    const passages = await get<{ text: string }[]>(a, `/v1/knowledge/sources/${s.id}/passages`);
    const text = passages.map((p) => p.text).join('\n');
    expect(text).toContain('closed for repairs until 30 November');
    expect(text).not.toContain('RUNME');
    await expectError(await a.client.raw('POST', `/v1/knowledge/notebooks/${nb.id}/sources/url`, { body: { url: 'http://169.254.169.254/latest/meta-data/' } }), 400, 'UNSAFE_URL');
    const missing = await post<Source>(a, `/v1/knowledge/notebooks/${nb.id}/sources/url`, { url: `${siteUrl}/nothing-here` }, 201);
    expect(await settled(a, missing.id)).toMatchObject({ status: 'failed', error: { code: 'URL_UNREACHABLE' } });
  });

  it('generates a brief of at least 5 insights, each grounded in the passage it cites', async () => {
    const o = await post<Output>(a, `/v1/knowledge/notebooks/${nb.id}/outputs`, { kind: 'brief' }, 201);
    expect(o).toMatchObject({ kind: 'brief', version: 1, status: 'queued' });
    const done = await ready(a, o.id);
    expect(done.status).toBe('ready');
    const brief = done.content as { mode: string; insights: Claim[] };
    expect(brief.mode).toBe('extractive');
    expect(brief.insights.length).toBeGreaterThanOrEqual(5);
    const passages = new Map<string, string>();
    const everySource = (await get<Notebook>(a, `/v1/knowledge/notebooks/${nb.id}`)).source_list;
    for (const s of everySource) for (const p of await get<{ id: string; text: string }[]>(a, `/v1/knowledge/sources/${s.id}/passages`)) passages.set(p.id, p.text);
    for (const i of brief.insights) {
      expect(i.citations.length).toBeGreaterThan(0);
      // The cited chunk itself (read back from the source) supports the sentence.
      const cited = i.citations.map((c) => passages.get(c.chunk_id) ?? '');
      expect(support(i.text, cited).supported).toBe(true);
    }
    // Regenerating makes version 2 and keeps version 1.
    const again = await post<Output>(a, `/v1/knowledge/notebooks/${nb.id}/outputs`, { kind: 'brief' }, 201);
    expect(again.version).toBe(2);
    await ready(a, again.id);
    const all = await get<Output[]>(a, `/v1/knowledge/notebooks/${nb.id}/outputs?kind=brief`);
    expect(all.map((x) => x.version)).toEqual([2, 1]);
  });

  it('generates 20 to 40 cited Q&A pairs and a source map linking documents that share names', async () => {
    const qa = await ready(a, (await post<Output>(a, `/v1/knowledge/notebooks/${nb.id}/outputs`, { kind: 'qa' }, 201)).id);
    const pairs = (qa.content as { pairs: { question: string; answer: Claim }[] }).pairs;
    expect(pairs.length).toBeGreaterThanOrEqual(20);
    expect(pairs.length).toBeLessThanOrEqual(40);
    expect(pairs.every((p) => p.question.endsWith('?') && p.answer.grounded && p.answer.citations.length > 0)).toBe(true);
    const map = await ready(a, (await post<Output>(a, `/v1/knowledge/notebooks/${nb.id}/outputs`, { kind: 'source_map' }, 201)).id);
    const m = map.content as { nodes: { id: string }[]; edges: { from: string; to: string; shared: string[] }[]; themes: { name: string; mentions: number }[] };
    const [handbook, report] = sources;
    const edge = m.edges.find((e) => [e.from, e.to].includes(handbook!.id) && [e.from, e.to].includes(report!.id));
    expect(edge?.shared).toEqual(expect.arrayContaining(['Riake Logistics', 'Hery Rakoto']));
    expect(m.themes.find((x) => x.name === 'Riake Logistics')!.mentions).toBeGreaterThanOrEqual(3);
  });
});

describe('bad input loses nothing', () => {
  it('refuses empty, unreadable and oversized files one by one, keeping the good ones', async () => {
    const nb = await post<Notebook>(a, '/v1/knowledge/notebooks', { name: 'Mixed bag' }, 201);
    const res = await upload(a, nb.id, [
      { name: 'empty.pdf', bytes: new Uint8Array(0) },
      { name: 'good.txt', bytes: REPORT },
      { name: 'program.exe', bytes: new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0xb8]) },
      { name: 'huge.txt', bytes: 'x'.repeat(310_000) },
    ]);
    const out = (await expectOk<{ sources: Source[]; refused: { name: string; code: string }[] }>(res, 201)).data;
    expect(out.sources.map((s) => s.name)).toEqual(['good.txt']);
    expect(out.refused.map((r) => [r.name, r.code])).toEqual([['empty.pdf', 'EMPTY_FILE'], ['program.exe', 'UNSUPPORTED_TYPE'], ['huge.txt', 'PAYLOAD_TOO_LARGE']]);
    // A single refused file is the request's answer.
    await expectError(await upload(a, nb.id, [{ name: 'empty.txt', bytes: '' }]), 400, 'EMPTY_FILE');
    await expectError(await a.client.raw('POST', `/v1/knowledge/notebooks/${nb.id}/sources`, { body: { file: 'x' } }), 400, 'MULTIPART_REQUIRED');
    // Nothing of the refused files is stored.
    const blobs = await t.app.db.tenantTx(a.tenantId, (tx) => tx.selectFrom('blobs').select(['id', 'size']).execute());
    expect(blobs.filter((x) => Number(x.size) === 0 || Number(x.size) > 300_000)).toEqual([]);
  });

  it('detects the type by content, whatever the name says', async () => {
    const nb = await post<Notebook>(a, '/v1/knowledge/notebooks', { name: 'Liars' }, 201);
    const res = await upload(a, nb.id, [{ name: 'report.pdf', type: 'application/pdf', bytes: REPORT }]);
    const [s] = (await expectOk<{ sources: Source[] }>(res, 201)).data.sources;
    expect((await settled(a, s!.id))).toMatchObject({ status: 'parsed', type: 'text' });
  });

  it('marks a corrupt document failed with a clear reason and no passages, the others intact', async () => {
    const nb = await post<Notebook>(a, '/v1/knowledge/notebooks', { name: 'Broken' }, 201);
    const res = await upload(a, nb.id, [
      { name: 'broken.pdf', type: 'application/pdf', bytes: '%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage that is no PDF at all' },
      { name: 'fine.txt', bytes: REPORT },
    ]);
    const [broken, fine] = (await expectOk<{ sources: Source[] }>(res, 201)).data.sources;
    const failed = await settled(a, broken!.id);
    expect(failed.status).toBe('failed');
    expect(failed.error!.code).toBe('CORRUPT');
    expect(failed.error!.message.length).toBeGreaterThan(10);
    expect(failed.chunks).toBe(0);
    expect(await get<unknown[]>(a, `/v1/knowledge/sources/${broken!.id}/passages`)).toEqual([]);
    expect((await settled(a, fine!.id)).status).toBe('parsed');
    const diffs = await get<{ event: string; entity_id: string }[]>(a, '/v1/diffs?namespace=academy&limit=100');
    expect(diffs.some((d) => d.event === 'source.failed' && d.entity_id === broken!.id)).toBe(true);
    await expectError(await a.client.raw('POST', `/v1/knowledge/sources/${fine!.id}/retry`, { body: {} }), 409, 'SOURCE_NOT_FAILED');
  });

  it('holds at most the configured number of sources (409 with the limit), and refuses work on archived notebooks', async () => {
    const nb = await post<Notebook>(a, '/v1/knowledge/notebooks', { name: 'Full' }, 201);
    const files = Array.from({ length: 8 }, (_, i) => ({ name: `n${i}.txt`, bytes: `Note number ${i} about the warehouse inventory.` }));
    expect((await expectOk<{ sources: Source[] }>(await upload(a, nb.id, files), 201)).data.sources).toHaveLength(8);
    const over = await expectError(await upload(a, nb.id, [{ name: 'n9.txt', bytes: 'One too many.' }]), 409, 'TOO_MANY_SOURCES');
    expect(over.error.details[0]).toMatchObject({ max_sources: 8 });
    await post(a, `/v1/knowledge/notebooks/${nb.id}/archive`, { why: 'done with it' });
    await expectError(await a.client.raw('POST', `/v1/knowledge/notebooks/${nb.id}/sources/url`, { body: { url: `${siteUrl}/article` } }), 409, 'NOTEBOOK_ARCHIVED');
    await expectError(await a.client.raw('POST', `/v1/knowledge/notebooks`, { body: { name: '' } }), 400, 'VALIDATION_FAILED');
    await expectError(await a.client.raw('POST', `/v1/knowledge/notebooks/${nb.id}/outputs`, { body: { kind: 'poem' } }), 400, 'VALIDATION_FAILED');
  });
});

describe('agents', () => {
  it('can be given knowledge search as a tool: the Knowledge curator has it from the gallery', async () => {
    const tools = await get<{ command: string; allowed: boolean }[]>(a, '/v1/agents/tools');
    expect(tools.find((x) => x.command === 'knowledge.search')).toMatchObject({ allowed: true });
    const curator = await post<{ tools: { command: string; mode: string }[] }>(a, '/v1/agents', { template: 'knowledge_curator', enabled: false }, 201);
    expect(curator.tools).toEqual(expect.arrayContaining([{ command: 'knowledge.search', mode: 'direct' }, { command: 'knowledge.update_notebook', mode: 'approval' }]));
  });
});
