// Resident memory of the real process, as `npm start` runs it (`tsx server/src/main.ts start`:
// node with the tsx loader; the web build is a separate process that exits before, so the
// bench skips it — the server serves a "not built" page without web/dist).
//   memory.embedded.idle      — VmRSS 5 s after "Atrium is running" on a fresh ATRIUM_DATA_DIR
//                               (migrations + demo seed done). Target < 300 MB. Peer: a process
//                               with the same modules imported and nothing started (same loader).
//   memory.embedded.embedding — after the first POST /v1/ai/embed (the offline model loads).
//   memory.embedded.load      — after a bounded load mix (--requests=N, default 400, 16
//                               concurrent: bench/load-mix.ts) and 5 s of quiet; also the peak
//                               (VmHWM). Target < 400 MB.
//   memory.component          — one line per step of building the same app in a child process
//                               (bench/memory-components.ts): process.memoryUsage() after a GC,
//                               and the step's share of that process's final RSS.
//   memory.postgres.idle/load — the same for `serve` on a fresh server-Postgres database
//                               (migrated and seeded first by `migrate` and `seed`); peer: the
//                               embedded process of this run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from '../server/src/testing/harness.js';
import { DEFAULT_DATABASE_URL, emit, intOption, latency, main, progress, round } from './lib.js';
import { call, login, runMix } from './load-mix.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_IDLE_MB = 300;
const TARGET_LOAD_MB = 400;
const REQUESTS = intOption('requests', 'ATRIUM_BENCH_REQUESTS', 400); // demo workspace: pro plan, 500 requests a minute
const CONCURRENCY = 16;
const SETTLE_MS = 5000;
const DEMO = { email: 'demo@atrium.local', password: 'atrium-demo-2026' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function status(pid: number): { rss_mb: number; peak_mb: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? Number.NaN);
  return { rss_mb: round(kb('VmRSS') / 1024, 1), peak_mb: round(kb('VmHWM') / 1024, 1) };
}

function tsx(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ATRIUM_LOG_LEVEL: 'warn', ATRIUM_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function finished(child: ChildProcess, what: string): Promise<string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`${what} exited with ${code}: ${out.slice(-2000)}`);
  return out;
}

/** Starts `main.ts <command>` and resolves once it listens. */
async function server(command: 'start' | 'serve', env: Record<string, string>): Promise<{ child: ChildProcess; base: string; stop(): Promise<void> }> {
  const child = tsx(['server/src/main.ts', command], env);
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start in 120 s: ${out}`)), 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s)]+)/.exec(out);
      // `start` seeds the demo workspace after it listens: wait for the demo login line.
      if (m && (command === 'serve' || out.includes('Demo login'))) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}: ${out}`)));
  });
  return {
    child,
    base,
    stop: async () => {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

type Measured = { idle: ReturnType<typeof status>; embedding: ReturnType<typeof status>; load: ReturnType<typeof status>; latency: ReturnType<typeof latency>; errors: number };

async function measure(base: string, pid: number): Promise<Measured> {
  await sleep(SETTLE_MS);
  const idle = status(pid);
  const token = await login(base, DEMO.email, DEMO.password);
  const e = await call(base, token, 'POST', '/v1/ai/embed', { texts: ['invoice is overdue', 'payment is late'] });
  if (e.status !== 200) throw new Error(`embed: ${e.status} ${e.text.slice(0, 300)}`);
  const embedding = status(pid);
  const mix = await runMix(base, token, REQUESTS, CONCURRENCY);
  if (mix.errors > 0) throw new Error(`${mix.errors} failed requests, first: ${mix.firstError}`);
  await sleep(SETTLE_MS);
  return { idle, embedding, load: status(pid), latency: latency(mix.samples), errors: mix.errors };
}

async function components(target: string): Promise<Array<Record<string, number | string>>> {
  const out = await finished(spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/memory-components.ts', target], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }), 'memory-components');
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, number | string>);
}

main(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-mem-'));
  const compDir = mkdtempSync(join(tmpdir(), 'atrium-mem-c-'));
  let embedded: Measured;
  try {
    progress('embedded: atrium start on a fresh data dir');
    const s = await server('start', { ATRIUM_DATA_DIR: dir });
    try {
      embedded = await measure(s.base, s.child.pid!);
    } finally {
      await s.stop();
    }
    progress('embedded: components');
    const steps = await components(compDir);
    const final = Number(steps.at(-1)!.rss_mb);
    const modulesOnly = Number(steps.find((x) => String(x.component).startsWith('server modules'))!.rss_mb);
    emit({ bench: 'memory.embedded.idle', db: 'pglite', rss_mb: embedded.idle.rss_mb, peer: 'same modules imported, nothing started', peer_rss_mb: modulesOnly, ratio: round(embedded.idle.rss_mb / modulesOnly), target_mb: TARGET_IDLE_MB, met: embedded.idle.rss_mb < TARGET_IDLE_MB });
    emit({ bench: 'memory.embedded.embedding', db: 'pglite', rss_mb: embedded.embedding.rss_mb, peer: 'idle', peer_rss_mb: embedded.idle.rss_mb, ratio: round(embedded.embedding.rss_mb / embedded.idle.rss_mb) });
    emit({ bench: 'memory.embedded.load', db: 'pglite', requests: REQUESTS, concurrency: CONCURRENCY, rss_mb: embedded.load.rss_mb, peak_mb: embedded.load.peak_mb, peer: 'idle', peer_rss_mb: embedded.idle.rss_mb, ratio: round(embedded.load.rss_mb / embedded.idle.rss_mb), target_mb: TARGET_LOAD_MB, met: embedded.load.peak_mb < TARGET_LOAD_MB, latency: embedded.latency });
    for (const step of steps) emit({ bench: 'memory.component', db: 'pglite', ...step, peer: 'final RSS of the component process', peer_rss_mb: final, ratio: round(Number(step.delta_rss_mb) / final) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(compDir, { recursive: true, force: true });
  }

  const fresh = await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL);
  let componentsDb: { drop(): Promise<void> } | null = null;
  try {
    const env = { DATABASE_URL: fresh.url };
    progress('postgres: migrate + seed, then atrium serve');
    await finished(tsx(['server/src/main.ts', 'migrate'], env), 'migrate');
    await finished(tsx(['server/src/main.ts', 'seed'], env), 'seed');
    const s = await server('serve', env);
    let pgm: Measured;
    try {
      pgm = await measure(s.base, s.child.pid!);
    } finally {
      await s.stop();
    }
    emit({ bench: 'memory.postgres.idle', db: 'postgres', role: 'serve', rss_mb: pgm.idle.rss_mb, peer: 'embedded idle (this run)', peer_rss_mb: embedded!.idle.rss_mb, ratio: round(pgm.idle.rss_mb / embedded!.idle.rss_mb) });
    emit({ bench: 'memory.postgres.load', db: 'postgres', role: 'serve', requests: REQUESTS, concurrency: CONCURRENCY, rss_mb: pgm.load.rss_mb, peak_mb: pgm.load.peak_mb, after_embedding_mb: pgm.embedding.rss_mb, peer: 'embedded after load (this run)', peer_rss_mb: embedded!.load.rss_mb, ratio: round(pgm.load.rss_mb / embedded!.load.rss_mb), latency: pgm.latency });
    const again = await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL);
    componentsDb = again;
    const steps = await components(again.url);
    const final = Number(steps.at(-1)!.rss_mb);
    for (const step of steps) emit({ bench: 'memory.component', db: 'postgres', ...step, peer: 'final RSS of the component process', peer_rss_mb: final, ratio: round(Number(step.delta_rss_mb) / final) });
  } finally {
    await fresh.drop();
    await componentsDb?.drop();
  }
});
