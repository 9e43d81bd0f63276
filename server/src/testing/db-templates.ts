// Vitest global set-up: the migrated databases that test servers start from, built once per run.
// A test app's start used to initialise and migrate its own database: initdb + ~65 migrations
// in WASM cost ~1.5 s per in-memory PGlite on a loaded 2-core machine (the suite opens ~70 per
// leg), and ~0.3 s per database on the Postgres server. Now:
//  - PGlite: one migrated in-memory database dumped to a file; db/index.ts opens every memory://
//    database from it when ATRIUM_TEST_PGLITE_TEMPLATE names it (~0.3 s);
//  - server Postgres (ATRIUM_TEST_DATABASE_URL): one migrated database, atrium_tpl_<key>, that
//    `freshDatabase(url, { migrated: true })` copies with CREATE DATABASE … TEMPLATE
//    (ATRIUM_TEST_PG_TEMPLATE names it).
// Both are keyed by a hash of everything that shapes them (the migrations, the PGlite and pg-boss
// versions, the job engine's and the migrator's code), so a changed migration builds new ones.
// They hold what `start('serve')` leaves in a fresh database — schema, roles, pg-boss tables and
// queues — and no tenant data; each test app still runs the migrations (a no-op there) and the
// job engine's start as on any database. Tests of migrating itself use empty databases.
// ATRIUM_TEST_PGLITE_TEMPLATE=off turns both off.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { projectPath } from '../platform/paths.js';

function templateKey(): string {
  const h = createHash('sha256');
  const migrations = projectPath('server', 'migrations');
  for (const f of readdirSync(migrations).sort()) h.update(f).update(readFileSync(join(migrations, f)));
  for (const pkg of ['@electric-sql/pglite', '@electric-sql/pglite-pgvector', 'pg-boss']) h.update(readFileSync(projectPath('node_modules', pkg, 'package.json')));
  for (const src of ['platform/jobs.ts', 'platform/db/index.ts', 'platform/db/migrate.ts']) h.update(readFileSync(projectPath('server', 'src', src)));
  return h.digest('hex').slice(0, 16);
}

/** Starts a serve app without a port over the database and hands it to `withDb` before stopping. */
async function startServeOn(databaseUrl: string, withDb?: (dump: () => Promise<Blob>) => Promise<void>): Promise<void> {
  // Imported here so that a run which finds its templates built loads none of the app.
  const [{ createApp }, { loadConfig }, { openDb }] = await Promise.all([import('../app.js'), import('../config.js'), import('../platform/db/index.js')]);
  const config = loadConfig({}, { port: 0, databaseUrl, logLevel: 'silent', seedDemo: false, jobs: true });
  const db = await openDb(config);
  const app = await createApp(config, { db });
  try {
    await app.start('serve', { listen: false });
    if (withDb) await withDb(() => db.dumpDataDir!());
  } finally {
    await app.stop();
  }
}

async function pgliteTemplate(key: string): Promise<string> {
  const dir = projectPath('node_modules', '.cache', 'atrium');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `pglite-template-${key}.tar`);
  if (existsSync(path)) return path;
  await startServeOn('memory://', async (dump) => {
    // Two runs may build at once: each writes its own file and renames it into place.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await (await dump()).arrayBuffer()));
    renameSync(tmp, path);
  });
  return path;
}

async function serverTemplate(adminUrl: string, key: string): Promise<string> {
  const name = `atrium_tpl_${key}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount) return name;
    // Built under a name of its own, then renamed: a run beside this one may build it too, and
    // nothing may be connected to a database that CREATE DATABASE … TEMPLATE copies.
    const building = `${name}_${process.pid}`;
    await admin.query(`create database ${building}`);
    const url = new URL(adminUrl);
    url.pathname = `/${building}`;
    await startServeOn(url.toString());
    try {
      await admin.query(`alter database ${building} rename to ${name}`);
    } catch {
      await admin.query(`drop database if exists ${building} with (force)`); // the other run won
    }
    // Templates of earlier migrations (best effort: one may be in use by another run).
    const old = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'atrium\\_tpl\\_%' and datname <> $1`, [name]);
    for (const { datname } of old.rows) await admin.query(`drop database if exists ${datname}`).catch(() => {});
    return name;
  } finally {
    await admin.end();
  }
}

export default async function setup(): Promise<void> {
  if (process.env.ATRIUM_TEST_PGLITE_TEMPLATE === 'off') return;
  const key = templateKey();
  // The templates themselves start from empty databases.
  delete process.env.ATRIUM_TEST_PGLITE_TEMPLATE;
  delete process.env.ATRIUM_TEST_PG_TEMPLATE;
  process.env.ATRIUM_TEST_PGLITE_TEMPLATE = await pgliteTemplate(key);
  const server = process.env.ATRIUM_TEST_DATABASE_URL;
  if (server) process.env.ATRIUM_TEST_PG_TEMPLATE = await serverTemplate(server, key);
}
