// Ledger append throughput: diffs/s through `ledger.record` (one diff per transaction)
// and `ledger.recordBatch` (many per transaction), each against the same write done
// with raw SQL into `diffs_peer` — same columns and indexes, no RLS, no trigger, no
// NOTIFY — on the same database in the same run. Rounds alternate ours/peer so that
// table growth and checkpoints hit both sides alike.
import type { DiffInput } from '../server/src/modules/ledger/index.js';
import { inTenant, type Actor } from '../server/src/platform/context.js';
import { emit, intOption, latency, main, progress, round, runConcurrent, withFreshApp, type BenchEnv, type Stop } from './lib.js';

const COLUMNS = [
  'tenant_id', 'namespace', 'entity_type', 'entity_id', 'event', 'value_before', 'value_after',
  'metadata', 'actor_type', 'actor_id', 'causation_id', 'correlation_id',
] as const;
const ACTOR: Actor = { type: 'system', id: 'bench' };
const TARGET = 0.6;

const tenantOf = (worker: number) => `ten_bench_${worker}`;

function sampleDiff(i: number): DiffInput {
  return {
    namespace: 'crm',
    entityType: 'contact',
    entityId: `con_${i % 5000}`,
    event: 'contact.updated',
    before: { stage: 'lead', score: i % 100 },
    after: { stage: 'qualified', score: (i + 7) % 100, owner: `usr_${i % 13}` },
    metadata: { source: 'bench', seq: i },
  };
}

const rowValues = (tenantId: string, d: DiffInput): unknown[] => [
  tenantId, d.namespace, d.entityType, d.entityId, d.event, JSON.stringify(d.before ?? null),
  JSON.stringify(d.after ?? null), JSON.stringify(d.metadata ?? {}), ACTOR.type, ACTOR.id, null, null,
];

/** `insert into diffs_peer (...) values ($1..$12), ($13..$24), ...` for `rows` rows. */
function peerInsertSql(rows: number): string {
  const tuples = Array.from({ length: rows }, (_, r) => {
    const base = r * COLUMNS.length;
    return `(${COLUMNS.map((_, c) => `$${base + c + 1}`).join(', ')})`;
  });
  return `insert into diffs_peer (${COLUMNS.join(', ')}) values ${tuples.join(', ')}`;
}

type Side = (worker: number, i: number) => Promise<void>;
type Mode = { name: string; peer: string; workers: number; batch: number; ours: Side; theirs: Side };

function modes(env: BenchEnv, batch: number): Mode[] {
  const { app, raw } = env;
  const single = peerInsertSql(1);
  const multi = peerInsertSql(batch);
  const batchOf = (i: number) => Array.from({ length: batch }, (_, k) => sampleDiff(i * batch + k));
  return [
    {
      name: 'ledger.append.single', peer: 'raw pg single-row INSERT (autocommit)', workers: 4, batch: 1,
      ours: async (w, i) => {
        await inTenant(app.db, { tenantId: tenantOf(w), actor: ACTOR }, (ctx) => app.ledger.record(ctx, sampleDiff(i)));
      },
      theirs: async (w, i) => void (await raw(single, rowValues(tenantOf(w), sampleDiff(i)))),
    },
    {
      name: 'ledger.append.batch', peer: `raw pg multi-row INSERT (${batch} rows, parameterised VALUES)`, workers: 2, batch,
      ours: async (w, i) => {
        await inTenant(app.db, { tenantId: tenantOf(w), actor: ACTOR }, (ctx) => app.ledger.recordBatch(ctx, batchOf(i)));
      },
      theirs: async (w, i) => void (await raw(multi, batchOf(i).flatMap((d) => rowValues(tenantOf(w), d)))),
    },
  ];
}

type Tally = { ops: number; wallMs: number; samples: number[] };
const empty = (): Tally => ({ ops: 0, wallMs: 0, samples: [] });
function add(t: Tally, r: Tally): void {
  t.ops += r.ops;
  t.wallMs += r.wallMs;
  t.samples.push(...r.samples);
}

async function measure(mode: Mode, rounds: number, roundMs: number): Promise<{ ours: Tally; theirs: Tally }> {
  const warm: Stop = { ms: Math.min(1000, roundMs) };
  await runConcurrent(mode.workers, warm, mode.ours);
  await runConcurrent(mode.workers, warm, mode.theirs);
  const ours = empty();
  const theirs = empty();
  for (let r = 0; r < rounds; r++) {
    add(ours, await runConcurrent(mode.workers, { ms: roundMs }, mode.ours));
    add(theirs, await runConcurrent(mode.workers, { ms: roundMs }, mode.theirs));
  }
  return { ours, theirs };
}

async function bench(env: BenchEnv): Promise<void> {
  const batch = intOption('batch', 'ATRIUM_BENCH_BATCH', 500);
  const roundMs = intOption('round-ms', 'ATRIUM_BENCH_ROUND_MS', 4000);
  const rounds = 2;
  await env.app.db.ownerExecutor.executeSql('create table diffs_peer (like diffs including all)');
  for (const mode of modes(env, batch)) {
    progress(`${mode.name}: ${rounds}×${roundMs} ms per side, ${mode.workers} concurrent clients`);
    const { ours, theirs } = await measure(mode, rounds, roundMs);
    const rate = (t: Tally) => (t.ops * mode.batch * 1000) / t.wallMs;
    const a = latency(ours.samples);
    const b = latency(theirs.samples);
    const ratio = rate(ours) / rate(theirs);
    emit({
      bench: mode.name,
      ops_per_s: round(rate(ours), 1),
      p50_ms: a.p50_ms,
      p99_ms: a.p99_ms,
      peer: mode.peer,
      peer_ops_per_s: round(rate(theirs), 1),
      peer_p50_ms: b.p50_ms,
      peer_p99_ms: b.p99_ms,
      ratio: round(ratio, 3),
      target: `>= ${TARGET}`,
      meets_target: ratio >= TARGET,
      unit: 'diffs',
      diffs_per_tx: mode.batch,
      concurrency: mode.workers,
      transactions: ours.ops,
      peer_transactions: theirs.ops,
      db: env.db,
    });
  }
}

main(() => withFreshApp({ poolMax: 4 }, 4, bench));
