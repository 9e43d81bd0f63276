// The generated corpus (PDFs with a ruled table, 20 pages and a scanned page, a PNG scan, DOCX,
// XLSX, CSV, PPTX, HTML, Markdown, text) through the whole path a person takes: uploaded over
// HTTP in one request, parsed by jobs (OCR on), searched, and synthesised. Parse success ≥ 95 %,
// every known fact found on its page by search, table cells in their row and column, and every
// sentence of the brief and Q&A supported by the passage it cites (citation precision ≥ 0.95).
// The bad inputs fail one by one with their reason and leave nothing searchable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk, waitFor } from '../../testing/http.js';
import { makeBadInputs, makeCorpus, type CorpusDoc } from './corpus/index.js';
import { support } from './grounding.js';

let t: TestApp;
let a: TestTenant;
let corpus: CorpusDoc[];

type Source = { id: string; name: string; status: string; type: string | null; pages: number | null; chunks: number; error: { code: string } | null };
type Passage = { id: string; page: number | null; kind: string; text: string };
type Claim = { text: string; citations: { chunk_id: string }[] };

const get = async <T>(url: string) => (await expectOk<T>(await a.client.raw('GET', url))).data;
const post = async <T>(url: string, body: unknown, status = 200) => (await expectOk<T>(await a.client.raw('POST', url, { body }), status)).data;

async function upload(notebookId: string, files: { name: string; bytes: Uint8Array }[]): Promise<{ sources: Source[]; refused: { name: string; code: string }[] }> {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([new Uint8Array(f.bytes)]), f.name);
  const res = await fetch(`${t.baseUrl}/v1/knowledge/notebooks/${notebookId}/sources`, { method: 'POST', headers: { authorization: `Bearer ${a.token}` }, body: form });
  return (await expectOk<{ sources: Source[]; refused: { name: string; code: string }[] }>(res, 201)).data;
}

/** One request a poll for the whole notebook (polling each source would hit the workspace's rate limit). */
const settledAll = (notebookId: string, ids: string[]) => waitFor('every source settled', async () => {
  const list = (await get<{ source_list: Source[] }>(`/v1/knowledge/notebooks/${notebookId}`)).source_list;
  const all = ids.map((id) => list.find((s) => s.id === id));
  return all.every((s) => s && (s.status === 'parsed' || s.status === 'failed')) ? (all as Source[]) : undefined;
}, 180_000);

const norm = (s: string) => s.replace(/\s+/g, ' ').toLowerCase();

beforeAll(async () => {
  corpus = await makeCorpus();
  t = await startTestApp();
  a = await t.tenant('Corpus');
}, 60_000);
afterAll(() => t?.stop());

describe('the corpus, uploaded and parsed like a person would', () => {
  let notebookId: string;
  let sources: Source[];
  const passages = new Map<string, Passage[]>();

  it('parses at least 95 % of the documents (all of them), each with its pages', async () => {
    notebookId = (await post<{ id: string }>('/v1/knowledge/notebooks', { name: 'Corpus' }, 201)).id;
    const added = await upload(notebookId, corpus.map((d) => ({ name: d.name, bytes: d.bytes })));
    expect(added.refused).toEqual([]);
    sources = await settledAll(notebookId, added.sources.map((s) => s.id));
    const parsed = sources.filter((s) => s.status === 'parsed');
    expect(parsed.length / corpus.length).toBeGreaterThanOrEqual(0.95);
    expect(sources.filter((s) => s.status !== 'parsed').map((s) => [s.name, s.error?.code])).toEqual([]);
    for (const [i, d] of corpus.entries()) {
      expect(sources[i]!.type, d.name).toBe(d.type);
      passages.set(d.name, await get<Passage[]>(`/v1/knowledge/sources/${sources[i]!.id}/passages`));
    }
    expect(sources.find((s) => s.name === 'manual-20-pages.pdf')!.pages).toBe(20);
  }, 240_000);

  it('keeps every known fact on its page, scanned ones included', () => {
    for (const d of corpus) {
      const ps = passages.get(d.name)!;
      for (const f of d.facts) {
        const at = ps.filter((p) => norm(p.text).includes(norm(f.text)));
        expect(at.length, `${d.name}: “${f.text}”`).toBeGreaterThan(0);
        if (f.page !== null && d.type === 'pdf') expect(at.map((p) => p.page), `${d.name}: “${f.text}”`).toContain(f.page);
      }
    }
  });

  it('keeps table cells in their row and column (PDF, DOCX, XLSX, CSV)', () => {
    for (const d of corpus.filter((x) => x.table)) {
      const tables = passages.get(d.name)!.filter((p) => p.kind === 'table');
      expect(tables.length, d.name).toBeGreaterThan(0);
      const rows = tables.flatMap((p) => p.text.split('\n').map((r) => r.split('\t').map((c) => c.trim())));
      for (const row of d.table!.rows) expect(rows, `${d.name}: row ${row.join(' | ')}`).toContainEqual(row.map((c) => c.trim()));
    }
  });

  it('finds facts by search, in the right document', async () => {
    await waitFor('passages embedded', async () => (await get<{ source_list: { semantic: string | null }[] }>(`/v1/knowledge/notebooks/${notebookId}`)).source_list.every((s) => s.semantic === 'ready') || undefined, 120_000);
    let found = 0;
    let asked = 0;
    for (const d of corpus) {
      for (const f of d.facts.slice(0, 3)) {
        asked++;
        const r = await get<{ hits: { source_name: string }[] }>(`/v1/knowledge/search?notebook_id=${notebookId}&limit=5&q=${encodeURIComponent(f.text)}`);
        if (r.hits.some((h) => h.source_name === d.name)) found++;
      }
    }
    // Recall@5 of fact lookups over the corpus.
    expect(found / asked).toBeGreaterThanOrEqual(0.9);
  }, 60_000);

  it('writes a brief and Q&A whose every sentence is supported by the passage it cites', async () => {
    const byId = new Map([...passages.values()].flat().map((p) => [p.id, p.text]));
    const claims: Claim[] = [];
    for (const kind of ['brief', 'qa'] as const) {
      const o = await post<{ id: string }>(`/v1/knowledge/notebooks/${notebookId}/outputs`, { kind }, 201);
      const done = await waitFor(`${kind} ready`, async () => {
        const x = await get<{ status: string; content: { insights?: Claim[]; pairs?: { answer: Claim }[] } }>(`/v1/knowledge/outputs/${o.id}`);
        return x.status === 'ready' || x.status === 'failed' ? x : undefined;
      }, 60_000);
      expect(done.status).toBe('ready');
      if (kind === 'brief') expect(done.content.insights!.length).toBeGreaterThanOrEqual(5);
      else expect(done.content.pairs!.length).toBeGreaterThanOrEqual(20);
      claims.push(...(done.content.insights ?? []), ...(done.content.pairs ?? []).map((p) => p.answer));
    }
    const supported = claims.filter((c) => c.citations.length > 0 && support(c.text, c.citations.map((x) => byId.get(x.chunk_id) ?? '')).supported);
    expect(supported.length / claims.length).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});

describe('the corpus’s bad inputs', () => {
  it('fails each with its reason and leaves no passage behind; refuses private addresses by default', async () => {
    const nb = (await post<{ id: string }>('/v1/knowledge/notebooks', { name: 'Bad inputs' }, 201)).id;
    const bad = (await makeBadInputs()).filter((b) => !b.limits && b.bytes.length > 0 && ['ENCRYPTED', 'TOO_MANY_PAGES', 'ZIP_BOMB', 'CORRUPT'].includes(b.code)).slice(0, 6);
    const added = await upload(nb, bad.map((b) => ({ name: b.name, bytes: b.bytes })));
    const refusedAtUpload = new Set(added.refused.map((r) => r.name));
    const settled = await settledAll(nb, added.sources.map((s) => s.id));
    for (const s of settled) {
      const expected = bad.find((b) => b.name === s.name)!.code;
      expect([s.name, s.status, s.error?.code]).toEqual([s.name, 'failed', expected]);
      expect(await get<unknown[]>(`/v1/knowledge/sources/${s.id}/passages`)).toEqual([]);
    }
    // Only what cannot even be recognised is refused before parsing.
    for (const name of refusedAtUpload) expect(added.refused.find((r) => r.name === name)!.code).toBe('UNSUPPORTED_TYPE');
    expect(settled.length + refusedAtUpload.size).toBe(bad.length);
    await expectError(await a.client.raw('POST', `/v1/knowledge/notebooks/${nb}/sources/url`, { body: { url: 'http://127.0.0.1:5432/' } }), 400, 'UNSAFE_URL');
    await expectError(await a.client.raw('POST', `/v1/knowledge/notebooks/${nb}/sources/url`, { body: { url: 'http://metadata.google.internal/computeMetadata/v1/' } }), 400, 'UNSAFE_URL');
  }, 120_000);
});
