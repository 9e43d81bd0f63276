#!/usr/bin/env node
// Builds the web app (web/ → web/dist) with Vite, writes .br/.gz next to each asset (served
// pre-compressed), and prints the initial bundle: what the browser must download before the
// first screen (index.html's entry script, its modulepreloads and CSS), gzipped. Fails when
// the initial JS exceeds the 250 KB budget.
//   --if-stale   build only when web/ or sdk/ sources changed since the last build (npm start)
//   --json       print the report as one JSON line (bench)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = join(ROOT, 'web');
const DIST = join(WEB, 'dist');
const STAMP = join(DIST, '.source-hash');
export const INITIAL_JS_BUDGET = 250 * 1024;

function* files(dir, skip = new Set()) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p, skip);
    else yield p;
  }
}

/** A hash of everything the build reads: web sources, config, the SDK, the lockfile. */
function sourceHash() {
  const h = createHash('sha256');
  const inputs = [
    ...files(join(WEB, 'src')),
    join(WEB, 'index.html'),
    join(WEB, 'vite.config.ts'),
    ...files(join(ROOT, 'sdk', 'src')),
    join(ROOT, 'package-lock.json'),
  ].filter((p) => existsSync(p) && !p.endsWith('.test.ts')).sort();
  for (const p of inputs) h.update(relative(ROOT, p)).update('\0').update(readFileSync(p)).update('\0');
  return h.digest('hex');
}

const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** Sizes of the initial download and of everything, gzipped. */
export function bundleReport(dist = DIST) {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<(?:script[^>]*src|link[^>]*href)="\/([^"]+)"/g)].map((m) => m[1]).filter((p) => p.startsWith('assets/'));
  const initialJs = refs.filter((p) => p.endsWith('.js'));
  const initialCss = refs.filter((p) => p.endsWith('.css'));
  const size = (p) => gz(readFileSync(join(dist, p)));
  const assets = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') || f.endsWith('.css'));
  const allJs = assets.filter((f) => f.endsWith('.js'));
  return {
    initial_js_gzip_bytes: initialJs.reduce((n, p) => n + size(p), 0),
    initial_css_gzip_bytes: initialCss.reduce((n, p) => n + size(p), 0),
    initial_files: refs,
    all_js_gzip_bytes: allJs.reduce((n, f) => n + size(`assets/${f}`), 0),
    js_chunks: allJs.length,
    budget_bytes: INITIAL_JS_BUDGET,
  };
}

function precompress(dist = DIST) {
  for (const p of files(dist)) {
    if (!/\.(js|css|html|svg|json|txt)$/.test(p) || statSync(p).size < 1024) continue;
    const buf = readFileSync(p);
    writeFileSync(`${p}.gz`, gzipSync(buf, { level: 9 }));
    writeFileSync(`${p}.br`, brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
}

export async function buildWeb({ ifStale = false, quiet = false } = {}) {
  const hash = sourceHash();
  if (ifStale && existsSync(join(DIST, 'index.html')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) {
    if (!quiet) console.log('web: build is up to date');
    return { built: false, report: bundleReport() };
  }
  // A production build whatever the caller's environment (vitest sets NODE_ENV=test, which
  // would otherwise bundle React's development build).
  process.env.NODE_ENV = 'production';
  const { build } = await import('vite');
  const t0 = Date.now();
  await build({ configFile: join(WEB, 'vite.config.ts'), mode: 'production', logLevel: quiet ? 'error' : 'warn' });
  precompress();
  writeFileSync(STAMP, hash);
  const report = bundleReport();
  writeFileSync(join(DIST, 'bundle-report.json'), JSON.stringify(report, null, 2));
  if (!quiet) {
    console.log(`web: built in ${((Date.now() - t0) / 1000).toFixed(1)} s → web/dist`);
    console.log(
      `web: initial JS ${kb(report.initial_js_gzip_bytes)} gzipped (budget ${kb(INITIAL_JS_BUDGET)}), initial CSS ${kb(report.initial_css_gzip_bytes)}, ` +
        `all JS ${kb(report.all_js_gzip_bytes)} in ${report.js_chunks} chunks`,
    );
  }
  return { built: true, report };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const { report } = await buildWeb({ ifStale: args.includes('--if-stale'), quiet: args.includes('--json') });
  if (args.includes('--json')) console.log(JSON.stringify({ name: 'web.initial_bundle', ...report }));
  if (report.initial_js_gzip_bytes > INITIAL_JS_BUDGET) {
    console.error(`web: initial JS ${kb(report.initial_js_gzip_bytes)} exceeds the ${kb(INITIAL_JS_BUDGET)} budget`);
    process.exit(1);
  }
}
