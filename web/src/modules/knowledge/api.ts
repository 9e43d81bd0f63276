// Typed calls of the knowledge API (notebooks, sources, passages, search, ask, outputs). Uploads
// are multipart, which the JSON client cannot send: they go through fetch with the same session
// cookie and CSRF echo as every other unsafe request.
import { AtriumError, api, cookie } from '../../api';

export type SourceStatus = 'queued' | 'parsing' | 'parsed' | 'failed';
export type Source = {
  id: string; name: string; origin: 'upload' | 'url'; url: string | null; type: string; size: number; status: SourceStatus; progress: number;
  error: { code: string; message: string } | null; title: string | null; pages: number | null; chunks: number; created_at: string; parsed_at: string | null;
};
export type Notebook = {
  id: string; name: string; description: string; tags: string[]; sources: number; parsed: number; failed: number; chunks: number; updated_at: string; archived?: boolean;
};
export type NotebookDetail = Notebook & { source_list: Source[]; limits: { max_sources: number; max_source_bytes: number } };
export type Refused = { name: string; code: string; message: string };
export type Passage = { id: string; ord: number; page: number | null; section: string | null; anchor: string; kind: string; text: string };
export type Segment = { text: string; hit: boolean };
export type Hit = {
  chunk_id: string; source_id: string; source_name: string; notebook_id: string; notebook_name: string; page: number | null; section: string | null;
  anchor: string; kind: string; text: string; snippet: Segment[]; score: number;
};
export type Citation = { chunk_id: string; source_id: string; source_name: string; page: number | null; section: string | null; anchor: string; quote: string };
export type Claim = { text: string; citations: Citation[]; grounded: boolean };
export type Answer = { question: string; answered: boolean; sentences: Claim[]; mode: 'model' | 'extractive'; provider: string | null; notes: string[] };
export type OutputKind = 'brief' | 'qa' | 'source_map';
export type MapNode = { id: string; name: string; type: string; pages: number | null; entities: string[] };
export type MapEdge = { from: string; to: string; weight: number; shared: string[]; kind: string };
export type SourceMapContent = { nodes: MapNode[]; edges: MapEdge[]; themes: Array<{ name: string; mentions: number; sources: string[] }> };
export type BriefContent = { mode: string; title: string; insights: Claim[]; flagged: Claim[]; notes: string[] };
export type QaContent = { mode: string; pairs: Array<{ question: string; answer: Claim }>; notes: string[] };
export type Output = {
  id: string; kind: OutputKind; status: 'queued' | 'running' | 'ready' | 'failed'; progress: number; version: number; content: unknown;
  provider: string | null; model: string | null; cost_usd: number | null; ms: number | null; created_at?: string; error?: { code: string; message: string } | null;
};

const enc = encodeURIComponent;
const K = '/v1/knowledge';
const req = async <T>(method: string, path: string, body?: unknown, query?: Record<string, string | undefined>): Promise<T> =>
  (await api.request<T>(method, `${K}${path}`, { body, query })).data;

/** Sends files as multipart/form-data, one `file` field each. */
async function upload(notebookId: string, files: readonly File[]): Promise<{ sources: Source[]; refused: Refused[] }> {
  const form = new FormData();
  for (const f of files) form.append('file', f, f.name);
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = cookie('atrium_csrf');
  if (token) headers['x-csrf-token'] = token;
  let res: Response;
  try {
    res = await fetch(`${K}/notebooks/${enc(notebookId)}/sources`, { method: 'POST', body: form, headers, credentials: 'same-origin' });
  } catch {
    throw new AtriumError(0, 'NETWORK', 'network unreachable', [], undefined);
  }
  const env = (await res.json().catch(() => ({ error: { code: res.status >= 500 ? 'INTERNAL' : 'UNKNOWN', message: res.statusText, details: [] } }))) as {
    data?: { sources: Source[]; refused: Refused[] }; error?: { code: string; message: string; details?: [] };
  };
  if (env.error || !env.data) throw new AtriumError(res.status, env.error?.code ?? 'UNKNOWN', env.error?.message ?? res.statusText, env.error?.details ?? [], undefined);
  return env.data;
}

export const knowledge = {
  list: (q?: string, archived = false) => req<Notebook[]>('GET', '/notebooks', undefined, { q: q || undefined, archived: archived ? 'true' : undefined }),
  create: (body: { name: string; description?: string; tags?: string[] }) => req<Notebook>('POST', '/notebooks', body),
  get: (id: string) => req<NotebookDetail>('GET', `/notebooks/${enc(id)}`),
  update: (id: string, patch: { name?: string; description?: string; tags?: string[] }) => req<Notebook>('PATCH', `/notebooks/${enc(id)}`, patch),
  archive: (id: string, why: string) => req<Notebook>('POST', `/notebooks/${enc(id)}/archive`, { why }),
  upload,
  addUrl: (id: string, url: string) => req<Source>('POST', `/notebooks/${enc(id)}/sources/url`, { url }),
  source: (id: string) => req<Source & { notebook_id: string }>('GET', `/sources/${enc(id)}`),
  passages: (id: string) => req<Passage[]>('GET', `/sources/${enc(id)}/passages`),
  fileUrl: (id: string) => `${K}/sources/${enc(id)}/file`,
  remove: (id: string, why?: string) => req<Source>('POST', `/sources/${enc(id)}/remove`, why ? { why } : {}),
  retry: (id: string) => req<Source>('POST', `/sources/${enc(id)}/retry`, {}),
  search: (q: string, notebookId?: string, limit = 20) => req<{ hits: Hit[]; modes: { text: boolean; vector: boolean } }>('GET', '/search', undefined, { q, notebook_id: notebookId, limit: String(limit) }),
  ask: (id: string, question: string, language: 'en' | 'fr' | 'mg') => req<Answer>('POST', `/notebooks/${enc(id)}/ask`, { question, language }),
  generate: (id: string, kind: OutputKind) => req<{ id: string; status: string; version: number }>('POST', `/notebooks/${enc(id)}/outputs`, { kind }),
  outputs: (id: string, kind: OutputKind) => req<Output[]>('GET', `/notebooks/${enc(id)}/outputs`, undefined, { kind }),
  output: (id: string) => req<Output>('GET', `/outputs/${enc(id)}`),
};

/** A source still being worked on: the notebook page polls while one is. */
export const isBusy = (s: Pick<Source, 'status'>): boolean => s.status === 'queued' || s.status === 'parsing';

/** The passage view's address, with the cited passage as its fragment. */
export const passageHref = (notebookId: string, sourceId: string, chunkId?: string): string =>
  `/knowledge/notebooks/${enc(notebookId)}/sources/${enc(sourceId)}${chunkId ? `#${enc(chunkId)}` : ''}`;
