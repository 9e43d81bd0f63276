// Agents' heartbeats: 100 agents on one worker for 10 minutes of simulated time.
// The app runs on an injected clock (createApp's `now`); the bench steps it by 1 s, 600 times,
// and calls `app.agents.sweep(now)` at each step, as the worker's 1 s tick does.
//   - agents.heartbeat.drift: per wake, how late after its due time it was woken, in simulated
//     time (what `wakeDue` returns) — plus the real wall time of each sweep: in a deployment the
//     drift is at most tick interval + sweep time, so sweep_wall p99 is the figure to watch.
//   - idle wakes: no agent has work, so every wake must sleep with 0 model calls (ai_usage
//     rows, and no flow run started).
//   - heap: used heap after GC (node --expose-gc; else reported as not collected) before and
//     after the 600 sweeps.
// Peer, same run, same database: a bare heartbeat table of the same 100 rows (same schedule),
// swept each step as the agents' sweep does — list the due rows, then per row one transaction
// of `SELECT … FOR UPDATE SKIP LOCKED` + `UPDATE next_at` — i.e. the minimum any
// Postgres-backed scheduler pays for the same wakes, without the agent's checks and diffs.
import { createApp } from '../server/src/app.js';
import { loadConfig } from '../server/src/config.js';
import { inTenant } from '../server/src/platform/context.js';
import { freshDatabase } from '../server/src/testing/harness.js';
import { nextWake } from '../server/src/modules/agents/model.js';
import pg from 'pg';
import { startFakeProvider } from '../server/src/modules/ai/fake-providers.js';
import { DEFAULT_DATABASE_URL, emit, latency, main, progress, round, usePGlite } from './lib.js';

// Re-run under --expose-gc (npm run bench does not pass it) so the heap figures are after GC.
if ((globalThis as { gc?: () => void }).gc === undefined && process.env.ATRIUM_BENCH_AGENTS_CHILD !== '1') {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, ATRIUM_BENCH_AGENTS_CHILD: '1' } });
  process.exit(r.status ?? 1);
}

const AGENTS = 100;
const STEPS = 600;

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  gc?.();
  return round(process.memoryUsage().heapUsed / 1048576, 1);
};

main(async () => {
  const pglite = usePGlite();
  const fresh = pglite ? null : await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL);
  let sim = Date.parse('2026-01-05T09:00:00.000Z');
  const now = () => new Date(sim);
  const config = loadConfig({}, { port: 0, databaseUrl: fresh?.url ?? 'memory://', logLevel: 'silent', seedDemo: false, jobs: false });
  const app = await createApp(config, { now });
  await app.migrate();
  // Role serve: the agents' own 1 s tick does not run; the bench is the tick.
  await app.start('serve', { listen: false });
  const pool = fresh ? new pg.Pool({ connectionString: fresh.url, max: 2 }) : null;
  const raw = pool
    ? async (text: string, values?: unknown[]) => (await pool.query(text, values)).rows as unknown[]
    : async (text: string, values?: unknown[]) => (await app.db.ownerExecutor.executeSql(text, values)).rows;
  try {
    const owner = await app.identity.createTenantWithOwner({ name: 'Bench agents', plan: 'enterprise', owner: { email: 'bench-agents@example.test', name: 'Bench' } });
        await inTenant(app.db, { tenantId: owner.tenantId, actor: { type: 'user', id: owner.userId } }, async (ctx) => {
      for (let i = 0; i < AGENTS; i += 1) {
        const every = 1 + (i % 15);
        await app.commands.run(ctx, 'agents.create_agent', { name: `Agent ${i + 1}`, every_minutes: every });
      }
    });
    const agents = (await raw('select id, every_minutes, offset_minutes, next_wake_at from agents order by created_at')) as { id: string; every_minutes: number; offset_minutes: number }[];
    progress(`${agents.length} agents, every 1..15 min, staggered; ${STEPS} sweeps of 1 s simulated`);
    const sweep = (app as unknown as { agents: { sweep(at: Date): Promise<number[]> } }).agents.sweep;

    // Peer table: the same schedule.
    await raw('create table peer_heartbeats (id text primary key, every_minutes int not null, offset_minutes int not null, next_at timestamptz not null, wakes int not null default 0)');
    for (const a of agents) await raw('insert into peer_heartbeats values ($1, $2, $3, $4, 0)', [a.id, a.every_minutes, a.offset_minutes, nextWake(now(), a.every_minutes, a.offset_minutes)]);
    const peerSweep = async (at: Date): Promise<number[]> => {
      const due = (await raw('select id from peer_heartbeats where next_at <= $1 order by next_at limit 200', [at])) as { id: string }[];
      const drifts: number[] = [];
      for (const { id } of due) {
        if (pool) {
          const c = await pool.connect();
          try {
            await c.query('begin');
            const r = await c.query<{ every_minutes: number; offset_minutes: number; next_at: Date }>('select every_minutes, offset_minutes, next_at from peer_heartbeats where id = $1 and next_at <= $2 for update skip locked', [id, at]);
            const row = r.rows[0];
            if (row) {
              await c.query('update peer_heartbeats set next_at = $2, wakes = wakes + 1 where id = $1', [id, nextWake(at, row.every_minutes, row.offset_minutes)]);
              drifts.push(at.getTime() - row.next_at.getTime());
            }
            await c.query('commit');
          } finally {
            c.release();
          }
        } else {
          const row = ((await raw('select every_minutes, offset_minutes, next_at from peer_heartbeats where id = $1 and next_at <= $2 for update', [id, at])) as { every_minutes: number; offset_minutes: number; next_at: Date }[])[0];
          if (row) {
            await raw('update peer_heartbeats set next_at = $2, wakes = wakes + 1 where id = $1', [id, nextWake(at, row.every_minutes, row.offset_minutes)]);
            drifts.push(at.getTime() - new Date(row.next_at).getTime());
          }
        }
      }
      return drifts;
    };

    const start = sim;
    const runSim = async (fn: (at: Date) => Promise<number[]>) => {
      sim = start;
      const drifts: number[] = [];
      const wall: number[] = [];
      for (let s = 1; s <= STEPS; s += 1) {
        sim = start + s * 1000;
        const t0 = performance.now();
        drifts.push(...await fn(now()));
        wall.push(performance.now() - t0);
      }
      return { drifts, wall };
    };
    // Warm-up is the first simulated minute of each; both run the same 600 steps.
    const heapBefore = heapMb();
    const ours = await runSim(sweep);
    const heapAfter = heapMb();
    const peer = await runSim(peerSweep);
    const usage = Number(((await raw('select count(*)::int as n from ai_usage')) as { n: number }[])[0]!.n);
    const runs = Number(((await raw('select count(*)::int as n from flow_runs')) as { n: number }[])[0]!.n);
    const woke = Number(((await raw(`select count(*)::int as n from diffs where event = 'agent.woke'`)) as { n: number }[])[0]!.n);
    let expected = 0;
    for (const a of agents) for (let t = nextWake(new Date(start), a.every_minutes, a.offset_minutes); t.getTime() <= start + STEPS * 1000; t = nextWake(t, a.every_minutes, a.offset_minutes)) expected += 1;
    const d = latency(ours.drifts);
    const pd = latency(peer.drifts);
    const w = latency(ours.wall);
    const pw = latency(peer.wall);
    emit({
      bench: 'agents.heartbeat.drift', agents: AGENTS, simulated_s: STEPS, tick_ms: 1000, wakes: ours.drifts.length, wakes_by_schedule: expected, woke_diffs: woke,
      drift_p50_ms: d.p50_ms, drift_p99_ms: d.p99_ms, drift_max_ms: d.max_ms,
      sweep_wall_p50_ms: w.p50_ms, sweep_wall_p99_ms: w.p99_ms, sweep_wall_max_ms: w.max_ms,
      deployed_drift_p99_bound_ms: round(1000 + w.p99_ms, 1), target_drift_p99_ms: 1000,
      peer: 'bare heartbeat table: due list + per row a transaction of SELECT … FOR UPDATE SKIP LOCKED + UPDATE',
      peer_wakes: peer.drifts.length, peer_drift_p99_ms: pd.p99_ms, peer_sweep_wall_p50_ms: pw.p50_ms, peer_sweep_wall_p99_ms: pw.p99_ms,
      wall_p99_ratio: round(w.p99_ms / Math.max(0.001, pw.p99_ms), 2), db: app.db.kind,
    });
    emit({ bench: 'agents.heartbeat.idle', wakes: ours.drifts.length, model_calls: usage, runs_started: runs, target_model_calls: 0, ok: usage === 0 && runs === 0, db: app.db.kind });
    emit({ bench: 'agents.heartbeat.memory', heap_used_before_mb: heapBefore, heap_used_after_mb: heapAfter, delta_mb: round(heapAfter - heapBefore, 1), gc_forced: gc !== undefined, note: gc ? 'after forced GC' : 'no --expose-gc: heapUsed without GC, noisy', db: app.db.kind });
  } finally {
    await pool?.end();
    await app.stop();
    await fresh?.drop();
  }
  await stepOverhead();
});

// The agent step overhead: the `think` llm step of an agent's loop (its journal row's
// started_at → finished_at) against a bare `ai.complete` to the same loopback OpenAI-compatible
// provider (in process), same alias, cache off; LOOPS of each, sequential, after a warm-up.
const LOOPS = 100;
async function stepOverhead(): Promise<void> {
  const fake = await startFakeProvider('openai', { keepAliveMs: 65_000 });
  const plan = { text: JSON.stringify({ summary: 'Nothing to change', calls: [] }), usage: { input: 12, output: 9 } };
  const verdict = { text: JSON.stringify({ verdict: 'praise', reasons: ['fine'], confidence: 0.9, done: true }), usage: { input: 12, output: 9 } };
  fake.fallback = plan;
  setInterval(() => void fake.seen.splice(0), 1000).unref();
  try {
    const openai = { baseUrl: fake.baseUrl, apiKey: 'sk-bench', model: 'fake-gpt', embedModel: undefined };
    const pglite = usePGlite();
    const fresh = pglite ? null : await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL);
    const config = loadConfig({}, { port: 0, databaseUrl: fresh?.url ?? 'memory://', logLevel: 'silent', seedDemo: false, jobs: false, ai: { ...loadConfig({}).ai, openai } });
    const app = await createApp(config);
    await app.migrate();
    // Role all: its executor advances the loops (the worker's part).
    await app.start('all', { listen: false });
    const pool = fresh ? new pg.Pool({ connectionString: fresh.url, max: 2 }) : null;
    const env = {
      db: app.db.kind,
      raw: pool
        ? async (text: string, values?: unknown[]) => (await pool.query(text, values)).rows as unknown[]
        : async (text: string, values?: unknown[]) => (await app.db.ownerExecutor.executeSql(text, values)).rows,
    };
    try {
      const owner = await app.identity.createTenantWithOwner({ name: 'Bench agent steps', plan: 'enterprise', owner: { email: 'bench-agent-steps@example.test', name: 'Bench' } });
      const user = { tenantId: owner.tenantId, actor: { type: 'user' as const, id: owner.userId } };
      const agentId = await inTenant(app.db, user, async (ctx) => {
        await app.commands.run(ctx, 'ai.update_settings', { aliases: { agent: { chain: [{ provider: 'openai' }] } } });
        const a = await app.commands.run<{ id: string }>(ctx, 'agents.create_agent', { name: 'Stepper', model_alias: 'agent', every_minutes: 10_080 });
        return a.id;
      });
      const loop = async (i: number) => {
        fake.script(plan, verdict);
        const out = await inTenant(app.db, user, (ctx) => app.commands.run<{ kind: string; run_id: string }>(ctx, 'agents.wake_agent', { id: agentId, text: `Look at item ${i}` }));
        if (out.kind !== 'working') throw new Error(`wake ${i}: ${out.kind}`);
        const deadline = Date.now() + 30_000;
        for (;;) {
          const st = ((await env.raw('select status from flow_runs where id = $1', [out.run_id])) as { status: string }[])[0]?.status;
          if (st === 'completed') return out.run_id;
          if (st && ['failed', 'cancelled', 'compensated'].includes(st)) throw new Error(`loop ${i} ${st}`);
          if (Date.now() > deadline) throw new Error(`loop ${i} not done (${st})`);
          await new Promise((r) => setTimeout(r, 2));
        }
      };
      progress(`step overhead: ${LOOPS} agent loops vs ${LOOPS} bare ai.complete`);
      for (let i = 0; i < 10; i += 1) await loop(-i);
      const runIds: string[] = [];
      for (let i = 0; i < LOOPS; i += 1) runIds.push(await loop(i));
      fake.fallback = plan;
      const bare: number[] = [];
      for (let i = 0; i < 10 + LOOPS; i += 1) {
        const t0 = performance.now();
        const r = await app.ai.complete(user, { prompt: `Look at item ${i}`, alias: 'agent', cache: false } as Parameters<typeof app.ai.complete>[1]);
        if (i >= 10) bare.push(performance.now() - t0);
        if ((r as { provider: string }).provider !== 'openai') throw new Error(`bare call served by ${(r as { provider: string }).provider}`);
      }
      const rows = (await env.raw(`select extract(epoch from (finished_at - started_at)) * 1000 as ms, step_key from flow_steps where run_id = any($1) and step_key like 'think_%' and status = 'completed'`, [runIds])) as { ms: string }[];
      const think = latency(rows.map((r) => Number(r.ms)));
      const peer = latency(bare);
      emit({
        bench: 'agents.step_overhead', loops: LOOPS, think_steps: think.n, think_p50_ms: think.p50_ms, think_p99_ms: think.p99_ms,
        peer: 'bare app.ai.complete(), same alias and loopback provider, cache off', peer_p50_ms: peer.p50_ms, peer_p99_ms: peer.p99_ms,
        overhead_p50_ms: round(think.p50_ms - peer.p50_ms, 2), overhead_p99_ms: round(think.p99_ms - peer.p99_ms, 2), target_overhead_p99_ms: 5,
        ratio_p99: round(think.p99_ms / Math.max(0.001, peer.p99_ms), 2), timing: 'think: flow_steps.finished_at − started_at (journal, ms resolution)', db: env.db,
      });
    } finally {
      await pool?.end();
      await app.stop();
      await fresh?.drop();
    }
  } finally {
    await fake.close();
  }
}
