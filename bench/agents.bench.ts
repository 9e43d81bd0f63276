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
import { DEFAULT_DATABASE_URL, emit, latency, main, progress, round, usePGlite } from './lib.js';

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
    const schedule: { every: number }[] = [];
    await inTenant(app.db, { tenantId: owner.tenantId, actor: { type: 'user', id: owner.userId } }, async (ctx) => {
      for (let i = 0; i < AGENTS; i += 1) {
        const every = 1 + (i % 15);
        schedule.push({ every });
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
    const expected = schedule.reduce((n, a) => n + Math.floor(600 / (a.every * 60)), 0);
    const d = latency(ours.drifts);
    const pd = latency(peer.drifts);
    const w = latency(ours.wall);
    const pw = latency(peer.wall);
    emit({
      bench: 'agents.heartbeat.drift', agents: AGENTS, simulated_s: STEPS, tick_ms: 1000, wakes: ours.drifts.length, wakes_expected_about: expected, woke_diffs: woke,
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
});
