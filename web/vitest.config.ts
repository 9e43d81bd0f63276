// The web app's own tests: unit tests (i18n completeness, command parsing, pure helpers)
// and the browser end-to-end suite (real server + headless Chromium). Run once, not per
// database leg: the UI does not depend on which Postgres is underneath.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['web/src/**/*.test.ts', 'web/e2e/**/*.test.ts'],
    // The built web app and the migrated PGlite the test servers start from, once per run.
    globalSetup: ['web/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // expect.poll waits for the page to catch up after a save (a request, a re-render): 1 s,
    // the default, is short on a loaded 2-core machine.
    expect: { poll: { timeout: 10_000 } },
    // The browser suites each start a server and a Chromium; they mostly wait on the page (a
    // suite alone keeps ~40 % of one core busy), so two run at a time.
    fileParallelism: true,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
  },
});
