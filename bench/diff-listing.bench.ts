// Diff listing latency: the query behind GET /v1/diffs (`listDiffs`, inside a tenant
// transaction, so RLS applies) filtered by namespace and a one-day window, limit 50, over
// a ledger of 1 000 000 diffs (--rows / ATRIUM_BENCH_ROWS) from 20 tenants × 10 namespaces
// spread over 30 days. Peer: the same SQL sent raw, tenant as a plain parameter, no
// transaction, no role switch.
import { listDiffs } from '../server/src/modules/ledger/queries.js';
import { txExecutor } from '../server/src/platform/db/index.js';
import { emit, intOption, latency, main, progress, round, timed, withFreshApp, type BenchEnv } from './lib.js';

const TENANTS = 20;
const NAMESPACES = 10;
const DAYS = 30;
const LIMIT = 50;
const CHUNK = 500_000;
const TARGET_P95_MS = 20;
const DAY_MS = 86_400_000;

/**
 * Rows $1..$2 of the synthetic history, in time order (ids follow time, as appends do):
 * tenant and namespace rotate, one diff in 50 carries a why.
 */
const LOAD_SQL = `
  insert into diffs (tenant_id, namespace, entity_type, entity_id, event, value_before, value_after, metadata,
                     actor_type, actor_id, created_at)
  select 'ten_' || (g % ${TENANTS}), 'ns_' || ((g / ${TENANTS}) % ${NAMESPACES}), t.type, t.type || '_' || (g % 5000),
         t.type || case when g % 9 = 0 then '.created' else '.updated' end,
         jsonb_build_object('status', 'open', 'amount', g % 1000),
         jsonb_build_object('status', (array['open','won','lost'])[g % 3 + 1], 'amount', g % 977),
         jsonb_build_object('source', 'bench'), 'user', 'usr_' || (g % 50),
         $3::timestamptz + make_interval(secs => g * $4::float8)
  from generate_series($1::int, $2::int) as g,
  lateral (select (array['contact','deal','ticket','invoice'])[g % 4 + 1] as type) t`;

const ANNOTATE_SQL = `
  insert into annotations (id, tenant_id, diff_id, author_type, author_id, why)
  select 'ann_' || id, tenant_id, id, 'user', actor_id, 'imported from the legacy CRM, batch ' || (id % 97)
  from diffs where id % 50 = 0`;

const PEER_DIFFS_SQL = `
  select id, namespace, entity_type, entity_id, event, value_before, value_after, metadata,
         actor_type, actor_id, causation_id, correlation_id, created_at
  from diffs
  where tenant_id = $1 and namespace = $2 and created_at >= $3 and created_at <= $4
  order by created_at desc, id desc limit ${LIMIT + 1}`;

const PEER_NOTES_SQL = `
  select id, diff_id, author_type, author_id, why, sentiment, created_at
  from annotations where tenant_id = $1 and diff_id = any($2::bigint[]) order by created_at, id`;

async function load(env: BenchEnv, rows: number): Promise<Date> {
  const start = new Date(Date.now() - DAYS * DAY_MS - 60_000);
  const step = (DAYS * DAY_MS) / 1000 / rows;
  const { ms } = await timed(async () => {
    for (let lo = 0; lo < rows; lo += CHUNK) {
      const hi = Math.min(rows, lo + CHUNK) - 1;
      await env.app.db.systemTx((tx) => txExecutor(tx).executeSql(LOAD_SQL, [lo, hi, start, step]));
      progress(`loaded ${hi + 1}/${rows} diffs`);
    }
    await env.app.db.systemTx((tx) => txExecutor(tx).executeSql(ANNOTATE_SQL));
    await env.app.db.ownerExecutor.executeSql('analyze diffs');
    await env.app.db.ownerExecutor.executeSql('analyze annotations');
  });
  progress(`loaded and analysed in ${Math.round(ms / 1000)} s`);
  return start;
}

type Query = { tenant: string; namespace: string; since: Date; until: Date };

/** Deterministic queries: tenant, namespace and a one-day window anywhere in the 30 days. */
function queries(start: Date, n: number): Query[] {
  let seed = 1234567;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  return Array.from({ length: n }, () => {
    const since = new Date(start.getTime() + Math.floor(rand() * (DAYS - 1) * DAY_MS));
    return {
      tenant: `ten_${Math.floor(rand() * TENANTS)}`,
      namespace: `ns_${Math.floor(rand() * NAMESPACES)}`,
      since,
      until: new Date(since.getTime() + DAY_MS),
    };
  });
}

async function ours(env: BenchEnv, q: Query): Promise<string[]> {
  const page = await env.app.db.tenantTx(q.tenant, (tx) =>
    listDiffs(tx, { namespace: q.namespace, since: q.since, until: q.until }, LIMIT),
  );
  return page.items.map((d) => d.id);
}

async function peer(env: BenchEnv, q: Query): Promise<string[]> {
  const rows = (await env.raw(PEER_DIFFS_SQL, [q.tenant, q.namespace, q.since, q.until])) as { id: string | number }[];
  const page = rows.slice(0, LIMIT);
  await env.raw(PEER_NOTES_SQL, [q.tenant, page.map((r) => r.id)]);
  return page.map((r) => `dif_${r.id}`);
}

async function bench(env: BenchEnv): Promise<void> {
  const rows = intOption('rows', 'ATRIUM_BENCH_ROWS', 1_000_000);
  const n = intOption('queries', 'ATRIUM_BENCH_QUERIES', 500);
  const start = await load(env, rows);
  const all = queries(start, n + 50);
  let seen = 0;
  for (const q of all.slice(0, 50)) {
    const [a, b] = [await ours(env, q), await peer(env, q)];
    if (a.join() !== b.join()) {
      throw new Error(`listDiffs and the raw query disagree for ${JSON.stringify(q)}: ${a.length} vs ${b.length} rows`);
    }
    seen += a.length;
  }
  if (seen === 0) throw new Error('the warm-up queries found no diffs: the load or the filters are wrong');
  progress(`warmed up; 50 queries agree with the peer (${(seen / 50).toFixed(1)} rows per page on average)`);
  const mine: number[] = [];
  const theirs: number[] = [];
  for (const [i, q] of all.slice(50).entries()) {
    // alternate who goes first so neither side always finds the pages the other just read
    const runs = i % 2 === 0 ? [[mine, ours], [theirs, peer]] as const : [[theirs, peer], [mine, ours]] as const;
    for (const [samples, fn] of runs) samples.push((await timed(() => fn(env, q))).ms);
  }
  const a = latency(mine);
  const b = latency(theirs);
  emit({
    bench: 'ledger.diffs.list',
    ops_per_s: round(1000 / a.mean_ms, 1),
    p50_ms: a.p50_ms,
    p95_ms: a.p95_ms,
    p99_ms: a.p99_ms,
    peer: 'same SQL as raw pg queries (no transaction, no RLS)',
    peer_ops_per_s: round(1000 / b.mean_ms, 1),
    peer_p50_ms: b.p50_ms,
    peer_p95_ms: b.p95_ms,
    peer_p99_ms: b.p99_ms,
    ratio: round(b.mean_ms / a.mean_ms, 3),
    ratio_is: 'ours ops/s / peer ops/s',
    target: `p95 < ${TARGET_P95_MS} ms`,
    meets_target: a.p95_ms < TARGET_P95_MS,
    queries: a.n,
    rows_per_page: round(seen / 50, 1),
    rows,
    tenants: TENANTS,
    namespaces: NAMESPACES,
    days: DAYS,
    window: '1 day',
    limit: LIMIT,
    db: env.db,
  });
}

main(() => withFreshApp({ poolMax: 2 }, 1, bench));
