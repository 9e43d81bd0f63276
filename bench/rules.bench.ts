// Reflex Arc (rules module), three measurements:
//
// rules.match — matching throughput: 1 000 rules (10 namespaces × 5 events × 20 rules, each
//   with 2–3 conditions over after.*/before.*) against a stream of 20 000 diffs (--diffs).
//   Ours: the compiled, namespace/event-indexed RuleIndex the evaluator uses. Peer:
//   json-rules-engine 7 holding the same 1 000 rules (namespace/event as conditions too, the
//   way it must express them) evaluating the same diffs. Both must find the same number of
//   matches (checked). Target ≥ 10× the peer's diffs/s.
//
// rules.reflex — latency from a committed diff to the committed effect diff of a notify rule
//   (the notification), on server Postgres with the evaluator and job workers in this
//   process: 300 triggers, one at a time (--triggers). Measured from the trigger's COMMIT to
//   the arrival of the NOTIFY that announces the effect diff. Target p99 < 50 ms. Peer: the
//   commit → NOTIFY arrival of a plain diff (the floor any reaction sits on).
//
// rules.sustained — a writer commits 2 000 diffs/s (batches of 100 every 50 ms) for 10 s
//   (--seconds) while the evaluator runs with 100 rules; the backlog (diffs committed but
//   not yet evaluated) is sampled every 250 ms. Passes when the evaluator keeps pace (final
//   backlog under one second of writes). Peer: the writer's own rate.
import { performance } from 'node:perf_hooks';
import { Engine } from 'json-rules-engine';
import { createApp, type App } from '../server/src/app.js';
import { DIFF_CHANNEL } from '../server/src/modules/ledger/index.js';
import { indexRules, type RuleRow } from '../server/src/modules/rules/ruleset.js';
import { inTenant } from '../server/src/platform/context.js';
import { loadConfig } from '../server/src/config.js';
import { freshDatabase } from '../server/src/testing/harness.js';
import { DEFAULT_DATABASE_URL, emit, intOption, latency, main, progress, round, usePGlite } from './lib.js';

const NAMESPACES = 10;
const EVENTS = 5;
const STATUSES = ['open', 'won', 'lost', 'stalled'];

type Leaf = { path: string; op: 'eq' | 'neq' | 'gt' | 'in'; value: string | number | string[] };
type SynthRule = { id: string; namespace: string; event: string; leaves: Leaf[] };

function synthRules(n: number): SynthRule[] {
  const out: SynthRule[] = [];
  for (let i = 0; i < n; i++) {
    const leaves: Leaf[] = [
      { path: 'after.status', op: 'eq', value: STATUSES[i % 4]! },
      { path: 'after.amount', op: 'gt', value: (i * 37) % 1000 },
    ];
    if (i % 3 === 0) leaves.push({ path: 'before.status', op: 'neq', value: STATUSES[(i + 1) % 4]! });
    if (i % 5 === 0) leaves.push({ path: 'after.owner', op: 'in', value: ['ana', 'bo', 'cy'] });
    out.push({ id: `rule_${i}`, namespace: `ns_${i % NAMESPACES}`, event: `deal.e${Math.floor(i / NAMESPACES) % EVENTS}`, leaves });
  }
  return out;
}

type SynthDiff = { namespace: string; entity_type: string; event: string; created_at: Date; before: Record<string, unknown>; after: Record<string, unknown>; metadata: Record<string, unknown>; actor: Record<string, unknown> };
function synthDiffs(n: number): SynthDiff[] {
  const owners = ['ana', 'bo', 'cy', 'dee', 'eli'];
  return Array.from({ length: n }, (_, i) => ({
    namespace: `ns_${(i * 7) % NAMESPACES}`, entity_type: 'deal', event: `deal.e${(i * 3) % EVENTS}`, created_at: new Date(),
    before: { status: STATUSES[(i + 1) % 4]!, amount: (i * 13) % 1000 },
    after: { status: STATUSES[i % 4]!, amount: (i * 31) % 1000, owner: owners[i % 5]! },
    metadata: {}, actor: { type: 'user', id: 'u' },
  }));
}

const OP: Record<Leaf['op'], string> = { eq: 'equal', neq: 'notEqual', gt: 'greaterThan', in: 'in' };

async function benchMatch(): Promise<void> {
  const rules = synthRules(1000);
  const diffs = synthDiffs(intOption('diffs', 'ATRIUM_BENCH_DIFFS', 20_000));
  const rows: RuleRow[] = rules.map((r) => ({
    id: r.id, tenant_id: 't', name: r.id, kind: 'reactive', enabled: true, active_after_diff: 0,
    trigger: { namespace: r.namespace, event: r.event, when: { all: r.leaves } }, actions: [],
  }));
  const index = indexRules(rows).reactive;
  const engine = new Engine([], { allowUndefinedFacts: true });
  for (const r of rules) {
    engine.addRule({
      name: r.id,
      conditions: { all: [
        { fact: 'namespace', operator: 'equal', value: r.namespace },
        { fact: 'event', operator: 'equal', value: r.event },
        ...r.leaves.map((l) => { const [root, field] = l.path.split('.') as [string, string]; return { fact: root, path: `$.${field}`, operator: OP[l.op], value: l.value }; }),
      ] },
      event: { type: r.id },
    });
  }
  // Warm-up, and the correctness check: same matches on both sides.
  let ours = 0;
  for (const d of diffs.slice(0, 200)) ours += index.match(d as never).length;
  let theirs = 0;
  for (const d of diffs.slice(0, 200)) theirs += (await engine.run(d)).events.length;
  if (ours !== theirs) throw new Error(`the two engines disagree: ${ours} vs ${theirs} matches`);
  progress(`rules.match: both engines find ${ours} matches in the first 200 diffs`);

  const t0 = performance.now();
  let matches = 0;
  for (const d of diffs) matches += index.match(d as never).length;
  const oursMs = performance.now() - t0;
  const peerDiffs = diffs.slice(0, Math.min(diffs.length, 500));
  const t1 = performance.now();
  let peerMatches = 0;
  for (const d of peerDiffs) peerMatches += (await engine.run(d)).events.length;
  const peerMs = performance.now() - t1;
  const oursRate = diffs.length / (oursMs / 1000);
  const peerRate = peerDiffs.length / (peerMs / 1000);
  emit({
    bench: 'rules.match', rules: rules.length, diffs: diffs.length, matches,
    ours: { diffs_per_s: round(oursRate, 0), matches_per_s: round(matches / (oursMs / 1000), 0) },
    peer: { name: 'json-rules-engine 7', diffs: peerDiffs.length, diffs_per_s: round(peerRate, 0), matches_per_s: round(peerMatches / (peerMs / 1000), 0) },
    ratio: round(oursRate / peerRate, 1), target: '>= 10x', pass: oursRate / peerRate >= 10,
  });
}

async function startApp(): Promise<{ app: App; drop: () => Promise<void> }> {
  const pglite = usePGlite();
  const fresh = pglite ? null : await freshDatabase(process.env.ATRIUM_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL);
  const config = loadConfig({}, { port: 0, databaseUrl: fresh?.url ?? 'memory://', logLevel: 'silent', seedDemo: false, jobs: true });
  const app = await createApp(config);
  await app.start('all', { listen: false });
  return { app, drop: async () => { await app.stop(); await fresh?.drop(); } };
}

async function benchReflex(app: App, tenantId: string, userId: string): Promise<void> {
  const actor = { type: 'user' as const, id: userId };
  await inTenant(app.db, { tenantId, actor }, async (ctx) => {
    await ctx.tx.insertInto('rules').values({
      id: 'rule_reflex', tenant_id: tenantId, name: 'Reflex', kind: 'reactive', created_by: userId,
      trigger: { namespace: 'bench', event: 'ping.sent' }, actions: JSON.stringify([{ type: 'notify', to: 'role:owner', message: 'pong {{after.n}}' }]),
    }).execute();
  });
  const arrivals: { at: number; min: number; max: number }[] = [];
  const unsubscribe = app.hub.subscribe(DIFF_CHANNEL, tenantId, (n) => arrivals.push({ at: performance.now(), min: n.min as number, max: n.max as number }));
  const arrivalOf = async (id: number, timeoutMs = 5000): Promise<number> => {
    const t0 = performance.now();
    for (;;) {
      const hit = arrivals.find((a) => a.min <= id && id <= a.max);
      if (hit) return hit.at;
      if (performance.now() - t0 > timeoutMs) throw new Error(`no notice for diff ${id}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  const record = (event: string, n: number) => inTenant(app.db, { tenantId, actor }, (ctx) =>
    app.ledger.record(ctx, { namespace: 'bench', entityType: 'ping', entityId: `p${n}`, event, after: { n } }));
  /** The effect's id: looked up only when a notice of newer diffs arrives (no busy polling of the database). */
  const effectOf = async (triggerId: number): Promise<number> => {
    const t0 = performance.now();
    let seen = 0;
    while (performance.now() - t0 < 5000) {
      if (arrivals.length > seen && arrivals.some((a) => a.max > triggerId)) {
        seen = arrivals.length;
        const row = await app.db.systemTx((tx) => tx.selectFrom('diffs').select('id').where('causation_id', '=', triggerId).where('event', '=', 'notification.sent').executeTakeFirst());
        if (row) return row.id;
      }
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`no effect for ${triggerId}`);
  };
  const n = intOption('triggers', 'ATRIUM_BENCH_TRIGGERS', 300);
  const ours: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < n; i++) {
    // Peer: a plain diff nobody reacts to, commit → its own NOTIFY.
    const plain = await record('ping.ignored', i);
    const plainCommitted = performance.now();
    peer.push((await arrivalOf(plain.id)) - plainCommitted);
    const trigger = await record('ping.sent', i);
    const committed = performance.now();
    const effect = await effectOf(trigger.id);
    ours.push((await arrivalOf(effect)) - committed);
    arrivals.length = 0;
  }
  unsubscribe();
  const o = latency(ours);
  const p = latency(peer);
  emit({ bench: 'rules.reflex', db: app.db.kind, triggers: n, ours: o, peer: { name: 'commit → NOTIFY of a plain diff', ...p }, ratio_p99: round(o.p99_ms / p.p99_ms, 1), target: 'p99 < 50 ms', pass: o.p99_ms < 50 });
}

async function benchSustained(app: App, tenantId: string, userId: string): Promise<void> {
  const actor = { type: 'user' as const, id: userId };
  await inTenant(app.db, { tenantId, actor }, async (ctx) => {
    await ctx.tx.insertInto('rules').values(synthRules(100).map((r) => ({
      id: `s_${r.id}`, tenant_id: tenantId, name: r.id, kind: 'reactive' as const, created_by: userId,
      // namespaces the writer never uses: evaluation cost without a flood of effects
      trigger: { namespace: `${r.namespace}_x`, event: r.event, when: { all: r.leaves } }, actions: JSON.stringify([{ type: 'notify', to: 'role:owner', message: 'x' }]),
    }))).execute();
  });
  const seconds = intOption('seconds', 'ATRIUM_BENCH_SECONDS', 10);
  const rate = 2000;
  const batch = 100;
  const diffs = synthDiffs(batch);
  let written = 0;
  const backlog: number[] = [];
  const lag = async () => {
    const r = await app.db.ownerExecutor.executeSql(`select (select count(*) from diffs where id > (select diff_id from ledger_subscriptions where name = 'rules'))::int as n`);
    return (r.rows[0] as { n: number }).n;
  };
  const sampler = setInterval(() => void lag().then((n) => backlog.push(n)), 250);
  const t0 = performance.now();
  for (let tick = 0; performance.now() - t0 < seconds * 1000; tick++) {
    const due = t0 + tick * (1000 * batch / rate);
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await inTenant(app.db, { tenantId, actor }, (ctx) => app.ledger.recordBatch(ctx, diffs.map((d, i) => ({
      namespace: d.namespace, entityType: 'deal', entityId: `d${tick}_${i}`, event: d.event, before: d.before as never, after: d.after as never,
    }))));
    written += batch;
  }
  const elapsed = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const finalBacklog = await lag();
  const drainStart = performance.now();
  await app.rules.drain();
  const drainMs = performance.now() - drainStart;
  const writeRate = written / elapsed;
  emit({
    bench: 'rules.sustained', db: app.db.kind, rules: 100, seconds: round(elapsed, 1),
    ours: { backlog_max: Math.max(...backlog), backlog_final: finalBacklog, backlog_samples: backlog.filter((_, i) => i % 4 === 0), drain_ms_after: round(drainMs, 0) },
    peer: { name: 'the writer', diffs_per_s: round(writeRate, 0) },
    target: 'keeps up with 2000 diffs/s (final backlog < 1 s of writes)', pass: writeRate >= 1900 && finalBacklog < rate,
  });
}

main(async () => {
  await benchMatch();
  const { app, drop } = await startApp();
  try {
    const { tenantId, userId } = await app.identity.createTenantWithOwner({ name: 'Bench Reflex', plan: 'enterprise', owner: { email: `owner-${Date.now()}@bench.test`, name: 'Owner' } });
    await benchReflex(app, tenantId, userId);
    await benchSustained(app, tenantId, userId);
  } finally {
    await drop();
  }
});
