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
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/index.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import type { Ledger } from '../ledger/index.js';
import { JOURNAL_COLUMNS, statesOf } from './journal.js';
import { FINAL, Pass } from './pass.js';
import { Versions, type RunRow } from './runs.js';
import type { StepDeps } from './steps.js';

export const FLOW_CHANNEL = 'atrium_flows';
/** The notice that runs became claimable (the hub routes by tenant; executors serve all). */
export const RUNS_NOTICE = '*runs';


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
      const rows = await tx.selectFrom('flow_steps').select(JOURNAL_COLUMNS).where('run_id', '=', id).orderBy('seq').execute();
      const def = await d.versions.get(tx, run.flow_id, run.version);
      const source = run.source_run_id
        ? await tx.selectFrom('flow_steps').select(JOURNAL_COLUMNS).where('run_id', '=', run.source_run_id).orderBy('seq').execute()
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
