// Semantic recall for agent memories (server/src/modules/agents/recall.ts, decision 0070).
//
// agents.recall.quality — recall@5 (and top-1, MRR) of 50 paraphrased questions over 50 facts
//   one agent remembers, embedded by the real offline embedder (USE-lite, 512 dims) through
//   ai.embed. Peers in the same run: an exact in-process cosine scan over the same vectors (what
//   an exact search finds: the store must find the same), and word overlap (what a keyword
//   search would find) — the gap is what semantic recall adds.
// agents.recall.search — latency of recall(k = 10) through the whole path (tenant transaction,
//   RLS, the storage mode's query) over N memories (default 100 000, --memories=N) in one
//   agent's store, beside 2 000 of another agent and another tenant's. The embeddings are
//   SYNTHETIC (512 dims, seeded: 2 000 cluster centres plus noise, so the space has structure
//   as real embeddings do): fine for latency, not for quality. Target p95 < 20 ms. Peer in the
//   same run: an exact cosine scan in process over the same vectors (Float32Array, no
//   database), queries alternating; ratio = ours p95 / peer p95. Also reported: how many of the
//   exact top 10 the store returned (HNSW is approximate; the array mode is exact).
// agents.recall.search_array — on a database with pgvector, the same queries through the other
//   storage mode (real[] scored in SQL, forced), fewer of them (it is a linear scan).
// agents.recall.index — indexMemories throughput while loading the store.
// Run: npm run bench -- agents-recall [--pglite] [--memories=N] [--queries=N]
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { forgetMemories, indexMemories, recall, recallMode, type RecallItem, type RecallMode } from '../server/src/modules/agents/recall.js';
import { inTenant, type CtxSource } from '../server/src/platform/context.js';
import { emit, intOption, latency, main, progress, round, withFreshApp, type BenchEnv } from './lib.js';

const TARGET_P95_MS = 20;
const DIMS = 512;
const K = 10;

// 50 facts an assistant might remember, each with a question that paraphrases it.
const FACTS: [fact: string, question: string][] = [
  ['Dana drinks her coffee black with no sugar.', 'How does Dana take her coffee?'],
  ['Lucas was born on the fourteenth of March.', 'When is Lucas\'s birthday?'],
  ['The customer owns a golden retriever called Biscuit.', 'What is the name of the client\'s pet?'],
  ['Priya is allergic to peanuts and carries an epipen.', 'Which food can Priya not eat?'],
  ['The Berlin office is on the third floor near the train station.', 'Where in Berlin is our office?'],
  ['Invoices are sent to the finance team at the end of each month.', 'When do we bill the accounting department?'],
  ['Marco drives a red electric car to work.', 'What vehicle does Marco use for his commute?'],
  ['The team is going skiing in the Alps in February.', 'Where will the team go on its winter holiday?'],
  ['The Wi-Fi password for the guest network is changed every Monday.', 'How often is the visitor wireless password rotated?'],
  ['Sofia prefers to be contacted by email rather than phone.', 'What is the best way to reach Sofia?'],
  ['The quarterly board meeting takes place in the large conference room.', 'Which room hosts the board meetings?'],
  ['Our main supplier of packaging is based in Rotterdam.', 'Where is the packaging vendor located?'],
  ['Ahmed speaks Arabic, French and English fluently.', 'What languages does Ahmed know?'],
  ['The support desk is open from eight in the morning until six in the evening.', 'What are the help desk opening hours?'],
  ['The annual software licence renewal is due in September.', 'When do we have to renew the software subscription?'],
  ['Elena is a vegetarian and does not eat fish either.', 'Does Elena eat meat?'],
  ['The server room temperature must stay below twenty-two degrees.', 'How warm may the data centre get?'],
  ['Jonas plays the cello in a local orchestra.', 'Which instrument does Jonas play?'],
  ['The company was founded in 1998 in a garage in Lyon.', 'When and where did the business start?'],
  ['The parking garage closes at midnight on weekdays.', 'Until what time can I leave my car in the car park?'],
  ['Mia is on parental leave until the end of June.', 'When will Mia be back from maternity leave?'],
  ['The client wants all reports delivered as PDF files.', 'In what format should documents go to the customer?'],
  ['Our biggest competitor just lowered its prices by ten percent.', 'Did a rival company cut its prices?'],
  ['The fire drill is scheduled for next Thursday afternoon.', 'When is the evacuation exercise?'],
  ['Tom\'s daughter started university in Edinburgh this autumn.', 'Where does Tom\'s child study?'],
  ['The printer on the second floor is often out of toner.', 'Which printer keeps running out of ink?'],
  ['New employees get a laptop and a phone on their first day.', 'What equipment do new hires receive?'],
  ['The marketing budget for next year was cut by a fifth.', 'How much did the advertising spend shrink?'],
  ['Grace runs a marathon every spring.', 'What sport does Grace do?'],
  ['The warehouse in Leeds handles all returns.', 'Where are returned products processed?'],
  ['The CEO is flying to Tokyo for a trade fair in May.', 'Why is the chief executive travelling to Japan?'],
  ['Customers can cancel their subscription within fourteen days for a full refund.', 'How long do buyers have to get their money back?'],
  ['The kitchen dishwasher is broken and a repair is booked for Friday.', 'When will the dishwasher be fixed?'],
  ['Oliver is afraid of flying and prefers trains.', 'How does Oliver like to travel?'],
  ['The database backups run every night at two o\'clock.', 'At what time are the nightly backups taken?'],
  ['Hannah collects vintage postcards from the 1950s.', 'What is Hannah\'s hobby?'],
  ['The legal team must approve every contract above fifty thousand euros.', 'Who has to sign off large agreements?'],
  ['The office plants are watered by a service on Tuesdays.', 'Who takes care of the greenery in the office?'],
  ['Ravi moved from Mumbai to Toronto last year.', 'Which city did Ravi relocate to?'],
  ['The summer party will be held on a boat on the river.', 'Where is the company celebration in summer?'],
  ['Our app crashes on older Android phones when uploading photos.', 'What bug affects image uploads on mobile?'],
  ['Chloe is learning Japanese in evening classes.', 'Which language is Chloe studying?'],
  ['The meeting rooms can be booked through the shared calendar.', 'How do I reserve a conference room?'],
  ['The delivery van needs new tyres before winter.', 'What maintenance does the truck require?'],
  ['Felix has two cats named Pepper and Salt.', 'What pets does Felix have?'],
  ['The security badge must be worn visibly at all times.', 'Do I have to display my access card?'],
  ['Our Paris shop sells the most umbrellas in November.', 'When do umbrella sales peak in the French store?'],
  ['Isabel wants a window seat whenever she travels.', 'Where does Isabel like to sit on a plane?'],
  ['The coffee machine is descaled on the first day of every month.', 'How often is the espresso maker cleaned?'],
  ['Leo is colour-blind and cannot tell red from green.', 'Which colours does Leo confuse?'],
];

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return dot / Math.sqrt(na * nb);
}

const words = (s: string) => new Set(s.toLowerCase().match(/[a-z0-9']+/g) ?? []);
function overlap(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const w of a) if (b.has(w)) n++;
  return n / Math.sqrt(a.size * b.size || 1);
}

/** rank (1-based) of `expected` in `ranked`, or Infinity. */
const rankOf = (ranked: string[], expected: string) => { const i = ranked.indexOf(expected); return i < 0 ? Infinity : i + 1; };
function quality(ranks: number[]) {
  return {
    recall_at_5: round(ranks.filter((r) => r <= 5).length / ranks.length, 3),
    top_1: round(ranks.filter((r) => r === 1).length / ranks.length, 3),
    mrr: round(ranks.reduce((s, r) => s + (Number.isFinite(r) ? 1 / r : 0), 0) / ranks.length, 3),
  };
}

async function recallQuality(env: BenchEnv, source: CtxSource, mode: RecallMode): Promise<void> {
  const { app } = env;
  const embed = async (texts: string[]) => (await inTenant(app.db, source, (ctx) => app.ai.embed(ctx, texts, { feature: 'bench' }))).embeddings;
  const factVecs = await embed(FACTS.map(([f]) => f));
  const questionVecs = await embed(FACTS.map(([, q]) => q));
  if (factVecs[0]!.length !== DIMS) throw new Error(`the offline embedder gave ${factVecs[0]!.length} dimensions, not ${DIMS}`);
  const memId = (i: number) => `mem_fact_${String(i).padStart(2, '0')}`;
  await inTenant(app.db, source, (ctx) => indexMemories(ctx, FACTS.map(([f], i) => ({ memoryId: memId(i), agentId: 'agt_quality', text: f, embedding: factVecs[i]! }))));
  const ours: number[] = [], exact: number[] = [], lexical: number[] = [];
  const factWords = FACTS.map(([f]) => words(f));
  const misses: string[] = [];
  for (const [i, [, question]] of FACTS.entries()) {
    const hits = await inTenant(app.db, source, (ctx) => recall(ctx, 'agt_quality', questionVecs[i]!, 5));
    ours.push(rankOf(hits.map((h) => h.memoryId), memId(i)));
    if (ours.at(-1)! > 1) misses.push(`${question} → ${FACTS[Number(hits[0]!.memoryId.slice(-2))]![0]}`);
    const byCosine = factVecs.map((v, j) => ({ j, s: cosine(questionVecs[i]!, v) })).sort((a, b) => b.s - a.s).map((x) => memId(x.j));
    exact.push(rankOf(byCosine, memId(i)));
    const qw = words(question);
    const byWords = factWords.map((w, j) => ({ j, s: overlap(qw, w) })).sort((a, b) => b.s - a.s || a.j - b.j).map((x) => memId(x.j));
    lexical.push(rankOf(byWords, memId(i)));
  }
  const q = quality(ours);
  emit({
    bench: 'agents.recall.quality', mode, db: env.db, facts: FACTS.length, questions: FACTS.length, embedder: 'offline (USE-lite, 512 dims)', ...q,
    peer: 'exact in-process cosine scan over the same vectors', peer_recall_at_5: quality(exact).recall_at_5, peer_top_1: quality(exact).top_1,
    ratio: round(q.recall_at_5 / Math.max(1e-9, quality(exact).recall_at_5), 3),
    lexical_peer: 'word overlap (a keyword search)', lexical_recall_at_5: quality(lexical).recall_at_5, lexical_top_1: quality(lexical).top_1,
  });
  for (const m of misses) progress(`not first: ${m}`);
}

/** Seeded PRNG (mulberry32) and a standard normal from it. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

/** `count` synthetic 512-dim unit vectors around `centres` cluster centres, as one Float32Array. */
function synthetic(count: number, seed: number, centres: Float32Array, noise: number): Float32Array {
  const r = rng(seed);
  const nCentres = centres.length / DIMS;
  const out = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(r.next() * nCentres) * DIMS;
    let norm = 0;
    for (let d = 0; d < DIMS; d++) { const x = centres[c + d]! + noise * r.normal(); out[i * DIMS + d] = x; norm += x * x; }
    const inv = 1 / Math.sqrt(norm);
    for (let d = 0; d < DIMS; d++) out[i * DIMS + d]! *= inv;
  }
  return out;
}

function centresOf(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n * DIMS);
  for (let i = 0; i < out.length; i++) out[i] = r.normal() / Math.sqrt(DIMS);
  return out;
}

const row = (vs: Float32Array, i: number) => Array.from(vs.subarray(i * DIMS, (i + 1) * DIMS));

/** The exact top k of `q` over `vs` (unit vectors: cosine = dot product). */
function exactTop(vs: Float32Array, count: number, q: ArrayLike<number>, k: number): number[] {
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < count; i++) {
    let dot = 0;
    const o = i * DIMS;
    for (let d = 0; d < DIMS; d++) dot += vs[o + d]! * q[d]!;
    if (best.length < k || dot > best[best.length - 1]!.s) {
      best.push({ i, s: dot });
      best.sort((a, b) => b.s - a.s);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.i);
}

async function searchLatency(env: BenchEnv, source: CtxSource, other: CtxSource, mode: RecallMode): Promise<void> {
  const { app } = env;
  const n = intOption('memories', 'ATRIUM_BENCH_RECALL_MEMORIES', 100_000);
  const queries = intOption('queries', 'ATRIUM_BENCH_RECALL_QUERIES', mode === 'pgvector' ? 300 : 30);
  const centres = centresOf(2000, 11);
  const vs = synthetic(n, 12, centres, 0.02);
  const id = (i: number) => `mem_syn_${i}`;
  progress(`indexing ${n} synthetic memories (${mode})`);
  const BATCH = 1000;
  // Bulk load: the HNSW index is built once after the rows are in (faster than growing it row by
  // row); agents.recall.index reports both parts. The owner does it: no API drops an index.
  const hnsw = mode === 'pgvector';
  if (hnsw) await env.raw('drop index agent_recall_vec_hnsw');
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const items: RecallItem[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) items.push({ memoryId: id(j), agentId: 'agt_big', text: `synthetic memory ${j}`, embedding: row(vs, j) });
    await inTenant(app.db, source, (ctx) => indexMemories(ctx, items));
    if ((i / BATCH) % 10 === 9) progress(`  ${i + BATCH} indexed, ${round((performance.now() - t0) / 1000, 1)} s`);
  }
  const loadMs = performance.now() - t0;
  if (hnsw) await env.raw(`set maintenance_work_mem = '512MB'; create index agent_recall_vec_hnsw on agent_recall using hnsw (vec vector_cosine_ops)`.split('; ')[1]!);
  const indexMs = performance.now() - t0;
  // Neighbours in other stores: another agent of the tenant, and another tenant's same agent id.
  const others = synthetic(2000, 13, centres, 0.02);
  const items = (agentId: string, prefix: string) => Array.from({ length: 2000 }, (_, j) => ({ memoryId: `${prefix}_${j}`, agentId, text: `other ${j}`, embedding: row(others, j) }));
  await inTenant(app.db, source, (ctx) => indexMemories(ctx, items('agt_small', 'mem_small')));
  await inTenant(app.db, other, (ctx) => indexMemories(ctx, items('agt_big', 'mem_other')));
  emit({ bench: 'agents.recall.index', mode, db: env.db, memories: n, ms: round(indexMs, 0), memories_per_s: round(n / (indexMs / 1000), 0), rows_ms: round(loadMs, 0), hnsw_build_ms: round(indexMs - loadMs, 0), batch: BATCH });

  const qs = synthetic(queries + 20, 14, centres, 0.03);
  const run = async (label: string, forced: RecallMode | undefined, count: number) => {
    const ours: number[] = [], peer: number[] = [];
    let overlapSum = 0;
    const one = async (i: number, measure: boolean) => {
      const q = row(qs, i);
      const t1 = performance.now();
      const hits = await inTenant(app.db, source, (ctx) => recall(ctx, 'agt_big', q, K, { mode: forced }));
      const ms1 = performance.now() - t1;
      const t2 = performance.now();
      const truth = exactTop(vs, n, q, K);
      const ms2 = performance.now() - t2;
      if (!hits.every((h) => h.memoryId.startsWith('mem_syn_'))) throw new Error('recall returned another store\'s memory');
      if (measure) {
        ours.push(ms1); peer.push(ms2);
        const found = new Set(hits.map((h) => h.memoryId));
        overlapSum += truth.filter((t) => found.has(id(t))).length / K;
      }
    };
    for (let i = 0; i < Math.min(20, Math.ceil(count / 5)); i++) await one(queries + i, false); // warm-up
    progress(`${label}: ${count} queries`);
    for (let i = 0; i < count; i++) await one(i, true);
    const [a, b] = [latency(ours), latency(peer)];
    emit({
      bench: label, mode: forced ?? mode, db: env.db, memories_in_store: n, other_memories: 4000, k: K, dims: DIMS,
      embeddings: 'synthetic (seeded clusters), latency only', n: a.n,
      p50_ms: a.p50_ms, p95_ms: a.p95_ms, p99_ms: a.p99_ms, max_ms: a.max_ms,
      peer: 'exact cosine scan in process (Float32Array) over the same vectors', peer_p50_ms: b.p50_ms, peer_p95_ms: b.p95_ms, peer_p99_ms: b.p99_ms,
      ratio: round(a.p95_ms / b.p95_ms, 3), ratio_of: 'ours p95 / peer p95',
      recall_at_10_vs_exact: round(overlapSum / count, 3),
      target: `p95 < ${TARGET_P95_MS} ms`, meets_target: a.p95_ms < TARGET_P95_MS,
    });
  };
  await run('agents.recall.search', undefined, queries);
  if (mode === 'pgvector') await run('agents.recall.search_array', 'array', Math.min(queries, intOption('array-queries', 'ATRIUM_BENCH_RECALL_ARRAY_QUERIES', 10)));
  // The plan of the pgvector query as recall.ts runs it (sorting off; no ANALYZE has run).
  const plan = await inTenant(app.db, source, async (ctx) =>
    (await sql`select set_config('enable_sort', 'off', true)`.execute(ctx.tx), await sql<{ 'QUERY PLAN': string }>`explain select memory_id from agent_recall where tenant_id = ${source.tenantId} and agent_id = 'agt_big' and vec is not null order by vec <=> ${`[${row(qs, 0).join(',')}]`}::vector limit 10`.execute(ctx.tx).catch(() => ({ rows: [] }))).rows.map((r) => r['QUERY PLAN']));
  if (plan.length) progress(`plan: ${plan.filter((l) => !/^\s*Sort Key/.test(l)).map((l) => l.trim().slice(0, 120)).join(' | ')}`);
  await inTenant(app.db, source, (ctx) => forgetMemories(ctx, ['mem_syn_0']));
}

main(() =>
  withFreshApp({}, 1, async (env) => {
    const { app } = env;
    const mk = async (name: string): Promise<CtxSource> => {
      const t = await app.identity.createTenantWithOwner({ name, plan: 'enterprise', owner: { email: `${name.replace(/\W/g, '-').toLowerCase()}@example.test`, name: 'Bench' } });
      return { tenantId: t.tenantId, actor: { type: 'system', id: 'bench' } };
    };
    const source = await mk('Recall bench');
    const other = await mk('Recall bench other');
    const mode = await inTenant(app.db, source, (ctx) => recallMode(ctx.tx));
    progress(`storage mode: ${mode} on ${env.db}`);
    await recallQuality(env, source, mode);
    await searchLatency(env, source, other, mode);
  }),
);
