// Child of memory.bench.ts: builds the embedded app step by step the way `atrium start` does
// and prints one JSON line of process.memoryUsage() per step (after a full GC), with the split
// of the resident pages (bench/proc-memory.ts), so the parent can say which component the
// resident memory belongs to. Run with --expose-gc, compiled the way the server is (the bench
// bundles it like scripts/build-server.mjs, the server modules in a chunk of their own so that
// they load at their step) or under tsx; argv[2] = a fresh data directory (PGlite) or a
// postgres:// URL.
import { performance } from 'node:perf_hooks';
import { rssSplit } from './proc-memory.js';

const target = process.argv[2];
if (!target) throw new Error('usage: memory-components.ts <data-dir | postgres-url>');
let previous = 0;

function step(component: string, ms: number): void {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const mb = (n: number) => Number((n / 1048576).toFixed(1));
  process.stdout.write(
    `${JSON.stringify({ component, rss_mb: mb(m.rss), delta_rss_mb: mb(m.rss - previous), heap_used_mb: mb(m.heapUsed), external_mb: mb(m.external), array_buffers_mb: mb(m.arrayBuffers), ...rssSplit('self'), ms: Math.round(ms) })}\n`,
  );
  previous = m.rss;
}

async function timedStep(component: string, fn: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  await fn();
  step(component, performance.now() - t0);
}

const underTsx = process.execArgv.some((a) => a.includes('tsx'));
step(underTsx ? 'node + tsx loader (nothing imported)' : 'node (nothing imported)', 0);
let mods!: {
  app: typeof import('../server/src/app.js');
  config: typeof import('../server/src/config.js');
  db: typeof import('../server/src/platform/db/index.js');
  migrate: typeof import('../server/src/platform/db/migrate.js');
  seed: typeof import('../server/src/seed.js');
  embeddings: typeof import('../server/src/modules/ai/embeddings.js');
};
await timedStep('server modules imported (app.ts graph)', async () => {
  const [app, config, db, migrate, seed, embeddings] = await Promise.all([
    import('../server/src/app.js'),
    import('../server/src/config.js'),
    import('../server/src/platform/db/index.js'),
    import('../server/src/platform/db/migrate.js'),
    import('../server/src/seed.js'),
    import('../server/src/modules/ai/embeddings.js'),
  ]);
  mods = { app, config, db, migrate, seed, embeddings };
});
const pglite = !target.startsWith('postgres');
const config = mods.config.loadConfig({}, { port: 0, logLevel: 'silent', dataDir: pglite ? target : './unused', databaseUrl: pglite ? undefined : target });
let db!: Awaited<ReturnType<typeof mods.db.openDb>>;
await timedStep(pglite ? 'PGlite open (fresh data dir: initdb in a child, then open)' : 'pg pool open', async () => {
  db = await mods.db.openDb(config);
});
await timedStep('migrations applied', () => mods.migrate.migrate(db));
const app = await mods.app.createApp(config, { db });
await timedStep('jobs (pg-boss) + modules started + HTTP listening', () => app.start('all'));
await timedStep('demo workspace seeded', () => mods.seed.seedDemo(app));
await timedStep('offline embedding model, first use', () => mods.embeddings.offlineEmbed(['invoice is overdue', 'payment is late']));
await app.stop();
process.exit(0);
