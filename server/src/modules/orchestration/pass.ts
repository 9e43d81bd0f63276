// One executor pass over one run: from its journal to a wait, a retry, or its end. It asks the
// planner what is next, executes each unit (steps.ts) and commits it with its journal row and
// diffs (journal.ts); retries, timeouts of waits, held commands, the run's completion in the
// transaction of its last step, and the saga's compensations in reverse order.
import { inTenant, SYSTEM_ACTOR, type Actor, type Ctx } from '../../platform/context.js';
import { ChangeHeld } from '../../platform/http/route.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import { retrySchema, type FlowDefinition, type InnerStep, type StepDef } from './definition.js';
import type { Executor, ExecutorDeps } from './executor.js';
import { JOURNAL_COLUMNS, JournalWriter, newBatch, retryDelayMs, statesOf, type Batch, type Pending } from './journal.js';
import { ancestryOf, orderOf, plan, scopeOf, unhandledErrorBranch, type Scope, type States, type Unit } from './plan.js';
import { NS, resolveWait, type RunRow } from './runs.js';
import type { StepStatus } from './schema.js';
import { checkOutput, executeInTx, executeOutside, failedOutcome, heldOutcome, render, runsInTx, type Outcome, type RunInfo } from './steps.js';

export const FINAL = new Set(['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled']);
const DEFAULT_RETRY = retrySchema.parse({});

/** One executor pass over one run, from its journal to a wait, a retry, or its end. */
export class Pass {
  readonly info: RunInfo;
  readonly #inFlight = new Set<string>();
  readonly #j: JournalWriter;
  #pending: Pending[] = [];
  #wakes: number;
  #seq = 0;

  constructor(
    private readonly exec: Pick<Executor, 'announce'>,
    private readonly d: ExecutorDeps,
    private run: RunRow,
    private readonly def: FlowDefinition,
    private states: States,
    private readonly source: States | null,
    starterUserId: string | null,
  ) {
    this.info = { id: run.id, tenantId: run.tenant_id, flowId: run.flow_id, actor: { type: run.actor_type, id: run.actor_id }, scopes: run.scopes, starterUserId, startedDiffId: run.started_diff_id };
    this.#wakes = run.wakes;
    this.#j = new JournalWriter(run, source !== null, () => this.#now(), d.ledger);
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
      rows: await tx.selectFrom('flow_steps').select(JOURNAL_COLUMNS).where('run_id', '=', this.run.id).orderBy('seq').execute(),
    }));
    this.run = r.run;
    this.#wakes = r.run.wakes;
    this.states = statesOf(r.rows);
  }

  #apply(key: string, status: StepStatus, attempt: number, output: Json | null, branch: string | null, dueAt: Date | null, error: Json | null): void {
    // Settled in this pass: after every journalled row, in the order they settled (saga order reads it).
    this.#seq += 1;
    this.states.set(key, { status, attempt, output, branch, dueAt, error, seq: 1e15 + this.#seq });
  }

  /** Whether the recorded outcome of a source run serves this unit (replay, or a fork before its step). */
  #served(u: Unit): Outcome | null {
    if (!this.source) return null;
    // A fork runs its step and what follows it anew.
    const fork = this.run.fork_step;
    if (fork && (u.step.id === fork || ancestryOf(this.def).get(u.step.id)?.has(fork))) return null;
    const rec = this.source.get(u.key);
    if (!rec || rec.status !== 'completed') return null;
    return { kind: 'completed', output: rec.output ?? null, branch: rec.branch, input: { replayed_from: this.run.source_run_id } };
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
          this.#j.addPending(b, pending);
          this.#j.addUnit(b, u, step, o, startedAt, this.#retryAtOf(u, o));
          const finished = maybeLast && o.kind === 'completed' ? await this.#finishIfLast(ctx, b, u, o) : null;
          await this.#j.flush(ctx, b);
          return { o, finished };
        });
        outcome = done.o;
        if (done.finished) {
          this.states = done.finished.states;
          this.run = { ...this.run, status: 'completed', output: done.finished.output, finished_at: done.finished.at };
        }
      } catch (err) {
        // A require_approval rule held the command: it becomes an approval like any held change, and
        // the step waits for the decision (approving runs the command as the run's actor).
        const held = err instanceof ChangeHeld && step.type === 'command' && u.index === null && !this.source ? await heldOutcome(this.d.steps, this.info, err, step.command) : null;
        // The step's own writes are rolled back; its failed attempt (or its wait) is journalled on its own.
        outcome = held ?? (err instanceof FailedInTx ? err.outcome : failedOutcome(err));
        if (!held && isUniqueViolation(err)) throw err; // another executor journalled this attempt: this pass stops
        await this.#ctx(async (ctx) => {
          const b = newBatch();
          this.#j.addPending(b, pending);
          this.#j.addUnit(b, u, step, outcome, startedAt, this.#retryAtOf(u, outcome));
          await this.#j.flush(ctx, b);
        });
      }
      this.#applyOutcome(u, outcome);
    } finally {
      this.#inFlight.delete(u.key);
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

  #retryAtOf(u: Unit, o: Outcome): Date | null {
    return o.kind === 'failed' ? this.#retryAt(u, o) : null;
  }

  #retryAt(u: Unit, o: Outcome & { kind: 'failed' }): Date | null {
    const policy = this.#policy(u);
    if (!o.retriable || u.attempt >= policy.max_attempts) return null;
    return new Date(this.#now().getTime() + retryDelayMs(policy, u.attempt, o.retryAfterMs));
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
      this.#j.addPending(b, p.pure);
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
      this.#j.addPending(b, pending);
      const end = await this.#complete(ctx, b);
      await this.#j.flush(ctx, b);
      if (end) this.run = { ...this.run, status: 'completed', output: end.output, finished_at: end.at };
    });
    if (this.run.status !== 'completed') await this.#reload();
    return this.run.status;
  }

  /** Nothing to do until `next`: the run sleeps (false when it was woken meanwhile). */
  async #sleep(next: Date | null): Promise<boolean> {
    const pending = this.#takePending();
    return this.#ctx(async (ctx) => {
      await this.#j.writePending(ctx, pending);
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
      await this.#j.writePending(ctx, pending);
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
    if (ok) await this.d.ledger.record(ctx, this.#j.stepDiff('step.compensated', c.step.id, c.step.compensate!.type, attempt, 'compensated', null));
    else await this.d.ledger.record(ctx, this.#j.stepDiff('step.failed', c.key, c.step.compensate!.type, attempt, 'compensation_failed', null, { error: (o as { error: unknown }).error as Json }));
  }
}

class FailedInTx extends Error {
  constructor(readonly outcome: Outcome & { kind: 'failed' }) {
    super(outcome.error.message);
  }
}
class WokenMeanwhile extends Error {}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}
