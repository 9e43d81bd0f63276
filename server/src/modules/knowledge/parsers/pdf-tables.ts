// The parent side of the ruled-table worker (pdf-tables-worker.mjs; see there for why a worker).
// One worker, started on the first PDF and kept while PDFs keep coming (its start-up, ~0.5–1 s,
// would otherwise be paid per document), ended after IDLE_MS without work so an idle server does
// not keep a second pdf.js resident. Jobs run one at a time. A stopped job (timeout/abort) or a
// crash terminates the worker; the next job starts a fresh one. Tables are a bonus on top of the
// text: the PDF parser turns a failure here into a warning.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export type PageTables = { num: number; tables: string[][][] };
type WorkerReply = { id: number; ok: true; pages: PageTables[] } | { id: number; ok: false; error: string };

const IDLE_MS = 30_000;

/**
 * Where the worker file is. Next to this module under tsx/vitest; after the esbuild bundle
 * (.build/server/main.mjs) wherever build-server.mjs copied it (next to main.mjs), with the
 * source tree as a fallback so a bundle built without the copy still finds it.
 */
export function tablesWorkerPath(): string | null {
  const candidates = [
    new URL('./pdf-tables-worker.mjs', import.meta.url),
    new URL('../../server/src/modules/knowledge/parsers/pdf-tables-worker.mjs', import.meta.url),
  ];
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  return null;
}

let current: Worker | null = null;
let idleTimer: NodeJS.Timeout | null = null;
let queue: Promise<unknown> = Promise.resolve();
let seq = 0;

function drop(w: Worker): void {
  if (current === w) current = null;
  void w.terminate().catch(() => undefined);
}

function worker(): Worker {
  if (current) return current;
  const file = tablesWorkerPath();
  if (!file) throw new Error('the table extractor (pdf-tables-worker.mjs) is missing from this build');
  // stdout/stderr piped: pdf.js warnings stay out of the server's log.
  const w = new Worker(file, { stdout: true, stderr: true });
  w.stdout.resume();
  w.stderr.resume();
  w.on('error', () => drop(w));
  w.on('exit', () => {
    if (current === w) current = null;
  });
  current = w;
  return w;
}

function run(bytes: Uint8Array, signal: AbortSignal): Promise<PageTables[]> {
  return new Promise<PageTables[]>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('stopped'));
    let w: Worker;
    try {
      w = worker();
    } catch (err) {
      return reject(err);
    }
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    w.ref(); // a job in flight keeps the process alive; an idle worker does not
    const id = ++seq;
    const cleanup = () => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      signal.removeEventListener('abort', onAbort);
    };
    const onMessage = (msg: WorkerReply) => {
      if (msg.id !== id) return;
      cleanup();
      if (msg.ok) resolve(msg.pages);
      else reject(new Error(msg.error));
    };
    const onError = (err: Error) => {
      cleanup();
      drop(w);
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the table extractor stopped (exit ${code})`));
    };
    // pdf.js cannot be interrupted mid-page: a stopped job ends the worker.
    const onAbort = () => {
      cleanup();
      drop(w);
      reject(signal.reason instanceof Error ? signal.reason : new Error('stopped'));
    };
    w.on('message', onMessage);
    w.once('error', onError);
    w.once('exit', onExit);
    signal.addEventListener('abort', onAbort, { once: true });
    // A copy, transferred: the caller keeps its bytes, nothing is copied twice.
    const data = new Uint8Array(bytes);
    w.postMessage({ id, data }, [data.buffer]);
  });
}

function scheduleIdle(): void {
  const w = current;
  if (!w) return;
  w.unref();
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (current === w) drop(w);
  }, IDLE_MS);
  idleTimer.unref();
}

/** Ruled tables of every page, one job at a time through the shared worker. */
export function extractPdfTables(bytes: Uint8Array, signal: AbortSignal): Promise<PageTables[]> {
  const job = () => run(bytes, signal);
  const next = queue.then(job, job);
  queue = next.then(scheduleIdle, scheduleIdle);
  return next;
}

export async function closeTableWorkers(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  const w = current;
  current = null;
  if (w) await w.terminate().catch(() => undefined);
}
