// Embedded mode (PGlite, one connection behind a mutex) under 16 concurrent callers of a load
// mix (bench/load-mix.ts: writes of workflows and tasks, task moves, diff/workflow lists,
// dashboard), against the same app on a fresh server-Postgres database in the same run (the
// peer). The app runs in this process (role `all`, jobs on, listening on an ephemeral port)
// over a PGlite data directory on disk, with the plan limits lifted (every request still
// pays the rate-limit count). Lines:
//   embedded.load.c16 — request p50/p99 on PGlite vs server Postgres, and req/s;
//   embedded.lock     — per acquisition of PGlite's connection: queue wait and hold time,
//                       and how much of the hold was statements running (the rest is
//                       JavaScript between statements inside transactions).
// --requests=N (default 2 000), --concurrency=N (default 16).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../server/src/app.js';
import { PLAN_LIMITS_PER_MINUTE } from '../server/src/modules/identity/index.js';
import { loadConfig } from '../server/src/config.js';
import { LockStats } from '../server/src/platform/db/pglite-dialect.js';
import { seedDemo } from '../server/src/seed.js';
import { freshDatabase } from '../server/src/testing/harness.js';
import { DEFAULT_DATABASE_URL, emit, intOption, latency, main, progress, round } from './lib.js';
import { login, runMix, type MixResult } from './load-mix.js';

const TARGET_P99_MS = 200;
const REQUESTS = intOption('requests', 'ATRIUM_BENCH_REQUESTS', 2000);
const CONCURRENCY = intOption('concurrency', 'ATRIUM_BENCH_CONCURRENCY', 16);

type Run = { mix: MixResult; lock: LockStats | null };

async function runOn(db: 'pglite' | 'postgres'): Promise<Run> {
  const dir = db === 'pglite' ? mkdtempSync(join(tmpdir(), 'atrium-bench-')) : null;
  const fresh = db === 'postgres' ? await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL) : null;
  const config = loadConfig({}, { port: 0, logLevel: 'silent', seedDemo: true, dataDir: dir ?? './unused', databaseUrl: fresh?.url });
  const app = await createApp(config);
  try {
    const url = await app.start('all');
    const demo = await seedDemo(app);
    const token = await login(url!, demo.email, demo.password);
    progress(`${db}: warm-up`);
    await runMix(url!, token, 200, CONCURRENCY);
    const lock = app.db.mutex ? (app.db.mutex.stats = new LockStats()) : null;
    progress(`${db}: ${REQUESTS} requests, ${CONCURRENCY} concurrent`);
    const mix = await runMix(url!, token, REQUESTS, CONCURRENCY);
    if (app.db.mutex) app.db.mutex.stats = null;
    if (mix.errors > 0) throw new Error(`${db}: ${mix.errors} failed requests, first: ${mix.firstError}`);
    return { mix, lock };
  } finally {
    await app.stop();
    await fresh?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

main(async () => {
  for (const plan of Object.keys(PLAN_LIMITS_PER_MINUTE)) PLAN_LIMITS_PER_MINUTE[plan] = { person: 1_000_000_000, workspace: 1_000_000_000 };
  const pglite = await runOn('pglite');
  const postgres = await runOn('postgres');
  const ours = latency(pglite.mix.samples);
  const peer = latency(postgres.mix.samples);
  emit({
    bench: 'embedded.load.c16', concurrency: CONCURRENCY, requests: REQUESTS,
    pglite: { ...ours, req_per_s: round((pglite.mix.samples.length / pglite.mix.wallMs) * 1000, 1) },
    peer: 'server Postgres (same app, same mix, same run)',
    postgres: { ...peer, req_per_s: round((postgres.mix.samples.length / postgres.mix.wallMs) * 1000, 1) },
    ratio_p99: round(ours.p99_ms / peer.p99_ms), target_p99_ms: TARGET_P99_MS, met: ours.p99_ms < TARGET_P99_MS,
    pglite_by_kind_p99_ms: Object.fromEntries(Object.entries(pglite.mix.byKind).map(([k, v]) => [k, latency(v).p99_ms])),
    postgres_by_kind_p99_ms: Object.fromEntries(Object.entries(postgres.mix.byKind).map(([k, v]) => [k, latency(v).p99_ms])),
  });
  const l = pglite.lock!;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const held = sum(l.holds);
  const exec = sum(l.execs);
  emit({
    bench: 'embedded.lock', acquisitions: l.holds.length, statements: l.execs.length,
    statements_per_acquisition: round(l.execs.length / Math.max(1, l.holds.length)),
    wait: latency(l.waits), hold: latency(l.holds), statement: latency(l.execs),
    held_ms_total: round(held), statements_ms_total: round(exec),
    peer: 'hold time spent running statements', ratio_statements_of_hold: round(exec / held),
    lock_busy_share_of_wall: round(held / pglite.mix.wallMs),
  });
});
