// Child-process test helpers: run the real `atrium` command (bin/atrium.mjs) with a
// controlled environment, wait for what it prints, stop or kill it; provision a tenant
// before a child starts; look at the database directly (not through the HTTP API).
// Every child started here is killed when the test process goes away, whatever happens.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_EXTENSIONS } from '../platform/db/index.js';
import pg from 'pg';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { freshDatabase, serverDatabaseUrl } from './harness.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'atrium.mjs');

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type AtriumProcess = {
  readonly command: string;
  readonly child: ChildProcess;
  /** stdout and stderr as printed so far, interleaved. */
  output(): string;
  stdout(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or on timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<Exit>;
  isRunning(): boolean;
  /** Sends `signal` and waits for the exit; SIGKILLs and rejects if it takes longer than `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
};

const live = new Set<AtriumProcess>();

function killLiveSync(): void {
  for (const p of live) if (p.isRunning()) p.child.kill('SIGKILL');
}
process.once('exit', killLiveSync);

/** SIGKILLs every child still running and waits until they are gone (for afterAll). */
export async function killAllChildren(): Promise<void> {
  const running = [...live].filter((p) => p.isRunning());
  for (const p of running) p.child.kill('SIGKILL');
  await Promise.all(running.map((p) => p.exited));
  live.clear();
}

/** The environment of a child: this process's, minus any Atrium setting, plus `env`. */
export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('ATRIUM_') || k === 'DATABASE_URL' || k === 'NODE_OPTIONS') continue;
    out[k] = v;
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export function runAtrium(command: string, env: Record<string, string | undefined>): AtriumProcess {
  return watch(command, spawn(process.execPath, [BIN, command], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Watches a child's output and exit; it is SIGKILLed when the test process goes away. */
function watch(command: string, child: ChildProcess): AtriumProcess {
  let all = '';
  let out = '';
  let exit: Exit | null = null;
  const watchers = new Set<() => void>();
  const notify = () => watchers.forEach((w) => w());
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    all += s;
    out += s;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    all += s;
    notify();
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
      notify();
    });
    child.once('error', (err) => {
      all += `\n[spawn error] ${err.message}`;
      exit = { code: null, signal: null };
      resolve(exit);
      notify();
    });
  });
  const proc: AtriumProcess = {
    command,
    child,
    output: () => all,
    stdout: () => out,
    exited,
    isRunning: () => exit === null,
    waitFor(pattern, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = all.match(pattern);
          if (m) {
            done();
            resolve(m);
          } else if (exit) {
            done();
            reject(new Error(`atrium ${command} exited (${JSON.stringify(exit)}) before printing ${pattern}; output:\n${all}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`atrium ${command} did not print ${pattern} within ${timeoutMs} ms; output:\n${all}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    async stop(signal = 'SIGINT', timeoutMs = 20_000) {
      if (exit) return exit;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`atrium ${command} did not exit within ${timeoutMs} ms of ${signal}; output:\n${all}`);
      }
      return result;
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

const TEST_APP_ENTRY = join(REPO_ROOT, 'server', 'src', 'testing', 'app-process.ts');

/** What `runTestApp`'s child prints once its role runs: the URL it listens on (none for a worker). */
export const TEST_APP_UP = /^atrium test app \((\w+)\) up(?: at (http:\/\/\S+))?$/m;

export type TestAppProcess = AtriumProcess & {
  /** The URL the child listens on (`serve`/`all`), once it is up. */
  readonly baseUrl: string;
  /** Sets the child's application clock to wall time + `offsetMs`; resolves once it runs on it. */
  setClockOffset(offsetMs: number): Promise<void>;
  /** Resolves once the child's AI calls are metered (`app.ai.settled()` over there). */
  aiSettled(): Promise<void>;
};

/**
 * Another app in its own OS process (server/src/testing/app-process.ts), for tests that need
 * a second process but control what the real `atrium` command does not offer: the whole
 * configuration (`config`, JSON: loopback AI providers, small retry steps) and the clock (wall
 * time plus an offset the test sets over IPC, e.g. to the start of a rate-limit window).
 * Resolves once its role runs (for serve: once it listens). Stop it with `stop()`.
 */
export async function runTestApp(
  role: 'serve' | 'worker' | 'all',
  opts: { config: Record<string, unknown>; clockOffsetMs?: number; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<TestAppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', TEST_APP_ENTRY, role], {
    cwd: REPO_ROOT,
    env: childEnv({ ...opts.env, ATRIUM_TEST_APP_CONFIG: JSON.stringify(opts.config), ATRIUM_TEST_APP_CLOCK_OFFSET_MS: String(opts.clockOffsetMs ?? 0) }),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const proc = watch(`test app ${role}`, child);
  let seq = 0;
  const pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  child.on('message', (raw) => {
    const m = raw as { id?: number; error?: string };
    const p = m.id === undefined ? undefined : pending.get(m.id);
    if (!p) return;
    pending.delete(m.id!);
    if (m.error) p.reject(new Error(m.error));
    else p.resolve();
  });
  void proc.exited.then((exit) => {
    for (const p of pending.values()) p.reject(new Error(`test app ${role} exited (${JSON.stringify(exit)}); output:\n${proc.output()}`));
    pending.clear();
  });
  const ask = (op: string, args: Record<string, unknown> = {}, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      if (!proc.isRunning()) return reject(new Error(`test app ${role} is not running; output:\n${proc.output()}`));
      const id = ++seq;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`test app ${role} did not answer ${op} within ${timeoutMs} ms; output:\n${proc.output()}`));
      }, timeoutMs);
      pending.set(id, { resolve: () => (clearTimeout(timer), resolve()), reject: (err) => (clearTimeout(timer), reject(err)) });
      child.send({ id, op, ...args });
    });
  const [, , baseUrl = ''] = await proc.waitFor(TEST_APP_UP, opts.timeoutMs ?? 120_000);
  return Object.assign(proc, {
    baseUrl,
    setClockOffset: (offsetMs: number) => ask('clock', { offsetMs }),
    aiSettled: () => ask('ai-settled'),
  });
}

/** Runs a command that is meant to finish (migrate, seed); SIGKILLs it after `timeoutMs`. */
export async function runAtriumToEnd(
  command: string,
  env: Record<string, string | undefined>,
  timeoutMs = 90_000,
): Promise<Exit & { stdout: string; output: string }> {
  const p = runAtrium(command, env);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([p.exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    p.child.kill('SIGKILL');
    await p.exited;
    throw new Error(`atrium ${command} did not finish within ${timeoutMs} ms; output:\n${p.output()}`);
  }
  return { ...result, stdout: p.stdout(), output: p.output() };
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export function tempDir(prefix = 'atrium-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Where a child's data lives: a fresh database on the Postgres server, or an embedded PGlite data dir. */
export type Store = { kind: 'postgres'; url: string; dataDir: string } | { kind: 'pglite'; dataDir: string };

/**
 * A store of its own for a process test: a fresh database on the Postgres server when the
 * suite runs against one (ATRIUM_TEST_DATABASE_URL), else an embedded data dir; what removes
 * it is pushed onto `cleanups`.
 */
export async function freshStore(prefix: string, cleanups: (() => Promise<void> | void)[]): Promise<Store> {
  const dir = tempDir(prefix);
  cleanups.push(dir.remove);
  const server = serverDatabaseUrl();
  if (!server) return { kind: 'pglite', dataDir: dir.path };
  const db = await freshDatabase(server);
  cleanups.push(db.drop);
  return { kind: 'postgres', url: db.url, dataDir: dir.path };
}

/** The environment that points `atrium` at the store. */
export function storeEnv(store: Store): Record<string, string> {
  return store.kind === 'postgres' ? { DATABASE_URL: store.url, ATRIUM_DATA_DIR: store.dataDir } : { ATRIUM_DATA_DIR: store.dataDir };
}

/**
 * Migrates the store and creates a tenant with an owner and a full-scope token, in this
 * process, then closes everything (an embedded data dir can only be open in one process).
 */
export async function provisionTenant(store: Store, name: string): Promise<{ tenantId: string; userId: string; token: string }> {
  const config = loadConfig(
    {},
    {
      databaseUrl: store.kind === 'postgres' ? store.url : undefined,
      dataDir: store.dataDir,
      logLevel: 'silent',
      seedDemo: false,
      jobs: false,
    },
  );
  const app = await createApp(config);
  try {
    await app.migrate();
    const created = await app.identity.createTenantWithOwner({
      name,
      plan: 'enterprise',
      owner: { email: `owner-${randomBytes(4).toString('hex')}@example.test`, name: `${name} owner` },
    });
    return { tenantId: created.tenantId, userId: created.userId, token: created.token };
  } finally {
    await app.stop();
  }
}

/** Plain SQL straight to the store, as the database owner (row-level security does not apply). */
export type DirectSql = {
  query<R extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
};

export async function openDirect(store: Store): Promise<DirectSql> {
  if (store.kind === 'postgres') {
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    return {
      query: async <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => (await client.query<R>(text, params)).rows,
      close: () => client.end(),
    };
  }
  const db = await PGlite.create(store.dataDir, { extensions: PGLITE_EXTENSIONS });
  return {
    query: async <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => (await db.query<R>(text, params)).rows,
    close: () => db.close(),
  };
}
