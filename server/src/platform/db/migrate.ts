// Applies server/migrations/*.sql in order, once each, under an advisory lock so that
// several processes starting together against one Postgres do not race.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../paths.js';
import type { Db } from './index.js';

const MIGRATIONS_DIR = projectPath('server', 'migrations');
const LOCK_KEY = 472_019_331; // arbitrary, constant: "atrium migrations"

export type MigrationReport = { applied: string[]; total: number };

export async function migrate(db: Db): Promise<MigrationReport> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort();
  return db.ownerSession(async (session) => {
    const run = session.executeSql;
    await run(`select pg_advisory_lock(${LOCK_KEY})`);
    try {
      await run(
        `create table if not exists atrium_migrations (name text primary key, applied_at timestamptz not null default now())`,
      );
      const done = new Set(
        ((await run('select name from atrium_migrations')).rows as { name: string }[]).map((r) => r.name),
      );
      const applied: string[] = [];
      for (const file of files) {
        if (done.has(file)) continue;
        const body = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
        try {
          await session.script(`begin;\n${body}\ninsert into atrium_migrations (name) values ('${file}');\ncommit;`);
        } catch (err) {
          await session.script('rollback').catch(() => {});
          throw new Error(`Migration ${file} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(file);
      }
      return { applied, total: files.length };
    } finally {
      await run(`select pg_advisory_unlock(${LOCK_KEY})`);
    }
  });
}
