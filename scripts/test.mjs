#!/usr/bin/env node
// `npm test`: the whole suite twice — on embedded PGlite, then on the PostgreSQL server
// (ATRIUM_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) — then the
// web app's tests once (unit + browser e2e), and a closing line with the totals over all
// runs: "N passed, M failed". ATRIUM_TEST_ONLY=pglite|postgres|web runs one leg.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const serverUrl = process.env.ATRIUM_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const only = process.env.ATRIUM_TEST_ONLY; // 'pglite' | 'postgres' to run one leg
const extra = process.argv.slice(2);
const legs = [
  { name: 'pglite', env: { ATRIUM_TEST_DATABASE_URL: '' } },
  { name: 'postgres', env: { ATRIUM_TEST_DATABASE_URL: serverUrl } },
  // The web app's unit tests and its browser e2e suite (headless Chromium), once: the UI
  // does not depend on the database underneath (PGlite here).
  { name: 'web', env: { ATRIUM_TEST_DATABASE_URL: '' }, args: ['--config', 'web/vitest.config.ts'] },
].filter((l) => !only || l.name === only);

mkdirSync('test-results', { recursive: true });
let passed = 0;
let failed = 0;
let exitCode = 0;
for (const leg of legs) {
  const out = `test-results/vitest-${leg.name}.json`;
  rmSync(out, { force: true });
  console.log(`\n=== test suite on ${leg.name} ===`);
  const run = spawnSync(
    'npx',
    // With a filter (`npm test -- web`), a leg it matches nothing in passes empty.
    ['vitest', 'run', ...(leg.args ?? []), '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...(extra.length ? ['--passWithNoTests'] : []), ...extra],
    { stdio: 'inherit', env: { ...process.env, ...leg.env } },
  );
  let report;
  try {
    report = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    console.error(`no report from the ${leg.name} run (exit ${run.status})`);
    failed += 1;
    exitCode = 1;
    continue;
  }
  // A file that fails before its tests run (import error, browser missing, a failing
  // beforeAll) has no failed assertion: it counts as one failure, so it cannot look green.
  const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((t) => t.status === 'failed')).length;
  const legFailed = report.numFailedTests + brokenFiles;
  passed += report.numPassedTests;
  failed += legFailed;
  console.log(`${leg.name}: ${report.numPassedTests} passed, ${legFailed} failed${brokenFiles ? ` (${brokenFiles} file(s) failed before their tests ran)` : ''}`);
  if (run.status !== 0) exitCode = 1;
  if (run.status !== 0 && legFailed === 0) {
    // vitest failed without naming a failure (e.g. an unhandled error): still a failure.
    failed += 1;
    console.log(`${leg.name}: vitest exited ${run.status} without a failed test; counted as 1 failure`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
