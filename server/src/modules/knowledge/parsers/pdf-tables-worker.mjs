// Ruled-table extraction with pdf-parse, in a worker thread. Plain JavaScript on purpose: the
// same file runs under tsx/vitest and next to the esbuild bundle (a Worker cannot load a
// TypeScript source without a loader, and esbuild does not bundle `new URL(..., import.meta.url)`
// workers). A worker because pdf-parse ships its own pdf.js, which clashes with unpdf's in one
// process ("API version … does not match Worker …").
// The worker lives across jobs (starting it and importing pdf.js costs ~0.5–1 s); the parent
// sends one job at a time and ends the worker when idle (pdf-tables.ts).
// In:  { id, data: Uint8Array }
// Out: { id, ok: true, pages: [{ num, tables: string[][][] }] } or { id, ok: false, error }
import { parentPort } from 'node:worker_threads';

const lib = import('pdf-parse');

parentPort.on('message', async ({ id, data }) => {
  let parser;
  try {
    const { PDFParse } = await lib;
    parser = new PDFParse({ data, verbosity: 0 });
    const result = await parser.getTable();
    const pages = result.pages
      .filter((p) => p.tables.length > 0)
      .map((p) => ({ num: p.num, tables: p.tables.map((t) => t.map((row) => row.map((c) => String(c ?? '')))) }));
    parentPort.postMessage({ id, ok: true, pages });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  } finally {
    await parser?.destroy().catch(() => undefined);
  }
});
