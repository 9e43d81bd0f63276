// Replay latency: one entity with 100 000 diffs, `ledger.stateAt` at random instants with
// snapshots every 500 diffs, against the same replay before any snapshot exists (a fold
// from the first diff). The snapshot answers must equal the full folds, or the bench fails.
//
// The diffs are loaded with one INSERT ... SELECT (system role) rather than recordBatch:
// recordBatch stamps a whole transaction with one created_at, so 2 000-diff batches would
// leave 50 distinct instants, each landing exactly on a snapshot (nothing left to fold).
// Here diffs are one second apart, as a busy entity's history would be.
import { isDeepStrictEqual } from 'node:util';
import type { EntityRef } from '../server/src/modules/ledger/index.js';
import { txExecutor } from '../server/src/platform/db/index.js';
import { emit, intOption, latency, main, progress, round, timed, withFreshApp, type BenchEnv } from './lib.js';

const TENANT = 'ten_bench_replay';
const REF: EntityRef = { entityType: 'deal', entityId: 'deal_bench' };
const SNAPSHOT_EVERY = 500;
const TARGET_P99_MS = 50;

/**
 * Diff g (1-based): a full `deal.created` at 1 and after every 25 000th diff (a
 * `deal.deleted`), otherwise a `deal.updated` merge patch touching a top-level field,
 * a nested `custom` field (set or removed) or the tag list.
 */
const LOAD_SQL = `
  insert into diffs (tenant_id, namespace, entity_type, entity_id, event, value_before, value_after,
                     actor_type, actor_id, created_at)
  select $1, 'sales', $2, $3, e.event, null, e.after, 'user', 'usr_bench',
         date_trunc('milliseconds', now()) - make_interval(secs => $4 - g + 60)
  from generate_series(1, $4::int) as g,
  lateral (select case
      when g % 25000 = 0 then 'deal.deleted'
      when g = 1 or g % 25000 = 1 then 'deal.created'
      else 'deal.updated' end as event) k,
  lateral (select k.event, case
      when k.event = 'deal.deleted' then null
      when k.event = 'deal.created' then jsonb_build_object(
        'name', 'Deal ' || g, 'stage', 'lead', 'amount', 0, 'owner', 'usr_1',
        'tags', jsonb_build_array('new'), 'custom', jsonb_build_object('source', 'bench'))
      when g % 5 = 0 then jsonb_build_object('amount', g)
      when g % 5 = 1 then jsonb_build_object('stage', (array['lead','qualified','proposal','won'])[g % 4 + 1],
                                             'probability', g % 100)
      when g % 5 = 2 then jsonb_build_object('custom', jsonb_build_object('f' || (g % 40), g))
      when g % 5 = 3 then jsonb_build_object('note', case when g % 2 = 0 then to_jsonb('note ' || g) else 'null'::jsonb end,
                                             'custom', jsonb_build_object('f' || ((g + 7) % 40), null))
      else jsonb_build_object('tags', jsonb_build_array('t' || (g % 7), 't' || (g % 11)), 'owner', 'usr_' || (g % 9))
    end as after) e`;

type Span = { first: Date; last: Date };

async function load(env: BenchEnv, diffs: number): Promise<Span> {
  const params = [TENANT, REF.entityType, REF.entityId, diffs];
  const { ms } = await timed(() => env.app.db.systemTx((tx) => txExecutor(tx).executeSql(LOAD_SQL, params)));
  progress(`loaded ${diffs} diffs in ${Math.round(ms)} ms`);
  await env.app.db.ownerExecutor.executeSql('analyze diffs');
  const span = await env.app.db.tenantTx(TENANT, (tx) =>
    tx.selectFrom('diffs').select((eb) => [eb.fn.min('created_at').as('first'), eb.fn.max('created_at').as('last')]).executeTakeFirstOrThrow(),
  );
  return { first: new Date(span.first), last: new Date(span.last) };
}

/** Deterministic pseudo-random instants inside the entity's history (mulberry32). */
function instants(span: Span, n: number, seed: number): Date[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const width = span.last.getTime() - span.first.getTime();
  return Array.from({ length: n }, () => new Date(span.first.getTime() + Math.floor(rand() * width)));
}

async function replayAll(env: BenchEnv, at: Date[]) {
  const samples: number[] = [];
  const results = [];
  for (const instant of at) {
    const { ms, value } = await timed(() => env.app.ledger.stateAt(TENANT, REF, instant));
    samples.push(ms);
    results.push(value);
  }
  return { samples, results, maxFolded: Math.max(...results.map((r) => r.folded)) };
}

async function bench(env: BenchEnv): Promise<void> {
  const diffs = intOption('diffs', 'ATRIUM_BENCH_REPLAY_DIFFS', 100_000);
  const calls = intOption('calls', 'ATRIUM_BENCH_REPLAY_CALLS', 300);
  const peerCalls = intOption('peer-calls', 'ATRIUM_BENCH_REPLAY_PEER_CALLS', 20);
  const span = await load(env, diffs);

  progress(`peer: ${peerCalls} replays folding from the first diff`);
  const checkAt = [span.last, ...instants(span, peerCalls - 1, 7)];
  const peer = await replayAll(env, checkAt);

  const build = await timed(() => env.app.ledger.snapshotNow(TENANT, REF));
  progress(`wrote ${build.value} snapshots in ${Math.round(build.ms)} ms`);
  if (build.value !== Math.floor(diffs / SNAPSHOT_EVERY)) throw new Error(`expected ${Math.floor(diffs / SNAPSHOT_EVERY)} snapshots, got ${build.value}`);

  // Correctness first: the same instants through the snapshots must give the same states.
  const again = await replayAll(env, checkAt);
  again.results.forEach((r, i) => {
    const full = peer.results[i]!;
    if (!isDeepStrictEqual(r.state, full.state) || r.as_of_diff_id !== full.as_of_diff_id) {
      throw new Error(`snapshot replay differs from the full fold at ${checkAt[i]!.toISOString()} (${full.as_of_diff_id})`);
    }
  });
  progress(`verified ${checkAt.length} instants: snapshot replay === full fold`);

  progress(`ours: ${calls} replays with snapshots`);
  const ours = await replayAll(env, instants(span, calls, 42));
  if (ours.maxFolded >= SNAPSHOT_EVERY) throw new Error(`a replay folded ${ours.maxFolded} diffs: snapshots were not used`);
  const a = latency(ours.samples);
  const b = latency(peer.samples);
  emit({
    bench: 'ledger.replay.state_at',
    ops_per_s: round(1000 / a.mean_ms, 1),
    p50_ms: a.p50_ms,
    p95_ms: a.p95_ms,
    p99_ms: a.p99_ms,
    peer: 'same replay without snapshots (fold from the first diff)',
    peer_ops_per_s: round(1000 / b.mean_ms, 2),
    peer_p50_ms: b.p50_ms,
    peer_p99_ms: b.p99_ms,
    ratio: round(b.p50_ms / a.p50_ms, 1),
    ratio_is: 'peer p50 / ours p50 (speed-up)',
    target: `p99 < ${TARGET_P99_MS} ms`,
    meets_target: a.p99_ms < TARGET_P99_MS,
    calls: a.n,
    peer_calls: b.n,
    entity_diffs: diffs,
    snapshot_every: SNAPSHOT_EVERY,
    snapshots: build.value,
    snapshot_build_ms: Math.round(build.ms),
    max_folded: ours.maxFolded,
    peer_max_folded: peer.maxFolded,
    verified_instants: checkAt.length,
    db: env.db,
  });
}

// Jobs on (stateAt enqueues a snapshot job after a long fold) but no worker runs them:
// the bench decides when snapshots exist.
main(() => withFreshApp({ poolMax: 2, jobs: true, snapshotEvery: SNAPSHOT_EVERY, snapshotLagSeconds: 0 }, 1, bench));
