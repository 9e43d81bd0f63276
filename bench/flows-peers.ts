// The contestants of the durable-flow bench (bench/flows.bench.ts): one 3-step flow —
// step 1 "command" (INSERT into bench_effects), step 2 "transform" (pure computation on
// step 1's output), step 3 "command" (another INSERT) — run by DBOS, by LangGraph with its
// Postgres checkpointer, and by three plain `pg` transactions (the ceiling). Every
// contestant gets its own scratch database on server Postgres, dropped and recreated on
// setup and dropped on teardown. Peer code lives here only: the packages are
// devDependencies and nothing under server/ imports them.
import { DBOS, type DLogger } from '@dbos-inc/dbos-sdk';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DEFAULT_DATABASE_URL, percentile, round } from './lib.js';

// ── The contest ─────────────────────────────────────────────────────────────────────────

export type Contestant = {
  name: string;
  /** What it is, in one line (goes into the JSON line). */
  describe: string;
  setup(): Promise<void>;
  /** One complete flow run; `i` is unique per contestant for the life of the process. */
  runOne(i: number): Promise<void>;
  /** Throws unless the effects of exactly `runs` completed runs are in the database. */
  verify?(runs: number): Promise<void>;
  teardown(): Promise<void>;
};

export type Throughput = {
  runsPerSec: number;
  p50: number;
  p99: number;
  completed: number;
  wallMs: number;
  /** CPU time (user + system) this process spent meanwhile: framework overhead shows here, the database's does not. */
  cpuMs: number;
  /** Per-run latencies in ms, in completion order (for pooling several rounds). */
  samples: number[];
};

export type MeasureOptions = { inFlight: number } & ({ durationMs: number } | { runs: number });

const nextIndex = new WeakMap<Contestant, number>();

/**
 * Keeps `inFlight` runs going (a closed loop: each slot starts its next run when the last
 * one completes) until `durationMs` has passed or `runs` runs have started; runs started
 * before the deadline are awaited and counted. A failed run fails the measurement.
 */
export async function measureThroughput(contestant: Contestant, options: MeasureOptions): Promise<Throughput> {
  const samples: number[] = [];
  let started = 0;
  const base = nextIndex.get(contestant) ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const more = () => ('runs' in options ? started < options.runs : performance.now() - t0 < options.durationMs);
  await Promise.all(
    Array.from({ length: options.inFlight }, async () => {
      while (more()) {
        const i = base + started++;
        const s = performance.now();
        await contestant.runOne(i);
        samples.push(performance.now() - s);
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  nextIndex.set(contestant, base + started);
  return summarise(samples, wallMs, (cpu.user + cpu.system) / 1000);
}

/** Pools rounds: total runs over total wall time, percentiles over all samples. */
export function combine(rounds: readonly Throughput[]): Throughput {
  const samples = rounds.flatMap((r) => r.samples);
  const sum = (f: (r: Throughput) => number) => rounds.reduce((a, r) => a + f(r), 0);
  return summarise(samples, sum((r) => r.wallMs), sum((r) => r.cpuMs));
}

function summarise(samples: number[], wallMs: number, cpuMs: number): Throughput {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runsPerSec: (samples.length * 1000) / wallMs,
    p50: round(percentile(sorted, 50), 3),
    p99: round(percentile(sorted, 99), 3),
    completed: samples.length,
    wallMs,
    cpuMs,
    samples,
  };
}

/** Runs started so far on `contestant` (all of them completed, or a measurement threw). */
export const runsStarted = (contestant: Contestant): number => nextIndex.get(contestant) ?? 0;

// ── The flow, shared by all contestants ─────────────────────────────────────────────────

export type Order = {
  runId: string;
  customer: string;
  currency: 'EUR';
  lines: { sku: string; qty: number; unitCents: number }[];
};

export type Summary = {
  runId: string;
  customer: string;
  lineCount: number;
  units: number;
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
  digest: string;
};

export const STEP1 = 'command1';
export const STEP2 = 'transform';
export const STEP3 = 'command3';

/** Step 1's input (and, once inserted, its output). */
export function orderFor(runId: string, i: number): Order {
  return {
    runId,
    customer: `cus_${i % 997}`,
    currency: 'EUR',
    lines: Array.from({ length: 4 }, (_, k) => ({ sku: `sku_${(i * 7 + k * 13) % 500}`, qty: 1 + ((i + k) % 5), unitCents: 199 + ((i * 31 + k * 17) % 9800) })),
  };
}

/** Step 2: pure, deterministic, cheap (totals, 20 % tax, an FNV-1a digest of the lines). */
export function transform(order: Order): Summary {
  let units = 0;
  let subtotalCents = 0;
  let h = 0x811c9dc5;
  for (const line of order.lines) {
    units += line.qty;
    subtotalCents += line.qty * line.unitCents;
    for (const ch of `${line.sku}:${line.qty}:${line.unitCents};`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  }
  const taxCents = Math.round(subtotalCents * 0.2);
  return {
    runId: order.runId,
    customer: order.customer,
    lineCount: order.lines.length,
    units,
    subtotalCents,
    taxCents,
    totalCents: subtotalCents + taxCents,
    digest: h.toString(16).padStart(8, '0'),
  };
}

const EFFECTS_DDL = 'create table bench_effects (run_id text not null, step text not null, payload jsonb not null)';
const INSERT_EFFECT = 'insert into bench_effects (run_id, step, payload) values ($1, $2, $3)';

// ── Scratch databases ───────────────────────────────────────────────────────────────────

const serverUrl = (): string => process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL;

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  return name;
};

export async function recreateDatabase(name: string): Promise<string> {
  await dropDatabase(name);
  await onServer(`create database ${ident(name)}`);
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await onServer(`drop database if exists ${ident(name)} with (force)`);
}

export type PoolOptions = { max: number; idleTimeoutMillis: number };

function newPool(url: string, options: PoolOptions, app: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, application_name: app, ...options });
  pool.on('error', (err) => process.stderr.write(`[bench] ${app} pool: ${err.message}\n`));
  return pool;
}

async function endPool(pool: pg.Pool | null): Promise<void> {
  if (pool && !pool.ended) await pool.end();
}

async function countEffects(pool: pg.Pool, runs: number, name: string): Promise<void> {
  const { rows } = await pool.query<{ n: string; runs: string; s1: string; s3: string }>(
    `select count(*) n, count(distinct run_id) runs,
            count(*) filter (where step = $1) s1, count(*) filter (where step = $2) s3
       from bench_effects`,
    [STEP1, STEP3],
  );
  const r = rows[0]!;
  if (Number(r.n) !== 2 * runs || Number(r.runs) !== runs || Number(r.s1) !== runs || Number(r.s3) !== runs) {
    throw new Error(`${name}: expected ${runs} runs with one ${STEP1} and one ${STEP3} effect each, found ${JSON.stringify(r)}`);
  }
}

// ── 1. DBOS ─────────────────────────────────────────────────────────────────────────────

/** DBOS's console logger writes to stdout, which carries the JSON lines: warnings and errors go to stderr. */
const dbosLogger: DLogger = {
  info() {},
  debug() {},
  warn: (entry) => void process.stderr.write(`[dbos] ${String(entry)}\n`),
  error: (entry) => void process.stderr.write(`[dbos] ${entry instanceof Error ? entry.message : String(entry)}\n`),
};

/**
 * A DBOS workflow of three steps (`DBOS.runStep`), the system database in the same scratch
 * database as the effects. Each step's output is checkpointed in `dbos.operation_outputs`
 * after it completes, so a recovered run skips completed steps; the transform is a step
 * too, so that all three contestants record step 2. The effect INSERT and the checkpoint
 * are two commits (DBOS's at-least-once step): DBOS 5's exactly-once transactions need a
 * data-source package (`@dbos-inc/node-pg-datasource`), which is not installed here.
 *
 * The system-database pool is handed to DBOS (`systemDatabasePool`) only to size it and
 * let idle connections go between rounds (the server allows 100 connections and the
 * contestants take turns); DBOS runs on it as on its own.
 */
export function dbosContestant(options: { db: string; inFlight: number; idleTimeoutMillis: number }): Contestant {
  let sysPool: pg.Pool | null = null;
  let effects: pg.Pool | null = null;
  let flow: ((runId: string, i: number) => Promise<Summary>) | null = null;
  return {
    name: 'dbos',
    describe: '@dbos-inc/dbos-sdk 5.3: registerWorkflow with 3 DBOS.runStep steps (effects via pg), system DB on the same Postgres',
    async setup() {
      const url = await recreateDatabase(options.db);
      effects = newPool(url, { max: options.inFlight, idleTimeoutMillis: options.idleTimeoutMillis }, 'bench_dbos_effects');
      await effects.query(EFFECTS_DDL);
      // + the LISTEN connection DBOS keeps and its background loops.
      sysPool = newPool(url, { max: options.inFlight + 4, idleTimeoutMillis: options.idleTimeoutMillis }, 'bench_dbos_sys');
      const fx = effects;
      flow = DBOS.registerWorkflow(
        async (runId: string, i: number): Promise<Summary> => {
          const order = await DBOS.runStep(async () => {
            const o = orderFor(runId, i);
            await fx.query(INSERT_EFFECT, [runId, STEP1, o]);
            return o;
          }, { name: STEP1 });
          const summary = await DBOS.runStep(async () => transform(order), { name: STEP2 });
          await DBOS.runStep(async () => void (await fx.query(INSERT_EFFECT, [runId, STEP3, summary])), { name: STEP3 });
          return summary;
        },
        { name: 'benchFlow3' },
      );
      DBOS.setConfig({ name: 'atrium-bench-flows', systemDatabaseUrl: url, systemDatabasePool: sysPool, logger: dbosLogger });
      await DBOS.launch();
    },
    async runOne(i) {
      const runId = `dbos-${i}`;
      await DBOS.withNextWorkflowID(runId, () => flow!(runId, i));
    },
    async verify(runs) {
      await countEffects(effects!, runs, 'dbos');
      const { rows } = await sysPool!.query<{ status: string; n: string }>('select status, count(*) n from dbos.workflow_status group by status');
      const ok = rows.find((r) => r.status === 'SUCCESS');
      if (rows.length !== 1 || Number(ok?.n) !== runs) throw new Error(`dbos: expected ${runs} SUCCESS workflows, found ${JSON.stringify(rows)}`);
    },
    async teardown() {
      if (DBOS.isInitialized()) await DBOS.shutdown({ deregister: true });
      await endPool(sysPool);
      await endPool(effects);
      await dropDatabase(options.db);
    },
  };
}

// ── 2. LangGraph ────────────────────────────────────────────────────────────────────────

export type LangGraphDurability = 'sync' | 'async' | 'exit';

const FlowState = Annotation.Root({
  runId: Annotation<string>,
  i: Annotation<number>,
  order: Annotation<Order | null>,
  summary: Annotation<Summary | null>,
});

/**
 * A StateGraph START → command1 → transform → command3 → END compiled with PostgresSaver,
 * each run on its own thread_id. `durability: 'sync'` (the default here) writes each
 * checkpoint before the next node starts — the same promise as the others; LangGraph's own
 * default, 'async', overlaps the write with the next node.
 */
export function langGraphContestant(options: { db: string; inFlight: number; idleTimeoutMillis: number; durability: LangGraphDurability }): Contestant {
  let saverPool: pg.Pool | null = null;
  let effects: pg.Pool | null = null;
  let saver: PostgresSaver | null = null;
  let app: { invoke(input: { runId: string; i: number }, config: { configurable: { thread_id: string }; durability: LangGraphDurability }): Promise<unknown> } | null = null;
  return {
    name: 'langgraph',
    describe: `@langchain/langgraph 1.7.3 StateGraph of 3 nodes + @langchain/langgraph-checkpoint-postgres 1.0.5 PostgresSaver, durability '${options.durability}'`,
    async setup() {
      const url = await recreateDatabase(options.db);
      effects = newPool(url, { max: options.inFlight, idleTimeoutMillis: options.idleTimeoutMillis }, 'bench_lg_effects');
      await effects.query(EFFECTS_DDL);
      saverPool = newPool(url, { max: options.inFlight, idleTimeoutMillis: options.idleTimeoutMillis }, 'bench_lg_saver');
      saver = new PostgresSaver(saverPool);
      await saver.setup();
      const fx = effects;
      const graph = new StateGraph(FlowState)
        .addNode(STEP1, async (s: typeof FlowState.State) => {
          const order = orderFor(s.runId, s.i);
          await fx.query(INSERT_EFFECT, [s.runId, STEP1, order]);
          return { order };
        })
        .addNode(STEP2, (s: typeof FlowState.State) => ({ summary: transform(s.order!) }))
        .addNode(STEP3, async (s: typeof FlowState.State) => {
          await fx.query(INSERT_EFFECT, [s.runId, STEP3, s.summary]);
          return {};
        })
        .addEdge(START, STEP1)
        .addEdge(STEP1, STEP2)
        .addEdge(STEP2, STEP3)
        .addEdge(STEP3, END);
      app = graph.compile({ checkpointer: saver });
    },
    async runOne(i) {
      const runId = `lg-${i}`;
      await app!.invoke({ runId, i }, { configurable: { thread_id: runId }, durability: options.durability });
    },
    async verify(runs) {
      await countEffects(effects!, runs, 'langgraph');
      const { rows } = await saverPool!.query<{ n: string }>('select count(distinct thread_id) n from checkpoints');
      if (Number(rows[0]!.n) !== runs) throw new Error(`langgraph: expected ${runs} checkpointed threads, found ${rows[0]!.n}`);
    },
    async teardown() {
      // PostgresSaver.end() ends the pool it was given; ours is ended here instead.
      saver = null;
      app = null;
      await endPool(saverPool);
      await endPool(effects);
      await dropDatabase(options.db);
    },
  };
}

// ── 3. The baseline: three plain transactions ───────────────────────────────────────────

const JOURNAL_DDL = 'create table bench_journal (run_id text not null, step text not null, output jsonb not null, primary key (run_id, step))';
const INSERT_JOURNAL = 'insert into bench_journal (run_id, step, output) values ($1, $2, $3)';

/**
 * No framework: each step is its own transaction on a `pg` pool sized to the runs in
 * flight — steps 1 and 3 `BEGIN; INSERT effect; INSERT journal; COMMIT`, step 2 the
 * journal INSERT of the transform's output alone (a one-statement transaction). What a
 * durable engine on Postgres cannot beat by much: the effect commits with its journal row
 * (exactly once), nothing else is written.
 */
export function baselineContestant(options: { db: string; inFlight: number; idleTimeoutMillis: number }): Contestant {
  let pool: pg.Pool | null = null;
  const commandTx = async (runId: string, step: string, payload: unknown, output: unknown): Promise<void> => {
    const client = await pool!.connect();
    try {
      await client.query('begin');
      await client.query(INSERT_EFFECT, [runId, step, payload]);
      await client.query(INSERT_JOURNAL, [runId, step, output]);
      await client.query('commit');
      client.release();
    } catch (err) {
      await client.query('rollback').catch(() => {});
      client.release(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  };
  return {
    name: 'baseline',
    describe: 'plain pg: 3 transactions per run (effect + journal row for steps 1 and 3, journal row for step 2)',
    async setup() {
      const url = await recreateDatabase(options.db);
      pool = newPool(url, { max: options.inFlight, idleTimeoutMillis: options.idleTimeoutMillis }, 'bench_base');
      await pool.query(EFFECTS_DDL);
      await pool.query(JOURNAL_DDL);
    },
    async runOne(i) {
      const runId = `base-${i}`;
      const order = orderFor(runId, i);
      await commandTx(runId, STEP1, order, order);
      const summary = transform(order);
      await pool!.query(INSERT_JOURNAL, [runId, STEP2, summary]);
      await commandTx(runId, STEP3, summary, { ok: true });
    },
    async verify(runs) {
      await countEffects(pool!, runs, 'baseline');
      const { rows } = await pool!.query<{ n: string }>('select count(*) n from bench_journal');
      if (Number(rows[0]!.n) !== 3 * runs) throw new Error(`baseline: expected ${3 * runs} journal rows, found ${rows[0]!.n}`);
    },
    async teardown() {
      await endPool(pool);
      await dropDatabase(options.db);
    },
  };
}
