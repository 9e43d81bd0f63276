// The web app's initial download: what a browser fetches before the first screen (entry
// script, its preloaded chunks, CSS), gzipped, against the 250 KB budget of issue 7. The
// peer is the same app's whole JavaScript (every screen's chunk), which code splitting
// keeps out of the first load. Builds web/dist first if it is missing or stale.
import { performance } from 'node:perf_hooks';
import { buildWeb, INITIAL_JS_BUDGET } from '../scripts/build-web.mjs';

const t0 = performance.now();
const { built, report } = await buildWeb({ ifStale: true, quiet: true });
const ms = performance.now() - t0;
console.log(
  JSON.stringify({
    bench: 'web.initial_bundle',
    initial_js_gzip_kb: +(report.initial_js_gzip_bytes / 1024).toFixed(1),
    initial_css_gzip_kb: +(report.initial_css_gzip_bytes / 1024).toFixed(1),
    budget_kb: INITIAL_JS_BUDGET / 1024,
    within_budget: report.initial_js_gzip_bytes <= INITIAL_JS_BUDGET,
    peer: { name: 'all JS chunks (no code splitting)', gzip_kb: +(report.all_js_gzip_bytes / 1024).toFixed(1), chunks: report.js_chunks },
    build_ms: built ? Math.round(ms) : null,
  }),
);
if (report.initial_js_gzip_bytes > INITIAL_JS_BUDGET) process.exit(1);
