// The parent side of the ruled-table worker (pdf-tables-worker.mjs; see there for why a worker).
// One short-lived worker per PDF: a stuck or failing extraction is ended by terminate() and never
// leaves pdf.js state behind. Tables are a bonus on top of the text: a failure is a warning.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export type PageTables = { num: number; tables: string[][][] };

const running = new Set<Worker>();

/**
 * Where the worker file is. Next to this module under tsx/vitest; after the esbuild bundle
 * (.build/server/main.mjs) it is wherever build-server.mjs copied it (next to main.mjs), with the
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

type WorkerReply = { ok: true; pages: PageTables[] } | { ok: false; error: string };

export function extractPdfTables(bytes: Uint8Array, signal: AbortSignal): Promise<PageTables[]> {
  const file = tablesWorkerPath();
  if (!file) return Promise.reject(new Error('the table extractor (pdf-tables-worker.mjs) is missing from this build'));
  return new Promise<PageTables[]>((resolve, reject) => {
    // A copy: the parent still needs its bytes (unpdf may have detached its own copy).
    const worker = new Worker(file, { workerData: { data: new Uint8Array(bytes) }, stdout: true, stderr: true });
    running.add(worker);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      running.delete(worker);
      void worker.terminate();
      fn();
    };
    const onAbort = () => finish(() => reject(signal.reason instanceof Error ? signal.reason : new Error('stopped')));
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (msg: WorkerReply) => finish(() => (msg.ok ? resolve(msg.pages) : reject(new Error(msg.error)))));
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the table extractor stopped (exit ${code})`))));
    if (signal.aborted) onAbort();
  });
}

export async function closeTableWorkers(): Promise<void> {
  await Promise.all([...running].map((w) => w.terminate()));
  running.clear();
}
