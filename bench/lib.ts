// Shared bench plumbing: where to run (a fresh database on server Postgres, or embedded
// PGlite with --pglite), a started app over it, a raw executor for the peer, timing and
// percentiles, and the one-JSON-line-per-measurement output (progress goes to stderr).
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import pg from 'pg';
import { createApp, type App } from '../server/src/app.js';
import { loadConfig, type AtriumConfig } from '../server/src/config.js';
import { freshDatabase } from '../server/src/testing/harness.js';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** `--name=value` or `--name` from argv. */
export function flag(name: string): string | undefined {
  for (const arg of process.argv.slice(2)) {
    if (arg === `--${name}`) return 'true';
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

export const usePGlite = (): boolean => flag('pglite') !== undefined || process.env.ATRIUM_BENCH_PGLITE === '1';

export function intOption(name: string, env: string, fallback: number): number {
  const raw = flag(name) ?? process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} / ${env} must be a positive integer, got ${raw}`);
  return n;
}

export const progress = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** One measurement, one line on stdout; the machine's load says how far to trust absolute figures. */
export function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...line, loadavg_1m: Number(loadavg()[0]!.toFixed(2)), cores: availableParallelism() })}\n`);
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export type Latency = { n: number; p50_ms: number; p95_ms: number; p99_ms: number; max_ms: number; mean_ms: number };

export function latency(samplesMs: readonly number[]): Latency {
  const s = [...samplesMs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return {
    n: s.length,
    p50_ms: round(percentile(s, 50), 3),
    p95_ms: round(percentile(s, 95), 3),
    p99_ms: round(percentile(s, 99), 3),
    max_ms: round(s.at(-1) ?? Number.NaN, 3),
    mean_ms: round(mean, 3),
  };
}

/** What stalled this process's event loop while a measurement ran (the cause of tail latency). */
export type LoopStalls = {
  loop_delay_p50_ms: number; loop_delay_p90_ms: number; loop_delay_p99_ms: number; loop_delay_max_ms: number;
  gc_count: number; gc_ms: number; gc_max_ms: number;
};

/**
 * Starts an event-loop delay histogram (perf_hooks, 10 ms resolution → sampled every 10 ms; the
 * figures are how late the loop ran a timer) and a GC observer; `stop()` reports both. A p99 of
 * requests far above the loop's p99 points outside this process (database, network); a loop
 * p99 near it points inside (GC, synchronous work).
 */
export function watchLoop(): { stop(): LoopStalls } {
  const RESOLUTION_MS = 10;
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const pauses: number[] = [];
  const gc = new PerformanceObserver((list) => { for (const e of list.getEntries()) pauses.push(e.duration); });
  gc.observe({ entryTypes: ['gc'] });
  h.enable();
  // The histogram records each interval between its timer runs: the resolution is subtracted so
  // the figures are how late the loop was.
  const ms = (ns: number) => round(Math.max(0, ns / 1e6 - RESOLUTION_MS), 2);
  return {
    stop() {
      h.disable();
      gc.disconnect();
      return {
        loop_delay_p50_ms: ms(h.percentile(50)), loop_delay_p90_ms: ms(h.percentile(90)), loop_delay_p99_ms: ms(h.percentile(99)), loop_delay_max_ms: ms(h.max),
        gc_count: pauses.length, gc_ms: round(pauses.reduce((a, b) => a + b, 0), 1), gc_max_ms: round(Math.max(0, ...pauses), 2),
      };
    },
  };
}

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
export type ProfileShare = { where: string; self_pct: number };

/**
 * CPU-profiles this process while `during` runs (the V8 sampling profiler through the
 * inspector) and returns the functions with the most self time, as shares of all samples;
 * the whole profile is written to `file` (open it in Chrome DevTools › Performance).
 */
export async function cpuProfile(file: string, during: () => Promise<void>, top = 25): Promise<ProfileShare[]> {
  const { Session } = await import('node:inspector/promises');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  let stopped: { profile: { nodes: ProfileNode[]; samples: number[] } };
  try {
    await during();
  } finally {
    stopped = (await session.post('Profiler.stop')) as typeof stopped;
    session.disconnect();
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(stopped.profile));
  return summarise(stopped.profile, top);
}

function summarise(profile: { nodes: ProfileNode[]; samples: number[] }, top: number): ProfileShare[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const f = byId.get(id)!.callFrame;
    const where = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(server|bench)\//, '$1/')}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    self.set(where, (self.get(where) ?? 0) + 1);
  }
  const total = profile.samples.length || 1;
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([where, n]) => ({ where, self_pct: round((100 * n) / total, 1) }));
}

export type Stop = { ops: number } | { ms: number };

/** Runs `op` on `workers` concurrent loops until `stop` (op count or duration); per-op latencies and wall time. */
export async function runConcurrent(
  workers: number,
  stop: Stop,
  op: (worker: number, i: number) => Promise<void>,
): Promise<{ ops: number; wallMs: number; samples: number[] }> {
  const samples: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const more = (i: number) => ('ops' in stop ? i < stop.ops : performance.now() - t0 < stop.ms);
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = next++; more(i); i = next++) {
        const s = performance.now();
        await op(w, i);
        samples.push(performance.now() - s);
      }
    }),
  );
  return { ops: samples.length, wallMs: performance.now() - t0, samples };
}

/** Plain SQL for the peer: a separate pg pool on server Postgres; the owner connection on PGlite. */
export type RawSql = (text: string, values?: unknown[]) => Promise<unknown[]>;

export type BenchEnv = {
  app: App;
  raw: RawSql;
  db: 'postgres' | 'pglite';
  close(): Promise<void>;
};

/**
 * A started app (serve role, no port) over a brand-new database, migrated.
 * `peerPool` sizes the raw pool the peer uses on server Postgres.
 */
export async function freshApp(overrides: Partial<AtriumConfig> = {}, peerPool = 4): Promise<BenchEnv> {
  const pglite = usePGlite();
  const fresh = pglite ? null : await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL);
  const config = loadConfig({}, {
    port: 0,
    databaseUrl: fresh?.url ?? 'memory://',
    logLevel: 'silent',
    seedDemo: false,
    jobs: false,
    ...overrides,
  });
  const app = await createApp(config);
  await app.start('serve', { listen: false });
  const pool = fresh ? new pg.Pool({ connectionString: fresh.url, max: peerPool }) : null;
  const raw: RawSql = pool
    ? async (text, values) => (await pool.query(text, values)).rows as unknown[]
    : async (text, values) => (await app.db.ownerExecutor.executeSql(text, values)).rows;
  return {
    app,
    raw,
    db: app.db.kind,
    async close() {
      await pool?.end();
      await app.stop();
      await fresh?.drop();
    },
  };
}

/** Runs a bench body against a fresh app and always drops the database, even on failure. */
export async function withFreshApp(
  overrides: Partial<AtriumConfig>,
  peerPool: number,
  body: (env: BenchEnv) => Promise<void>,
): Promise<void> {
  const env = await freshApp(overrides, peerPool);
  try {
    await body(env);
  } finally {
    await env.close();
  }
}

/** Exits non-zero with the error on stderr: a bench that cannot measure must not look green. */
export function main(body: () => Promise<void>): void {
  body().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`[bench] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
