// Ruled-table extraction with pdf-parse, in a worker thread. Plain JavaScript on purpose: the
// same file runs under tsx/vitest and next to the esbuild bundle (a Worker cannot load a
// TypeScript source without a loader, and esbuild does not bundle `new URL(..., import.meta.url)`
// workers). A worker because pdf-parse ships its own pdf.js, which clashes with unpdf's in one
// process ("API version … does not match Worker …").
// In:  workerData = { data: Uint8Array }
// Out: one message { ok: true, pages: [{ num, tables: string[][][] }] } or { ok: false, error }
import { parentPort, workerData } from 'node:worker_threads';

async function main() {
  const { PDFParse } = await import('pdf-parse');
  const parser = new PDFParse({ data: workerData.data, verbosity: 0 });
  try {
    const result = await parser.getTable();
    const pages = result.pages
      .filter((p) => p.tables.length > 0)
      .map((p) => ({ num: p.num, tables: p.tables.map((t) => t.map((row) => row.map((c) => String(c ?? '')))) }));
    parentPort.postMessage({ ok: true, pages });
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

main().catch((err) => {
  parentPort.postMessage({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
});
