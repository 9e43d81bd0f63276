#!/usr/bin/env node
// Compiles the server (server/src/main.ts and everything it imports from server/src and sdk/src)
// to one JavaScript file, .build/server/main.mjs, with esbuild, so that `npm start` runs plain
// node without the tsx loader (~80 MB less resident: see README, embedded mode). Packages stay
// imports resolved from node_modules at run time (PGlite's WASM, pg-boss, the lazily loaded
// embedding model: nothing of theirs is bundled). A source map is written beside it, for stack
// traces that name the TypeScript sources (node --enable-source-maps: SERVER_NODE_FLAGS).
//   --if-stale   build only when an input changed since the last build: the stamp holds the
//                content hash of every file the last build read (esbuild's metafile), plus
//                tsconfig.json and this script
//   --quiet      print nothing unless it fails
// The TypeScript sources still run as they are under tsx (`npm run atrium`, tests).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SERVER_OUT_DIR = join(ROOT, '.build', 'server');
export const SERVER_ENTRY = join(SERVER_OUT_DIR, 'main.mjs');
const STAMP = join(SERVER_OUT_DIR, '.source-hash');
/** Read by every build besides the sources esbuild reports. */
// The PDF-table worker runs in its own thread from a plain .mjs file, copied next to the bundle.
const PDF_TABLES_WORKER = 'server/src/modules/knowledge/parsers/pdf-tables-worker.mjs';
const ALWAYS = ['tsconfig.json', 'scripts/build-server.mjs', PDF_TABLES_WORKER];

function hashOf(inputs) {
  const h = createHash('sha256');
  for (const rel of [...inputs].sort()) {
    const p = join(ROOT, rel);
    h.update(rel).update('\0').update(existsSync(p) ? readFileSync(p) : 'missing').update('\0');
  }
  return h.digest('hex');
}

/** True when the last build's output is there and none of its inputs changed. */
export function serverBuildIsFresh() {
  if (!existsSync(SERVER_ENTRY) || !existsSync(STAMP)) return false;
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
    return Array.isArray(stamp.inputs) && stamp.inputs.every((p) => existsSync(join(ROOT, p))) && stamp.hash === hashOf(stamp.inputs);
  } catch {
    return false;
  }
}

/** Writes `data` to `path` through a temporary file and a rename: concurrent builds never leave a half-written file. */
function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * The node flags `npm start` runs the compiled server with (package.json's start script:
 * `node <these> .build/server/main.mjs start`; the memory bench measures the same command).
 *   --enable-source-maps      stack traces name the TypeScript sources (main.mjs.map)
 * and two that cap memory an embedded process otherwise keeps for nothing (bench/memory.bench.ts,
 * README, embedded mode):
 *   --v8-pool-size=1          one V8 background thread instead of 4 (compilation, concurrent
 *                             GC): each thread's glibc malloc arena keeps what it freed, ~15 MB
 *                             a thread (~45 MB less resident idle, ~50 MB under the load mix)
 *   --max-semi-space-size=8   V8's young generation grows to 2 × 8 MB instead of 2 × 16 MB
 *                             (~15 MB less resident)
 */
export const SERVER_NODE_FLAGS = ['--enable-source-maps', '--v8-pool-size=1', '--max-semi-space-size=8'];

/** esbuild's options for the server and for anything that must load the way it does (the memory bench). */
export const SERVER_BUILD_OPTIONS = {
  absWorkingDir: ROOT,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  bundle: true,
  // Packages are not bundled: imported from node_modules at run time, like under tsx.
  packages: 'external',
  // Names as in the sources (a bundle renames clashing top-level names: class Foo → Foo2).
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'silent',
  tsconfig: join(ROOT, 'tsconfig.json'),
};

export async function buildServer({ ifStale = false, quiet = false } = {}) {
  if (ifStale && serverBuildIsFresh()) {
    if (!quiet) console.log('server: build is up to date');
    return { built: false, entry: SERVER_ENTRY };
  }
  const esbuild = await import('esbuild');
  const t0 = Date.now();
  try {
    const result = await esbuild.build({
      ...SERVER_BUILD_OPTIONS,
      entryPoints: ['server/src/main.ts'],
      outfile: SERVER_ENTRY,
      metafile: true,
      write: false,
      banner: { js: '// Built by scripts/build-server.mjs from server/src: do not edit.' },
    });
    for (const w of result.warnings) if (!quiet) console.warn(`server: ${w.text}`);
    mkdirSync(SERVER_OUT_DIR, { recursive: true });
    // The map first, the code second, the stamp last: a reader that sees the new stamp sees the new code.
    const files = [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')));
    for (const f of files) writeAtomic(f.path, f.contents);
    writeAtomic(join(SERVER_OUT_DIR, 'pdf-tables-worker.mjs'), readFileSync(join(ROOT, PDF_TABLES_WORKER)));
    const inputs = [...new Set([...Object.keys(result.metafile.inputs).map((p) => relative(ROOT, join(ROOT, p))), ...ALWAYS])];
    writeAtomic(STAMP, JSON.stringify({ hash: hashOf(inputs), inputs }));
    if (!quiet) {
      const bytes = result.outputFiles.find((f) => f.path === SERVER_ENTRY)?.contents.length ?? 0;
      console.log(`server: built in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${relative(ROOT, SERVER_ENTRY)} (${(bytes / 1024).toFixed(0)} KB, ${inputs.length - ALWAYS.length} sources)`);
    }
  } finally {
    await esbuild.stop();
  }
  return { built: true, entry: SERVER_ENTRY };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  try {
    await buildServer({ ifStale: args.includes('--if-stale'), quiet: args.includes('--quiet') });
  } catch (err) {
    // esbuild's errors carry file:line:column; print them plainly.
    for (const e of err?.errors ?? []) console.error(`server: ${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.text}`);
    if (!err?.errors?.length) console.error(err);
    process.exit(1);
  }
}
