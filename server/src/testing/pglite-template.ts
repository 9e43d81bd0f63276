// Vitest global set-up: one migrated in-memory PGlite, dumped once, that every in-memory test
// database of the run starts from (db/index.ts reads ATRIUM_TEST_PGLITE_TEMPLATE). initdb and
// ~65 migrations in WASM cost ~1.5 s per database on a loaded 2-core machine, and the suite
// opens ~70 of them per leg; loading the dump takes ~0.3 s.
//
// The dump is cached under node_modules/.cache/atrium by a hash of everything that shapes it
// (the migrations, the PGlite and pg-boss versions, the job engine's set-up), so a changed
// migration builds a new one. What the template holds is what `start('serve')` leaves in a
// fresh database (schema, roles, pg-boss tables and queues) and no tenant data; each test
// still runs the migrations (a no-op) and the job engine's start as a fresh database would.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../platform/paths.js';

const cacheDir = projectPath('node_modules', '.cache', 'atrium');

function templateKey(): string {
  const h = createHash('sha256');
  const migrations = projectPath('server', 'migrations');
  for (const f of readdirSync(migrations).sort()) h.update(f).update(readFileSync(join(migrations, f)));
  for (const pkg of ['@electric-sql/pglite', 'pg-boss']) h.update(readFileSync(projectPath('node_modules', pkg, 'package.json')));
  for (const src of ['platform/jobs.ts', 'platform/db/index.ts', 'platform/db/migrate.ts']) h.update(readFileSync(projectPath('server', 'src', src)));
  return h.digest('hex').slice(0, 16);
}

async function buildTemplate(path: string): Promise<void> {
  // Imported here so that a run which finds the cached dump loads none of the app.
  const [{ createApp }, { loadConfig }, { openDb }] = await Promise.all([import('../app.js'), import('../platform/config.js'), import('../platform/db/index.js')]);
  const config = loadConfig({}, { port: 0, databaseUrl: 'memory://', logLevel: 'silent', seedDemo: false, jobs: true });
  const db = await openDb(config);
  const app = await createApp(config, { db });
  try {
    await app.start('serve', { listen: false });
    const dump = Buffer.from(await (await db.dumpDataDir!()).arrayBuffer());
    // Two runs may build at once: each writes its own file and renames it into place.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, dump);
    renameSync(tmp, path);
  } finally {
    await app.stop();
  }
}

export default async function setup(): Promise<void> {
  if (process.env.ATRIUM_TEST_PGLITE_TEMPLATE === 'off') return;
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, `pglite-template-${templateKey()}.tar`);
  delete process.env.ATRIUM_TEST_PGLITE_TEMPLATE; // the template itself starts from initdb
  if (!existsSync(path)) await buildTemplate(path);
  process.env.ATRIUM_TEST_PGLITE_TEMPLATE = path;
}
