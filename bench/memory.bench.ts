// Resident memory of the real process, as `npm start` runs it: `node <SERVER_NODE_FLAGS>
// .build/server/main.mjs start` — the server compiled to JavaScript by scripts/build-server.mjs
// (the bench builds it first when a source changed; the web build is a separate process that
// exits before, so the bench skips it — the server serves a "not built" page without web/dist).
// The peer, in the same run: the TypeScript sources under the tsx loader
// (`node --import tsx server/src/main.ts start`, how `npm run atrium` and the tests run them).
//   memory.embedded.idle      — VmRSS 5 s after "Atrium is running" on a fresh ATRIUM_DATA_DIR
//                               (migrations + demo seed done). Target < 300 MB. Peer: tsx.
//                               modules_only_mb: the component process with the same modules
//                               imported and nothing started.
//   memory.embedded.embedding — after the first POST /v1/ai/embed (the offline model loads);
//                               peer: idle.
//   memory.embedded.load      — after a bounded load mix (--requests=N, default 400, 16
//                               concurrent: bench/load-mix.ts) and 5 s of quiet; also the peak
//                               (VmHWM, since start). Target: peak < 400 MB. Peer: tsx, same mix.
//   memory.component          — one line per step of building the same app in a child process
//                               (bench/memory-components.ts, compiled the same way):
//                               process.memoryUsage() after a GC, and the step's share of that
//                               process's final RSS.
//   memory.postgres.idle/load — the same for `serve` (compiled) on a fresh server-Postgres
//                               database (migrated and seeded first by `migrate` and `seed`);
//                               peer: the embedded process of this run; tsx_*: serve under tsx.
// Every process line carries `split`, its resident pages by kind (bench/proc-memory.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer, SERVER_BUILD_OPTIONS, SERVER_ENTRY, SERVER_NODE_FLAGS } from '../scripts/build-server.mjs';
import { freshDatabase } from '../server/src/testing/harness.js';
import { DEFAULT_DATABASE_URL, emit, intOption, latency, main, progress, round } from './lib.js';
import { call, login, runMix } from './load-mix.js';
import { procStatus, rssSplit } from './proc-memory.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_IDLE_MB = 300;
const TARGET_LOAD_MB = 400;
const REQUESTS = intOption('requests', 'ATRIUM_BENCH_REQUESTS', 400); // demo workspace: pro plan, 500 requests a minute
const CONCURRENCY = 16;
const SETTLE_MS = 5000;
const DEMO = { email: 'demo@atrium.local', password: 'atrium-demo-2026' };
const COMPONENTS_OUT = join(ROOT, '.build', 'bench', 'memory-components');

/** How the server runs: compiled (`npm start`, `npx atrium`) or its sources under tsx. */
type Runner = { name: 'compiled' | 'tsx'; node: string[] };
const COMPILED: Runner = { name: 'compiled', node: [...SERVER_NODE_FLAGS, relative(ROOT, SERVER_ENTRY)] };
const TSX: Runner = { name: 'tsx', node: ['--import', 'tsx', 'server/src/main.ts'] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Status = ReturnType<typeof procStatus> & { split: ReturnType<typeof rssSplit> };
const status = (pid: number): Status => ({ ...procStatus(pid), split: rssSplit(pid) });

function atrium(runner: Runner, command: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...runner.node, command], {
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

/** Starts `atrium <command>` and resolves once it listens. */
async function server(runner: Runner, command: 'start' | 'serve', env: Record<string, string>): Promise<{ child: ChildProcess; base: string; stop(): Promise<void> }> {
  const child = atrium(runner, command, env);
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

type Measured = { idle: Status; embedding: Status; load: Status; latency: ReturnType<typeof latency>; errors: number };

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

/** Runs `start` (embedded, fresh data dir) or `serve` (on `env`'s database) with `runner` and measures it. */
async function run(runner: Runner, command: 'start' | 'serve', env: Record<string, string>): Promise<Measured> {
  progress(`${runner.name}: atrium ${command}`);
  const s = await server(runner, command, env);
  try {
    return await measure(s.base, s.child.pid!);
  } finally {
    await s.stop();
  }
}

/** bench/memory-components.ts, bundled the way scripts/build-server.mjs bundles the server. */
async function buildComponents(): Promise<string> {
  const esbuild = await import('esbuild');
  try {
    await esbuild.build({ ...SERVER_BUILD_OPTIONS, entryPoints: ['bench/memory-components.ts'], outdir: COMPONENTS_OUT, outExtension: { '.js': '.mjs' }, splitting: true });
  } finally {
    await esbuild.stop();
  }
  return join(COMPONENTS_OUT, 'memory-components.mjs');
}

async function components(entry: string, target: string): Promise<Array<Record<string, unknown>>> {
  const out = await finished(spawn(process.execPath, ['--expose-gc', ...SERVER_NODE_FLAGS, entry, target], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }), 'memory-components');
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Warns when package.json's start script no longer runs the server the way this bench measures it. */
function checkStartScript(): void {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts?.start ?? '';
  const expected = `node ${COMPILED.node.join(' ')} start`;
  if (!start.endsWith(expected)) progress(`warning: package.json's start script does not end with "${expected}" (it is "${start}"): the figures below are not npm start's`);
}

main(async () => {
  checkStartScript();
  const built = await buildServer({ ifStale: true, quiet: true });
  progress(`server build: ${built.built ? 'rebuilt' : 'up to date'} (${relative(ROOT, SERVER_ENTRY)})`);
  const componentsEntry = await buildComponents();
  const dirs = [mkdtempSync(join(tmpdir(), 'atrium-mem-')), mkdtempSync(join(tmpdir(), 'atrium-mem-t-')), mkdtempSync(join(tmpdir(), 'atrium-mem-c-'))];
  let embedded: Measured;
  try {
    embedded = await run(COMPILED, 'start', { ATRIUM_DATA_DIR: dirs[0]! });
    const tsx = await run(TSX, 'start', { ATRIUM_DATA_DIR: dirs[1]! });
    progress('embedded: components');
    const steps = await components(componentsEntry, dirs[2]!);
    const final = Number(steps.at(-1)!.rss_mb);
    const modulesOnly = Number(steps.find((x) => String(x.component).startsWith('server modules'))!.rss_mb);
    emit({ bench: 'memory.embedded.idle', db: 'pglite', runner: 'compiled', rss_mb: embedded.idle.rss_mb, split: embedded.idle.split, modules_only_mb: modulesOnly, peer: 'tsx loader', peer_rss_mb: tsx.idle.rss_mb, peer_split: tsx.idle.split, ratio: round(embedded.idle.rss_mb / tsx.idle.rss_mb), target_mb: TARGET_IDLE_MB, met: embedded.idle.rss_mb < TARGET_IDLE_MB });
    emit({ bench: 'memory.embedded.embedding', db: 'pglite', runner: 'compiled', rss_mb: embedded.embedding.rss_mb, split: embedded.embedding.split, tsx_rss_mb: tsx.embedding.rss_mb, peer: 'idle', peer_rss_mb: embedded.idle.rss_mb, ratio: round(embedded.embedding.rss_mb / embedded.idle.rss_mb) });
    emit({ bench: 'memory.embedded.load', db: 'pglite', runner: 'compiled', requests: REQUESTS, concurrency: CONCURRENCY, rss_mb: embedded.load.rss_mb, peak_mb: embedded.load.peak_mb, split: embedded.load.split, peer: 'tsx loader, same mix', peer_rss_mb: tsx.load.rss_mb, peer_peak_mb: tsx.load.peak_mb, ratio: round(embedded.load.peak_mb / tsx.load.peak_mb), target_mb: TARGET_LOAD_MB, met: embedded.load.peak_mb < TARGET_LOAD_MB, latency: embedded.latency, peer_latency: tsx.latency });
    for (const step of steps) emit({ bench: 'memory.component', db: 'pglite', runner: 'compiled', ...step, peer: 'final RSS of the component process', peer_rss_mb: final, ratio: round(Number(step.delta_rss_mb) / final) });
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }

  const fresh = await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL);
  const freshTsx = await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL);
  let componentsDb: { drop(): Promise<void> } | null = null;
  try {
    const measured: Record<Runner['name'], Measured> = {} as never;
    for (const [runner, db] of [[COMPILED, fresh], [TSX, freshTsx]] as const) {
      const env = { DATABASE_URL: db.url };
      progress(`postgres (${runner.name}): migrate + seed, then atrium serve`);
      await finished(atrium(runner, 'migrate', env), 'migrate');
      await finished(atrium(runner, 'seed', env), 'seed');
      measured[runner.name] = await run(runner, 'serve', env);
    }
    const pgm = measured.compiled;
    const tsx = measured.tsx;
    emit({ bench: 'memory.postgres.idle', db: 'postgres', role: 'serve', runner: 'compiled', rss_mb: pgm.idle.rss_mb, split: pgm.idle.split, tsx_rss_mb: tsx.idle.rss_mb, peer: 'embedded idle (this run)', peer_rss_mb: embedded!.idle.rss_mb, ratio: round(pgm.idle.rss_mb / embedded!.idle.rss_mb) });
    emit({ bench: 'memory.postgres.load', db: 'postgres', role: 'serve', runner: 'compiled', requests: REQUESTS, concurrency: CONCURRENCY, rss_mb: pgm.load.rss_mb, peak_mb: pgm.load.peak_mb, split: pgm.load.split, after_embedding_mb: pgm.embedding.rss_mb, tsx_rss_mb: tsx.load.rss_mb, tsx_peak_mb: tsx.load.peak_mb, peer: 'embedded after load (this run)', peer_rss_mb: embedded!.load.rss_mb, ratio: round(pgm.load.rss_mb / embedded!.load.rss_mb), latency: pgm.latency });
    const again = await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL);
    componentsDb = again;
    const steps = await components(componentsEntry, again.url);
    const final = Number(steps.at(-1)!.rss_mb);
    for (const step of steps) emit({ bench: 'memory.component', db: 'postgres', runner: 'compiled', ...step, peer: 'final RSS of the component process', peer_rss_mb: final, ratio: round(Number(step.delta_rss_mb) / final) });
  } finally {
    await fresh.drop();
    await freshTsx.drop();
    await componentsDb?.drop();
  }
});
