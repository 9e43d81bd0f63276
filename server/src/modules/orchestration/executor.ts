// The executor: advances runs. Each process that executes (worker, or the embedded `start`)
// claims runnable runs with a lease (`lease_owner`, `lease_until`, FOR UPDATE SKIP LOCKED),
// renews the lease while it works and lets it lapse if it dies, so another process takes the
// run over within a lease (kill -9 → resume). A pass over a run reads its journal once, asks
// the planner what is next, and commits each step in one transaction with its journal row and
// diffs — and, when that step is the run's last, with the run's completion too. A second
// executor of the same attempt (a lease lost while the first was still working) fails on the
// journal's primary key and rolls its effects back: a step's effect is never doubled.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Insertable } from 'kysely';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR, inTenant, type Actor, type Ctx } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db/index.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { Ledger } from '../ledger/index.js';
import type { DiffInput } from '../ledger/index.js';
import { retrySchema, type FlowDefinition, type InnerStep, type StepDef } from './definition.js';
import { isSettled, orderOf, plan, scopeOf, unhandledErrorBranch, type Scope, type States, type Unit } from './plan.js';
import { NS, resolveWait, Versions, type RunRow } from './runs.js';
import type { OrchestrationTables, StepStatus } from './schema.js';
import { ChangeHeld } from '../../platform/http/route.js';
import { asPrincipal, checkOutput, executeInTx, executeOutside, failedOutcome, render, runsInTx, type Outcome, type RunInfo, type StepDeps } from './steps.js';

export const FLOW_CHANNEL = 'atrium_flows';
/** The notice that runs became claimable (the hub routes by tenant; executors serve all). */
export const RUNS_NOTICE = '*runs';

type JournalRow = { step_key: string; attempt: number; step_type: string; status: StepStatus; branch: string | null; input: Json | null; output: Json | null; error: Json | null; retry_at: Date | null; seq: string | number };

export type ExecutorDeps = {
  db: Db;
  ledger: Pick<Ledger, 'record' | 'recordBatch'>;
  hub: RealtimeHub;
  log: Logger;
  versions: Versions;
  steps: StepDeps;
  slots: number;
  leaseMs: number;
  now?: () => Date;
};

/** What a pass over a run came to: its status when the pass let go of it. */
export type PassEnd = { id: string; status: string };

type Pending = { key: string; step: StepDef; status: 'completed' | 'skipped'; output: Json | null; branch: string | null };

const FINAL = new Set(['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled']);
const DEFAULT_RETRY = retrySchema.parse({});

export function statesOf(rows: readonly JournalRow[]): States {
  const states: States = new Map();
  for (const r of rows) {
    const prev = states.get(r.step_key);
    if (prev && prev.attempt > r.attempt) continue;
    states.set(r.step_key, { status: r.status, attempt: r.attempt, output: r.output, branch: r.branch, dueAt: r.retry_at, error: r.error, seq: Number(r.seq) });
  }
  return states;
}

export function retryDelayMs(policy: { initial_ms: number; max_ms: number; factor: number; jitter: boolean }, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = Math.min(policy.max_ms, policy.initial_ms * policy.factor ** (attempt - 1));
  const jittered = policy.jitter ? base * (0.5 + random()) : base;
  return Math.min(policy.max_ms, Math.max(jittered, retryAfterMs ?? 0));
}

export class Executor {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #d: ExecutorDeps;
  readonly #active = new Map<string, Promise<void>>();
  #timers: NodeJS.Timeout[] = [];
  #pumping = false;
  #backlog = false;
  #lastPromote = 0;
  #again = false;
  #stopped = true;
  #unsubscribe: (() => void) | null = null;
  readonly #watchers = new Set<(end: PassEnd) => void>();

  constructor(d: ExecutorDeps) {
    this.#d = d;
  }

  #now(): Date {
    return (this.#d.now ?? (() => new Date()))();
  }

  /** Told after every pass over a run in this process (its status then): bench and tests wait on it. */
  watch(fn: (end: PassEnd) => void): () => void {
    this.#watchers.add(fn);
    return () => this.#watchers.delete(fn);
  }

  get running(): boolean {
    return !this.#stopped;
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    await this.#d.hub.listen(FLOW_CHANNEL);
    this.#stopped = false;
    this.#unsubscribe = this.#d.hub.subscribeAll(FLOW_CHANNEL, (n) => { if (n.t === RUNS_NOTICE) this.kick(); });
    const renew = setInterval(() => void this.#renew(), Math.max(250, Math.floor(this.#d.leaseMs / 4)));
    const poll = setInterval(() => this.kick(), 500);
    renew.unref(); poll.unref();
    this.#timers = [renew, poll];
    this.kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    const passes = [...this.#active.values()];
    await Promise.race([Promise.allSettled(passes), new Promise((r) => setTimeout(r, 5000).unref())]);
    // Whatever is still ours goes back at once (another process need not wait out the lease).
    // system: this executor's leases span tenants.
    await this.#d.db.systemTx((tx) => tx.updateTable('flow_runs').set({ lease_owner: null, lease_until: null }).where('lease_owner', '=', this.owner).execute()).catch(() => undefined);
  }

  /** Advance claimable runs soon (a start in this process, a NOTIFY, the poll). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#pumping) { this.#again = true; return; }
    this.#pumping = true;
    void this.#pump().finally(() => {
      this.#pumping = false;
      if (this.#again) { this.#again = false; this.kick(); }
    });
  }

  /** A run this process leased at its start (same transaction): advance it without a claim. */
  adopt(run: RunRow): void {
    if (this.#stopped || this.#active.has(run.id) || this.#active.size >= this.#d.slots) { this.kick(); return; }
    // Started here and now: its row is known and its journal empty (a replay reads its source's).
    this.#launch(run.id, run.tenant_id, run.source_run_id ? undefined : run);
  }

  #launch(id: string, tenantId: string, fresh?: RunRow): void {
    const p = this.#advance(id, tenantId, fresh)
      .catch((err: unknown) => this.#d.log.error({ err, run: id }, 'flow run pass failed; the run is retried when its lease lapses'))
      // A freed slot is filled by the next poll, NOTIFY or start (a claim per finished pass would
      // cost a round trip per run when the runs are this process's own).
      .finally(() => { this.#active.delete(id); if (this.#backlog) this.kick(); });
    this.#active.set(id, p);
  }

  async #pump(): Promise<void> {
    try {
      // Queued runs (flows with limits) are looked at twice a second, not on every kick.
      if (Date.now() - this.#lastPromote >= 400) {
        this.#lastPromote = Date.now();
        await this.#promoteQueued();
      }
      const free = this.#d.slots - this.#active.size;
      if (free <= 0) return;
      // system: executors serve every tenant's runs; each pass then works inside its run's tenant.
      const claimed = await this.#d.db.systemTx((tx) => sql<{ id: string; tenant_id: string }>`
        with c as (
          select id from flow_runs
          where (status in ('running', 'compensating') or (status = 'waiting' and wake_at <= now()))
            and (lease_until is null or lease_until < now())
            and not (id = any(${[...this.#active.keys()]}::text[]))
          order by priority desc, created_at
          limit ${free}
          for update skip locked)
        update flow_runs r set lease_owner = ${this.owner}, lease_until = now() + ${this.#d.leaseMs} * interval '1 millisecond',
          status = case when r.status = 'waiting' then 'running' else r.status end
        from c where r.id = c.id
        returning r.id, r.tenant_id`.execute(tx));
      for (const r of claimed.rows) this.#launch(r.id, r.tenant_id);
      // A full claim means more may be waiting: claim again as slots free up.
      this.#backlog = claimed.rows.length === free;
    } catch (err) {
      this.#d.log.warn({ err }, 'flow executor could not claim runs; trying again');
    }
  }

  /** Queued runs of flows with a concurrency limit or a throttle start when they fit. */
  async #promoteQueued(): Promise<void> {
    // system: queued runs of every tenant's limited flows are promoted by whichever executor looks first.
    const queued = await this.#d.db.systemTx((tx) => tx.selectFrom('flow_runs').innerJoin('flows', 'flows.id', 'flow_runs.flow_id')
      .select(['flow_runs.id', 'flow_runs.flow_id', 'flow_runs.version', 'flow_runs.concurrency_key'])
      .where('flow_runs.status', '=', 'queued').where('flows.status', '=', 'active')
      .orderBy('flow_runs.priority', 'desc').orderBy('flow_runs.created_at').limit(500).execute());
    if (queued.length === 0) return;
    const byFlow = new Map<string, typeof queued>();
    for (const q of queued) byFlow.set(q.flow_id, [...(byFlow.get(q.flow_id) ?? []), q]);
    for (const [flowId, runs] of byFlow) {
      // system: one flow's limit is checked under its advisory lock, whoever's executor does it.
      await this.#d.db.systemTx(async (tx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${flowId}))`.execute(tx);
        const def = await this.#d.versions.get(tx, flowId, runs[0]!.version);
        const live = await tx.selectFrom('flow_runs').select(['concurrency_key', (eb) => eb.fn.countAll<string>().as('n')])
          .where('flow_id', '=', flowId).where('status', 'in', ['running', 'waiting', 'compensating']).groupBy('concurrency_key').execute();
        const perKey = new Map(live.map((l) => [l.concurrency_key ?? '', Number(l.n)]));
        let total = live.reduce((a, l) => a + Number(l.n), 0);
        let started = 0;
        const t = def.control.throttle;
        if (t) {
          const r = await tx.selectFrom('flow_runs').select((eb) => eb.fn.countAll<string>().as('n')).where('flow_id', '=', flowId)
            .where('started_at', '>', sql<Date>`now() - ${t.period_seconds} * interval '1 second'`).executeTakeFirstOrThrow();
          started = Number(r.n);
        }
        const promote: string[] = [];
        for (const q of runs) {
          const c = def.control.concurrency;
          if (t && started >= t.limit) break;
          if (c) {
            const k = c.key ? (q.concurrency_key ?? '') : '';
            const n = c.key ? perKey.get(k) ?? 0 : total;
            if (n >= c.limit) continue;
            perKey.set(k, (perKey.get(k) ?? 0) + 1);
          }
          total += 1; started += 1;
          promote.push(q.id);
        }
        if (promote.length > 0) {
          await tx.updateTable('flow_runs').set({ status: 'running', started_at: new Date() }).where('id', 'in', promote).where('status', '=', 'queued').execute();
        }
      });
    }
  }

  async #renew(): Promise<void> {
    const ids = [...this.#active.keys()];
    if (ids.length === 0) return;
    // system: this executor's leases span tenants.
    await this.#d.db.systemTx((tx) => sql`update flow_runs set lease_until = now() + ${this.#d.leaseMs} * interval '1 millisecond'
      where lease_owner = ${this.owner} and id = any(${ids}::text[])`.execute(tx)).catch((err: unknown) => this.#d.log.warn({ err }, 'flow leases not renewed'));
  }

  // ——— one pass over one run ———

  async #advance(id: string, tenantId: string, fresh?: RunRow): Promise<void> {
    const d = this.#d;
    const cached = fresh ? d.versions.cached(fresh.flow_id, fresh.version) : undefined;
    const loaded = fresh && cached ? { run: fresh, rows: [], def: cached, source: null, starter: fresh.actor_type === 'user' ? fresh.actor_id : null } : await d.db.tenantTx(tenantId, async (tx) => {
      const run = await tx.selectFrom('flow_runs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!run || run.lease_owner !== this.owner || FINAL.has(run.status)) return null;
      const rows = await tx.selectFrom('flow_steps').select(['step_key', 'attempt', 'step_type', 'status', 'branch', 'input', 'output', 'error', 'retry_at', 'seq']).where('run_id', '=', id).orderBy('seq').execute();
      const def = await d.versions.get(tx, run.flow_id, run.version);
      const source = run.source_run_id
        ? await tx.selectFrom('flow_steps').select(['step_key', 'attempt', 'step_type', 'status', 'branch', 'input', 'output', 'error', 'retry_at', 'seq']).where('run_id', '=', run.source_run_id).orderBy('seq').execute()
        : null;
      const starter = run.actor_type === 'user' ? run.actor_id : null;
      return { run, rows, def, source, starter };
    });
    if (!loaded) return;
    const pass = new Pass(this, d, loaded.run, loaded.def, statesOf(loaded.rows), loaded.source ? statesOf(loaded.source) : null, loaded.starter);
    const status = await pass.go();
    if (status) for (const w of this.#watchers) w({ id, status });
  }

  /** Tells executors (this one directly, others by NOTIFY) that runs are claimable. */
  announce(): void {
    this.kick();
    this.#d.hub.publish(FLOW_CHANNEL, { t: RUNS_NOTICE, min: 0, max: 0 });
  }
}

/** One executor pass over one run, from its journal to a wait, a retry, or its end. */
class Pass {
  readonly info: RunInfo;
  readonly #inFlight = new Set<string>();
  #pending: Pending[] = [];
  #wakes: number;
  #seq = 0;

  constructor(
    private readonly exec: Executor,
    private readonly d: ExecutorDeps,
    private run: RunRow,
    private readonly def: FlowDefinition,
    private states: States,
    private readonly source: States | null,
    starterUserId: string | null,
  ) {
    this.info = { id: run.id, tenantId: run.tenant_id, flowId: run.flow_id, actor: { type: run.actor_type, id: run.actor_id }, scopes: run.scopes, starterUserId, startedDiffId: run.started_diff_id };
    this.#wakes = run.wakes;
  }

  #now(): Date {
    return (this.d.now ?? (() => new Date()))();
  }

  #scope(): Scope {
    return scopeOf(this.run.input, this.states, { id: this.run.id, flow_id: this.run.flow_id, version: this.run.version, started_at: this.run.started_at?.toISOString() ?? null });
  }

  /** A transaction as the run's actor, caused by its start. */
  #ctx<T>(fn: (ctx: Ctx) => Promise<T>, actor: Actor = this.info.actor as Actor): Promise<T> {
    const cause = this.run.started_diff_id === null ? undefined : { diffId: this.run.started_diff_id, metadata: { flow_run: this.run.id } };
    const source = { tenantId: this.run.tenant_id, actor, ...(cause && { cause }) };
    return inTenant(this.d.db, source, fn);
  }

  #plan() {
    return plan(this.def, this.states, this.#scope(), this.#now(), this.#inFlight, (step, scope) => render((step as Extract<StepDef, { type: 'transform' }>).value, scope));
  }

  /** Runs the pass; the run's status if it ended (or went to sleep), null if it was taken away. */
  async go(): Promise<string | null> {
    for (let guard = 0; guard < 100_000; guard += 1) {
      if (this.run.status === 'compensating') return this.#compensate();
      if (this.run.deadline_at && this.run.deadline_at <= this.#now()) return this.#fail({ key: '', error: { code: 'RUN_TIMEOUT', message: 'the run passed its time limit' } });
      const p = this.#plan();
      // Settled without effects: visible at once to what follows (their rows go with the next commit).
      this.#pending = [...this.#pending, ...p.pure];
      for (const x of p.pure) this.#apply(x.key, x.status, 1, x.output, x.branch, null, null);
      if (p.failed) return this.#fail(p.failed);
      // Waits whose deadline passed: a timer completes, the others take their timeout branch.
      const now = this.#now();
      const due = p.pending.filter((x) => x.status === 'waiting' && x.dueAt !== null && x.dueAt <= now);
      if (due.length > 0) {
        for (const x of due) await this.#timeout(x.key);
        continue;
      }
      if (p.ready.length > 0) {
        const last = p.ready.length === 1 && this.#inFlight.size === 0;
        await Promise.all(p.ready.map((u, i) => this.#unit(u, i === 0 ? this.#takePending() : [], last)));
        if (FINAL.has(this.run.status)) return this.run.status;
        continue;
      }
      if (p.done) return this.#finish();
      // Only waits and retries left: sleep until the earliest is due (a short one here, holding the lease).
      const next = p.pending.map((x) => x.dueAt).filter((x): x is Date => x !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
      if (next && next.getTime() - now.getTime() < 1500) {
        await new Promise((r) => setTimeout(r, Math.max(0, next.getTime() - now.getTime())));
        continue;
      }
      const slept = await this.#sleep(next);
      if (slept) return 'waiting';
      await this.#reload();
    }
    throw new Error(`run ${this.run.id}: the pass did not settle`);
  }

  #takePending(): Pending[] {
    const p = this.#pending;
    this.#pending = [];
    return p;
  }

  async #reload(): Promise<void> {
    const r = await this.d.db.tenantTx(this.run.tenant_id, async (tx) => ({
      run: await tx.selectFrom('flow_runs').selectAll().where('id', '=', this.run.id).executeTakeFirstOrThrow(),
      rows: await tx.selectFrom('flow_steps').select(['step_key', 'attempt', 'step_type', 'status', 'branch', 'input', 'output', 'error', 'retry_at', 'seq']).where('run_id', '=', this.run.id).orderBy('seq').execute(),
    }));
    this.run = r.run;
    this.#wakes = r.run.wakes;
    this.states = statesOf(r.rows);
  }

  /** The journal rows and diffs of steps settled without effects (into the transaction's batch). */
  #addPending(b: Batch, pending: readonly Pending[]): void {
    const now = this.#now();
    for (const p of pending) {
      b.rows.push({
        tenant_id: this.run.tenant_id, run_id: this.run.id, step_key: p.key, attempt: 1, step_type: p.step.type, status: p.status,
        branch: p.branch, input: null, output: JSON.stringify(p.output) as unknown as Json, error: null, retry_at: null, started_at: now, finished_at: now,
      });
      if (p.status === 'completed') b.diffs.push(this.#stepDiff('step.completed', p.key, p.step.type, 1, 'completed', p.branch));
    }
  }

  /** Writes a transaction's batch: its journal rows, waits and diffs, one statement each. */
  async #flush(ctx: Ctx, b: Batch): Promise<void> {
    if (b.rows.length > 0) await ctx.tx.insertInto('flow_steps').values(b.rows).execute();
    if (b.waits.length > 0) await ctx.tx.insertInto('flow_waits').values(b.waits).execute();
    if (b.diffs.length > 0) await this.d.ledger.recordBatch(ctx, b.diffs);
    b.rows = []; b.waits = []; b.diffs = [];
  }

  /** Writes the pending rows now (in a transaction of their own kind: a wait, a sleep, a failure). */
  async #writePending(ctx: Ctx, pending: readonly Pending[]): Promise<void> {
    const b = newBatch();
    this.#addPending(b, pending);
    await this.#flush(ctx, b);
  }

  #stepDiff(event: string, key: string, type: string, attempt: number, status: string, branch: string | null, extra: JsonObject = {}): DiffInput {
    return {
      namespace: NS, entityType: 'run', entityId: this.run.id, event, scopeId: this.run.flow_id, causationId: this.run.started_diff_id,
      after: { step: key, type, attempt, status, branch, ...extra }, metadata: { step: key, flow_id: this.run.flow_id, ...(this.source && { replayed: true }) }, observed: true,
    };
  }

  #apply(key: string, status: StepStatus, attempt: number, output: Json | null, branch: string | null, dueAt: Date | null, error: Json | null): void {
    // Settled in this pass: after every journalled row, in the order they settled (saga order reads it).
    this.#seq += 1;
    this.states.set(key, { status, attempt, output, branch, dueAt, error, seq: 1e15 + this.#seq });
  }

  /** Whether the recorded outcome of a source run serves this unit (replay, or a fork before its step). */
  #served(u: Unit): Outcome | null {
    if (!this.source) return null;
    if (this.run.fork_step) {
      const fork = this.run.fork_step;
      const base = u.step.id;
      if (base === fork || this.#descends(base, fork)) return null;
    }
    const rec = this.source.get(u.key);
    if (!rec || rec.status !== 'completed') return null;
    return { kind: 'completed', output: rec.output ?? null, branch: rec.branch, input: { replayed_from: this.run.source_run_id } };
  }

  #descends(id: string, ancestor: string): boolean {
    const byId = new Map(this.def.steps.map((s) => [s.id, s]));
    const seen = new Set<string>();
    const walk = (x: string): boolean => {
      if (seen.has(x)) return false;
      seen.add(x);
      const s = byId.get(x);
      return !!s && s.after.some((e) => { const from = e.split(':')[0]!; return from === ancestor || walk(from); });
    };
    return walk(id);
  }

  /** Executes one unit and commits it with its journal row (and the run's end when it is the last). */
  async #unit(u: Unit, pending: Pending[], maybeLast: boolean): Promise<void> {
    const step: StepDef | InnerStep = u.inner ?? u.step;
    const scope: Scope = { ...this.#scope(), ...(u.index !== null && { item: u.item, index: u.index }) };
    const timeout = u.step.timeout_seconds;
    const startedAt = this.#now();
    this.#inFlight.add(u.key);
    try {
      const served = this.#served(u);
      let outside: Outcome | null = served;
      if (!outside && !runsInTx(step)) outside = checkOutput(u.step, await executeOutside(this.d.steps, this.info, step, u.key, u.attempt, scope, timeout));
      let outcome: Outcome;
      try {
        // Nothing in here changes this pass's state before the commit: a rolled-back attempt leaves none behind.
        const done = await this.#ctx(async (ctx) => {
          const o = outside ?? checkOutput(u.step, await executeInTx(this.d.steps, ctx, this.info, step, u.key, scope, this.#now(), timeout));
          if (o.kind === 'failed') throw new FailedInTx(o);
          const b = newBatch();
          this.#addPending(b, pending);
          this.#addUnit(b, u, step, o, startedAt);
          const finished = maybeLast && o.kind === 'completed' ? await this.#finishIfLast(ctx, b, u, o) : null;
          await this.#flush(ctx, b);
          return { o, finished };
        });
        outcome = done.o;
        if (done.finished) {
          this.states = done.finished.states;
          this.run = { ...this.run, status: 'completed', output: done.finished.output, finished_at: done.finished.at };
        }
      } catch (err) {
        if (err instanceof ChangeHeld && step.type === 'command' && u.index === null && !this.source) {
          // A require_approval rule held the command: it becomes an approval like any held change,
          // and the step waits for the decision (approving runs the command as the run's actor).
          const approval = await this.#held(err);
          if (approval) {
            outcome = { kind: 'waiting', input: { command: step.command, held: true }, output: { approval_id: approval }, dueAt: null, wait: { kind: 'event', namespace: 'rules', event: null, entity_id: approval, spec: { held: true, filter: { path: 'after.status', op: 'in', value: ['approved', 'rejected'] } }, until: null } };
            await this.#ctx(async (ctx) => {
              const b = newBatch();
              this.#addPending(b, pending);
              this.#addUnit(b, u, step, outcome, startedAt);
              await this.#flush(ctx, b);
            });
            this.#applyOutcome(u, outcome);
            return;
          }
        }
        // The step's own writes are rolled back; its failed attempt is journalled on its own.
        outcome = err instanceof FailedInTx ? err.outcome : failedOutcome(err);
        if (isUniqueViolation(err)) throw err; // another executor journalled this attempt: this pass stops
        await this.#ctx(async (ctx) => {
          const b = newBatch();
          this.#addPending(b, pending);
          this.#addUnit(b, u, step, outcome, startedAt);
          await this.#flush(ctx, b);
        });
      }
      this.#applyOutcome(u, outcome);
    } finally {
      this.#inFlight.delete(u.key);
    }
  }

  /** Records a held command as a pending approval; its id, or null when no module takes holds. */
  async #held(err: ChangeHeld): Promise<string | null> {
    try {
      const env = await this.d.steps.commands.hold(err, { principal: asPrincipal(this.info) });
      const id = (env.data as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? id : null;
    } catch {
      return null;
    }
  }

  #policy(u: Unit) {
    return u.step.retry ?? DEFAULT_RETRY;
  }

  #applyOutcome(u: Unit, o: Outcome): void {
    if (o.kind === 'completed') {
      const branch = o.branch ?? null;
      if (u.index === null && unhandledErrorBranch(this.def, u.step, branch)) this.#apply(u.key, 'failed', u.attempt, o.output, branch, null, { code: 'UNHANDLED_BRANCH', message: `the step ended "${branch}" and no step follows that branch` });
      else this.#apply(u.key, 'completed', u.attempt, o.output, branch, null, null);
    } else if (o.kind === 'waiting') this.#apply(u.key, 'waiting', u.attempt, o.output ?? null, null, o.dueAt, null);
    else this.#apply(u.key, 'failed', u.attempt, null, null, this.#retryAt(u, o), o.error as unknown as Json);
  }

  #retryAt(u: Unit, o: Outcome & { kind: 'failed' }): Date | null {
    const policy = this.#policy(u);
    if (!o.retriable || u.attempt >= policy.max_attempts) return null;
    return new Date(this.#now().getTime() + retryDelayMs(policy, u.attempt, o.retryAfterMs));
  }

  #addUnit(b: Batch, u: Unit, step: StepDef | InnerStep, o: Outcome, startedAt: Date): void {
    const now = this.#now();
    const base = { tenant_id: this.run.tenant_id, run_id: this.run.id, step_key: u.key, attempt: u.attempt, step_type: step.type, started_at: startedAt };
    const j = (v: unknown) => (v === undefined ? null : (JSON.stringify(v) as unknown as Json));
    if (o.kind === 'completed') {
      const branch = o.branch ?? null;
      b.rows.push({ ...base, status: 'completed', branch, input: j(o.input), output: j(o.output), error: null, retry_at: null, finished_at: now });
      b.diffs.push(this.#stepDiff('step.completed', u.key, step.type, u.attempt, 'completed', branch));
    } else if (o.kind === 'waiting') {
      b.rows.push({ ...base, status: 'waiting', branch: null, input: j(o.input), output: j(o.output), error: null, retry_at: o.dueAt, finished_at: null });
      if (o.wait) {
        b.waits.push({
          tenant_id: this.run.tenant_id, run_id: this.run.id, step_key: u.key, kind: o.wait.kind, namespace: o.wait.namespace ?? null, event: o.wait.event ?? null,
          entity_id: o.wait.entity_id ?? null, spec: j(o.wait.spec)!, until: o.wait.until,
        });
      }
    } else {
      const retryAt = this.#retryAt(u, o);
      b.rows.push({ ...base, status: 'failed', branch: null, input: j(o.input), output: null, error: j(o.error), retry_at: retryAt, finished_at: now });
      b.diffs.push(this.#stepDiff(retryAt ? 'step.retried' : 'step.failed', u.key, step.type, u.attempt, 'failed', null, { error: o.error as unknown as Json, ...(retryAt && { retry_at: retryAt.toISOString() }) }));
    }
  }

  /** In the last step's transaction: when nothing is left after it, the run completes there. */
  /** What the run becomes if it completes with this step: applied by the caller once committed. */
  async #finishIfLast(ctx: Ctx, b: Batch, u: Unit, o: Outcome & { kind: 'completed' }): Promise<{ states: States; output: Json; at: Date } | null> {
    const saved = this.states;
    const seq = this.#seq;
    this.states = new Map(saved);
    this.#applyOutcome(u, o);
    try {
      const p = this.#plan();
      if (!p.done || p.failed || p.ready.length > 0 || p.pending.length > 0) return null;
      this.#addPending(b, p.pure);
      for (const x of p.pure) this.#apply(x.key, x.status, 1, x.output, x.branch, null, null);
      const end = await this.#complete(ctx, b);
      return end ? { states: this.states, ...end } : null;
    } finally {
      this.states = saved;
      this.#seq = seq;
    }
  }

  #output(): Json {
    if (this.def.output !== undefined) return render(this.def.output, this.#scope());
    const order = orderOf(this.def);
    for (let i = order.length - 1; i >= 0; i -= 1) {
      const s = this.states.get(order[i]!.id);
      if (s?.status === 'completed') return s.output;
    }
    return null;
  }

  /** The run completes in this transaction; its diff joins the batch (written by the caller). */
  async #complete(ctx: Ctx, b: Batch): Promise<{ output: Json; at: Date } | null> {
    const output = this.#output();
    const now = this.#now();
    const r = await ctx.tx.updateTable('flow_runs').set({ status: 'completed', output: JSON.stringify(output) as unknown as Json, finished_at: now, lease_owner: null, lease_until: null, wake_at: null })
      .where('id', '=', this.run.id).where('status', '=', 'running').returning('id').executeTakeFirst();
    if (!r) return null; // cancelled meanwhile
    b.diffs.push({ namespace: NS, entityType: 'run', entityId: this.run.id, event: 'run.completed', scopeId: this.run.flow_id, causationId: this.run.started_diff_id, before: { status: 'running' }, after: { status: 'completed', flow_id: this.run.flow_id, version: this.run.version }, observed: true });
    if (this.run.parent_run_id) {
      await resolveWait(this.d.ledger, ctx, this.run.parent_run_id, this.run.parent_step!, { branch: 'completed', output });
      ctx.onCommit(() => this.exec.announce());
    }
    return { output, at: now };
  }

  async #finish(): Promise<string> {
    const pending = this.#takePending();
    await this.#ctx(async (ctx) => {
      const b = newBatch();
      this.#addPending(b, pending);
      const end = await this.#complete(ctx, b);
      await this.#flush(ctx, b);
      if (end) this.run = { ...this.run, status: 'completed', output: end.output, finished_at: end.at };
    });
    if (this.run.status !== 'completed') await this.#reload();
    return this.run.status;
  }

  /** Nothing to do until `next`: the run sleeps (false when it was woken meanwhile). */
  async #sleep(next: Date | null): Promise<boolean> {
    const pending = this.#takePending();
    return this.#ctx(async (ctx) => {
      await this.#writePending(ctx, pending);
      const r = await ctx.tx.updateTable('flow_runs').set({ status: 'waiting', wake_at: next, lease_owner: null, lease_until: null })
        .where('id', '=', this.run.id).where('wakes', '=', this.#wakes).where('status', '=', 'running').returning('id').executeTakeFirst();
      if (!r) throw new WokenMeanwhile();
      if (this.run.status !== 'waiting') {
        await this.d.ledger.record(ctx, { namespace: NS, entityType: 'run', entityId: this.run.id, event: 'run.waiting', scopeId: this.run.flow_id, causationId: this.run.started_diff_id, before: { status: 'running' }, after: { status: 'waiting', flow_id: this.run.flow_id, version: this.run.version }, observed: true });
      }
      return true;
    }).catch((err: unknown) => {
      if (err instanceof WokenMeanwhile) return false;
      throw err;
    });
  }

  async #timeout(key: string): Promise<void> {
    const st = this.states.get(key)!;
    const step = this.def.steps.find((s) => s.id === key.replace(/\[.*$/, ''))!;
    const timer = step.type === 'wait' && !step.event;
    const result = timer ? { branch: null, output: st.output ?? { waited_until: st.dueAt?.toISOString() ?? null } } : { branch: 'timeout', output: st.output };
    await this.#ctx((ctx) => resolveWait(this.d.ledger, ctx, this.run.id, key, result as { branch: string | null; output: Json }), SYSTEM_ACTOR);
    this.#wakes += 1;
    const branch = result.branch;
    if (!timer && unhandledErrorBranch(this.def, step, branch)) this.#apply(key, 'failed', st.attempt, st.output, branch, null, { code: 'TIMEOUT', message: `the ${step.type} step timed out` });
    else this.#apply(key, 'completed', st.attempt, result.output as Json, branch, null, null);
  }

  /** The run failed: compensate the completed steps that can be, else end `failed`. */
  async #fail(f: { key: string; error: Json }): Promise<string> {
    const pending = this.#takePending();
    const toUndo = this.#compensations();
    const status = toUndo.length > 0 ? 'compensating' : 'failed';
    await this.#ctx(async (ctx) => {
      await this.#writePending(ctx, pending);
      const r = await ctx.tx.updateTable('flow_runs').set({ status, error: JSON.stringify({ step: f.key, ...(f.error as JsonObject) }) as unknown as Json, ...(status === 'failed' && { finished_at: this.#now(), lease_owner: null, lease_until: null }) })
        .where('id', '=', this.run.id).where('status', 'in', ['running', 'waiting']).returning('id').executeTakeFirst();
      if (!r) return;
      await ctx.tx.deleteFrom('flow_waits').where('run_id', '=', this.run.id).execute();
      if (status === 'failed') await this.#ended(ctx, 'run.failed', 'failed');
      this.run = { ...this.run, status };
    });
    if (status === 'compensating') return this.#compensate();
    return this.run.status;
  }

  async #ended(ctx: Ctx, event: string, status: string): Promise<void> {
    await this.d.ledger.record(ctx, { namespace: NS, entityType: 'run', entityId: this.run.id, event, scopeId: this.run.flow_id, causationId: this.run.started_diff_id, before: { status: this.run.status }, after: { status, flow_id: this.run.flow_id, version: this.run.version }, observed: true });
    if (this.run.parent_run_id) {
      await resolveWait(this.d.ledger, ctx, this.run.parent_run_id, this.run.parent_step!, { branch: 'failed', output: { run_id: this.run.id, status } });
      ctx.onCommit(() => this.exec.announce());
    }
  }

  /** Completed steps with a compensation not yet run, latest first (saga order). */
  #compensations(): { step: StepDef; key: string }[] {
    const out: { step: StepDef; key: string; seq: number }[] = [];
    for (const s of this.def.steps) {
      if (!s.compensate) continue;
      const st = this.states.get(s.id);
      const done = this.states.get(`${s.id}#compensate`);
      if (st?.status === 'completed' && !done) out.push({ step: s, key: `${s.id}#compensate`, seq: st.seq });
    }
    return out.sort((a, b) => b.seq - a.seq);
  }

  async #compensate(): Promise<string> {
    let failed = [...this.states.entries()].some(([k, s]) => k.endsWith('#compensate') && s.status === 'compensation_failed');
    for (const c of this.#compensations()) {
      const inner = c.step.compensate!;
      const scope = this.#scope();
      const policy = c.step.retry ?? DEFAULT_RETRY;
      let outcome: Outcome | null = null;
      for (let attempt = 1; attempt <= policy.max_attempts; attempt += 1) {
        if (!runsInTx(inner)) outcome = await executeOutside(this.d.steps, this.info, inner, c.key, attempt, scope, c.step.timeout_seconds);
        try {
          outcome = await this.#ctx(async (ctx) => {
            const o = outcome ?? await executeInTx(this.d.steps, ctx, this.info, inner, c.key, scope, this.#now(), c.step.timeout_seconds);
            if (o.kind === 'failed') throw new FailedInTx(o);
            await this.#compJournal(ctx, c, o, attempt);
            return o;
          });
        } catch (err) {
          outcome = err instanceof FailedInTx ? err.outcome : failedOutcome(err);
        }
        if (outcome.kind !== 'failed' || !outcome.retriable) break;
        if (attempt < policy.max_attempts) await new Promise((r) => setTimeout(r, retryDelayMs(policy, attempt, outcome!.kind === 'failed' ? outcome!.retryAfterMs : undefined)));
        outcome = null;
      }
      if (!outcome || outcome.kind === 'failed') {
        failed = true;
        const o = outcome ?? { kind: 'failed' as const, error: { code: 'COMPENSATION_FAILED', message: 'the compensation failed' }, retriable: false };
        await this.#ctx((ctx) => this.#compJournal(ctx, c, o, policy.max_attempts));
        break; // later compensations wait for a person: undoing out of order could make things worse
      }
    }
    const status = failed ? 'compensation_failed' : 'compensated';
    await this.#ctx(async (ctx) => {
      const r = await ctx.tx.updateTable('flow_runs').set({ status, finished_at: this.#now(), lease_owner: null, lease_until: null }).where('id', '=', this.run.id).where('status', '=', 'compensating').returning('id').executeTakeFirst();
      if (!r) return;
      await this.#ended(ctx, failed ? 'run.compensation_failed' : 'run.compensated', status);
      if (failed && this.d.steps.commands.has('notifications.notify')) {
        await this.d.steps.commands.run(ctx, 'notifications.notify', { to: ['role:admin'], title: 'A flow run needs a person: a compensation failed', body: `Run ${this.run.id} failed and could not be fully undone. Open it to see what was done and what was not.`, link: `/runs/${this.run.id}`, entity: { type: 'run', id: this.run.id } });
      }
      this.run = { ...this.run, status };
    });
    return status;
  }

  async #compJournal(ctx: Ctx, c: { step: StepDef; key: string }, o: Outcome, attempt: number): Promise<void> {
    const now = this.#now();
    const ok = o.kind !== 'failed';
    const status: StepStatus = ok ? 'compensated' : 'compensation_failed';
    await ctx.tx.insertInto('flow_steps').values({
      tenant_id: this.run.tenant_id, run_id: this.run.id, step_key: c.key, attempt, step_type: c.step.compensate!.type, status, branch: null,
      input: o.kind !== 'waiting' && o.input !== undefined ? (JSON.stringify(o.input) as unknown as Json) : null,
      output: o.kind === 'completed' ? (JSON.stringify(o.output) as unknown as Json) : null,
      error: o.kind === 'failed' ? (JSON.stringify(o.error) as unknown as Json) : null, retry_at: null, started_at: now, finished_at: now,
    }).execute();
    this.#apply(c.key, status, attempt, o.kind === 'completed' ? o.output : null, null, null, o.kind === 'failed' ? (o.error as unknown as Json) : null);
    if (ok) await this.d.ledger.record(ctx, this.#stepDiff('step.compensated', c.step.id, c.step.compensate!.type, attempt, 'compensated', null));
    else await this.d.ledger.record(ctx, this.#stepDiff('step.failed', c.key, c.step.compensate!.type, attempt, 'compensation_failed', null, { error: (o as { error: unknown }).error as Json }));
  }
}

type Batch = {
  rows: Insertable<OrchestrationTables['flow_steps']>[];
  waits: Insertable<OrchestrationTables['flow_waits']>[];
  diffs: DiffInput[];
};
const newBatch = (): Batch => ({ rows: [], waits: [], diffs: [] });

class FailedInTx extends Error {
  constructor(readonly outcome: Outcome & { kind: 'failed' }) {
    super(outcome.error.message);
  }
}
class WokenMeanwhile extends Error {}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}

export { isSettled };
export type { Tx };
