// Once per run of the web tests, before any file: the built web app (web/dist, which the server
// serves; built only when missing or stale) and the migrated PGlite template the test servers
// start from. Done here rather than in each suite's beforeAll: the browser suites run two at a
// time, and two builds writing web/dist at once would race.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import buildDatabaseTemplates from '../../server/src/testing/db-templates.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(): Promise<void> {
  execFileSync(process.execPath, [`${ROOT}scripts/build-web.mjs`, '--if-stale'], { stdio: 'inherit' });
  await buildDatabaseTemplates();
}
