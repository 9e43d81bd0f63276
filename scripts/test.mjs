#!/usr/bin/env node
// `npm test`: the whole suite twice — on embedded PGlite, then on the PostgreSQL server
// (ATRIUM_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) — then the
// web app's tests once (unit + browser e2e). Each leg prints "<leg>: N passed, M failed,
// K skipped" and the closing line is the total over all legs: "N passed, M failed, K skipped".
//
// ATRIUM_TEST_ONLY=pglite|postgres|web (or a comma list, e.g. pglite,web) runs those legs;
// an unknown name is an error. Arguments after `--` go to vitest (`npm test -- server/src/x`).
//
// Green means tests ran and passed. The run fails (exit 1) when:
//  - a test failed, or a file failed before its tests ran, or vitest exited non-zero;
//  - no test was executed at all (a filter that matches nothing is not a pass; a leg the
//    filter matches nothing in may be empty as long as another leg ran tests);
//  - a test was skipped (skip, todo, or a false runIf) on every leg that has it — compared by
//    file + full name over the legs' JSON reports. A test that runs on only one database (e.g.
//    `runIf(serverDatabaseUrl())`) is fine: the other leg ran it. When only one of the two
//    database legs runs (ATRIUM_TEST_ONLY), tests skipped there are listed but not failed, as
//    the other database leg might run them; a test-name filter (-t) skips by design, so it
//    turns this check off.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';

const serverUrl = process.env.ATRIUM_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const extra = process.argv.slice(2);
const allLegs = [
  { name: 'pglite', database: true, env: { ATRIUM_TEST_DATABASE_URL: '' } },
  { name: 'postgres', database: true, env: { ATRIUM_TEST_DATABASE_URL: serverUrl } },
  // The web app's unit tests and its browser e2e suite (headless Chromium), once: the UI
  // does not depend on the database underneath (PGlite here).
  { name: 'web', database: false, env: { ATRIUM_TEST_DATABASE_URL: '' }, args: ['--config', 'web/vitest.config.ts'] },
];

const only = (process.env.ATRIUM_TEST_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = only.filter((n) => !allLegs.some((l) => l.name === n));
if (unknown.length) {
  console.error(`ATRIUM_TEST_ONLY: unknown leg ${unknown.map((n) => `'${n}'`).join(', ')}; valid legs: ${allLegs.map((l) => l.name).join(', ')} (one, or a comma list such as pglite,web)`);
  process.exit(2);
}
const legs = allLegs.filter((l) => !only.length || only.includes(l.name));
// Both database legs run the same files: a test skipped on one may run on the other.
const bothDatabases = legs.filter((l) => l.database).length === 2;
const nameFilter = extra.some((a) => a === '-t' || a.startsWith('-t=') || a.startsWith('--testNamePattern') || /^-t./.test(a));

const ran = new Set(['passed', 'failed']);
/** key (file + full name + occurrence) → { legs where it ran, legs where it was skipped } */
const seen = new Map();

mkdirSync('test-results', { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;
let executed = 0;
let exitCode = 0;
for (const leg of legs) {
  const out = `test-results/vitest-${leg.name}.json`;
  rmSync(out, { force: true });
  console.log(`\n=== test suite on ${leg.name} ===`);
  const run = spawnSync(
    'npx',
    // With a filter (`npm test -- web`), a leg it matches nothing in may pass empty here;
    // the totals below refuse a run in which no leg executed a test.
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
  const files = report.testResults ?? [];
  // A file that fails before its tests run (import error, browser missing, a failing
  // beforeAll) has no failed assertion: it counts as one failure, so it cannot look green.
  const brokenFiles = files.filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((t) => t.status === 'failed')).length;
  const legFailed = report.numFailedTests + brokenFiles;
  const legSkipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  passed += report.numPassedTests;
  executed += report.numPassedTests + report.numFailedTests;
  failed += legFailed;
  skipped += legSkipped;
  for (const file of files) {
    const path = relative(process.cwd(), file.name);
    const occurrences = new Map();
    for (const t of file.assertionResults ?? []) {
      const n = (occurrences.get(t.fullName) ?? 0) + 1;
      occurrences.set(t.fullName, n);
      const key = `${path} > ${t.fullName}${n > 1 ? ` (#${n})` : ''}`;
      const entry = seen.get(key) ?? { ran: [], skipped: [], database: leg.database };
      // The tests of a file that failed are already counted as failures: not skips.
      if (ran.has(t.status) || file.status === 'failed') entry.ran.push(leg.name);
      else entry.skipped.push(leg.name);
      seen.set(key, entry);
    }
  }
  console.log(`${leg.name}: ${report.numPassedTests} passed, ${legFailed} failed, ${legSkipped} skipped${brokenFiles ? ` (${brokenFiles} file(s) failed before their tests ran)` : ''}`);
  if (run.status !== 0) exitCode = 1;
  if (run.status !== 0 && legFailed === 0) {
    // vitest failed without naming a failure (e.g. an unhandled error): still a failure.
    failed += 1;
    console.log(`${leg.name}: vitest exited ${run.status} without a failed test; counted as 1 failure`);
  }
}

const neverRan = [...seen].filter(([, e]) => e.ran.length === 0);
if (neverRan.length && nameFilter) {
  console.log(`\n${neverRan.length} test(s) skipped on every leg: not checked, a test-name filter (-t) skips the others`);
} else if (neverRan.length) {
  // With one database leg only, a test skipped there may run on the database leg not run.
  const unchecked = neverRan.filter(([, e]) => e.database && !bothDatabases);
  const wrong = neverRan.filter(([, e]) => !(e.database && !bothDatabases));
  if (unchecked.length) {
    console.log(`\n${unchecked.length} test(s) skipped on ${legs.filter((l) => l.database).map((l) => l.name).join(', ')}, not checked (the other database leg did not run):`);
    for (const [key] of unchecked) console.log(`  - ${key}`);
  }
  if (wrong.length) {
    console.log(`\n${wrong.length} test(s) skipped on every leg that has them (counted as failures):`);
    for (const [key, e] of wrong) console.log(`  - ${key} [skipped on ${e.skipped.join(', ')}]`);
    failed += wrong.length;
    exitCode = 1;
  }
}
if (executed === 0) {
  // Nothing executed (a filter matching no test anywhere, every test skipped): not a pass.
  console.log('\nno test was executed on any leg; counted as 1 failure');
  failed += 1;
  exitCode = 1;
}
if (failed > 0) exitCode = 1;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode);
