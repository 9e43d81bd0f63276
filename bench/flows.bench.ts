// Durable-flow throughput: completed runs/s and per-run latency of one 3-step flow —
// step 1 "command" (INSERT into bench_effects), step 2 "transform" (pure), step 3 "command"
// (another INSERT) — with --in-flight=N runs in flight (default 24), for DBOS, LangGraph
// with PostgresSaver, and a no-framework baseline of three plain pg transactions (the
// ceiling), each on its own scratch database on the same server Postgres (see
// bench/flows-peers.ts). The Atrium engine joins as contestant `atrium` (atriumContestant
// below) and is then compared with DBOS and the baseline measured in the same run.
//
// Every contestant is set up, then warmed up (--warmup-ms, default 2000), then the rounds
// (--rounds, default 3, of --round-ms, default 5000) take turns, the order rotating each
// round, so that drift on the machine hits every contestant alike. Between turns the
// previous contestant's idle connections are let go (the server allows 100 connections,
// all pools together would need more) and a short unmeasured spell reopens the next
// one's. At the end each contestant's database must hold exactly the effects of the runs
// it completed, or the bench fails.
//
// Flags: --in-flight=N (ATRIUM_BENCH_IN_FLIGHT), --rounds=N, --round-ms=N, --warmup-ms=N,
// --lg-durability=sync|async|exit (default sync), --only=dbos,langgraph,baseline,atrium.
// One JSON line per contestant, plus n8n's published figure (not measured here).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  baselineContestant, combine, dbosContestant, langGraphContestant, measureThroughput, runsStarted,
  type Contestant, type LangGraphDurability, type Throughput,
} from './flows-peers.js';
import { atriumFlowsContestant } from './flows-atrium.js';
import { cpuProfile, emit, flag, intOption, latency, main, progress, round, usePGlite } from './lib.js';

const BENCH = 'flows.durable3';
const IN_FLIGHT = intOption('in-flight', 'ATRIUM_BENCH_IN_FLIGHT', 24);
const ROUNDS = intOption('rounds', 'ATRIUM_BENCH_ROUNDS', 3);
const ROUND_MS = intOption('round-ms', 'ATRIUM_BENCH_ROUND_MS', 5000);
const WARMUP_MS = intOption('warmup-ms', 'ATRIUM_BENCH_WARMUP_MS', 2000);
/** Idle pool connections close after this; a turn waits a little longer before the next contestant. */
const IDLE_MS = 1000;
const REWARM_MS = 500;

/** Published, not measured: n8n's docs, "Measure performance" (single instance, webhook-triggered workflows). */
const N8N_PUBLISHED = {
  runs_per_s: 220,
  source: 'https://docs.n8n.io/hosting/scaling/performance-benchmarking/',
  hardware: 'AWS c5a.large (2 vCPU, 4 GB)',
  workload: 'webhook-triggered workflow, single n8n instance: not this flow and not this machine',
};

// ════════════════════════════════════════════════════════════════════════════════════════
// ATRIUM CONTESTANT — the place for the Atrium engine (to be written by its owner).
// Return a Contestant named 'atrium' running the same flow (bench/flows-peers.ts: orderFor,
// transform, STEP1..3, and effects INSERTed into a bench_effects(run_id, step, payload)
// table), its own database, pools sized to IN_FLIGHT with idleTimeoutMillis IDLE_MS, and a
// verify(runs) that checks the effects. While this returns null the atrium line is not
// printed; once it returns a contestant, its line carries vs_dbos and vs_baseline.
// ════════════════════════════════════════════════════════════════════════════════════════
async function atriumContestant(): Promise<Contestant | null> {
  return atriumFlowsContestant({ inFlight: IN_FLIGHT, db: 'bench_flows_atrium' });
}

function durability(): LangGraphDurability {
  const d = flag('lg-durability') ?? 'sync';
  if (d !== 'sync' && d !== 'async' && d !== 'exit') throw new Error(`--lg-durability must be sync, async or exit, got ${d}`);
  return d;
}

async function contestants(): Promise<Contestant[]> {
  const common = { inFlight: IN_FLIGHT, idleTimeoutMillis: IDLE_MS };
  const all: Contestant[] = [
    dbosContestant({ ...common, db: 'bench_flows_dbos' }),
    langGraphContestant({ ...common, db: 'bench_flows_lg', durability: durability() }),
    baselineContestant({ ...common, db: 'bench_flows_base' }),
  ];
  const atrium = await atriumContestant();
  if (atrium) all.push(atrium);
  const only = flag('only')?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!only) return all;
  const unknown = only.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`--only: unknown contestant ${unknown.join(', ')} (have ${all.map((c) => c.name).join(', ')})`);
  return all.filter((c) => only.includes(c.name));
}

const ratio = (a: Throughput, b: Throughput | undefined): number | null => (b ? round(a.runsPerSec / b.runsPerSec, 3) : null);

async function bench(): Promise<void> {
  if (usePGlite()) {
    progress('flows: DBOS and LangGraph need server Postgres; skipped under --pglite');
    return;
  }
  const list = await contestants();
  const ready: Contestant[] = [];
  try {
    for (const c of list) {
      progress(`${c.name}: setup`);
      ready.push(c); // torn down even if its setup fails half-way
      await c.setup();
    }
    for (const c of list) {
      progress(`${c.name}: warm-up ${WARMUP_MS} ms, ${IN_FLIGHT} in flight`);
      await measureThroughput(c, { inFlight: IN_FLIGHT, durationMs: WARMUP_MS });
      await sleep(IDLE_MS + 250);
    }
    const results = new Map<string, Throughput[]>(list.map((c) => [c.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < list.length; k++) {
        const c = list[(r + k) % list.length]!;
        await measureThroughput(c, { inFlight: IN_FLIGHT, durationMs: REWARM_MS });
        let t!: Throughput;
        const measure = async () => { t = await measureThroughput(c, { inFlight: IN_FLIGHT, durationMs: ROUND_MS }); };
        // --profile: a CPU profile of Atrium's first round (top functions by self time on stderr).
        if (flag('profile') !== undefined && c.name === 'atrium' && r === 0) {
          const top = await cpuProfile('test-artifacts/profiles/flows-atrium.cpuprofile', measure, 30);
          progress(`profile (atrium, self time):\n${top.map((x) => `  ${x.self_pct}% ${x.where}`).join('\n')}`);
        } else await measure();
        results.get(c.name)!.push(t);
        progress(`round ${r + 1}/${ROUNDS} ${c.name}: ${t.runsPerSec.toFixed(1)} runs/s, p50 ${t.p50.toFixed(2)} ms, p99 ${t.p99.toFixed(2)} ms`);
        await sleep(IDLE_MS + 250);
      }
    }
    for (const c of list) {
      if (c.verify) await c.verify(runsStarted(c));
    }

    const pooled = new Map(list.map((c) => [c.name, combine(results.get(c.name)!)]));
    const baseline = pooled.get('baseline');
    const dbos = pooled.get('dbos');
    for (const c of list) {
      const t = pooled.get(c.name)!;
      const l = latency(t.samples);
      emit({
        bench: BENCH,
        contestant: c.name,
        runs_per_s: round(t.runsPerSec, 1),
        p50_ms: t.p50,
        p95_ms: l.p95_ms,
        p99_ms: t.p99,
        max_ms: l.max_ms,
        completed: t.completed,
        node_cpu_pct: round((100 * t.cpuMs) / t.wallMs, 1),
        node_cpu_ms_per_run: round(t.cpuMs / Math.max(1, t.completed), 3),
        ...(c.name === 'atrium' ? { vs_dbos: ratio(t, dbos), dbos_runs_per_s: dbos ? round(dbos.runsPerSec, 1) : null } : {}),
        ...(c.name !== 'baseline' ? { vs_baseline: ratio(t, baseline), baseline_runs_per_s: baseline ? round(baseline.runsPerSec, 1) : null } : {}),
        measured: true,
        describe: c.describe,
        unit: 'runs (3 steps: insert, transform, insert)',
        in_flight: IN_FLIGHT,
        rounds: ROUNDS,
        round_ms: ROUND_MS,
        warmup_ms: WARMUP_MS,
        db: 'postgres',
      });
    }
    process.stdout.write(`${JSON.stringify({ bench: BENCH, contestant: 'n8n', ...N8N_PUBLISHED, measured: false, published: true })}\n`);
  } finally {
    for (const c of ready.reverse()) {
      try {
        await c.teardown();
      } catch (err) {
        progress(`${c.name}: teardown failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

main(bench);
