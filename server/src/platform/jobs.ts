// Durable jobs on Postgres through pg-boss. Enqueue happens inside the caller's
// transaction (same commit as the diff that causes the job); workers run in the
// `worker` role (or in the single embedded process).
//
// Leases: pg-boss 10 has no heartbeat. It marks a fetched job `active` and only its
// maintenance (every `maintenanceIntervalSeconds`) fails a job whose `started_on + expire_in`
// has passed, so a killed worker's job used to wait for the action timeout plus up to two
// minutes. Here every job is inserted with a short `expire_in` (the lease, LEASE_SECONDS), the
// worker holding a job renews it (pushes `expire_in` forward) every RENEW_SECONDS while the
// handler runs and for at most the queue's own timeout (`expireInSeconds`), and every worker
// process runs pg-boss's expiry (`boss.expire()`: active jobs past their lease → retry) every
// EXPIRY_SWEEP_SECONDS. A dead worker's job is retried within lease + sweep + retry delay (≈ 12 s).
// A live worker's job is never expired while it renews, so a job does not run twice at once;
// only a handler past its timeout (presumed hung) or a worker cut off from the database for
// longer than the lease loses its job — handlers stay idempotent for that case (rule runs
// lock their run row and check its status).
//
// Workers fetch with pg-boss `fetch` (batches of `batchSize`) in our own loop instead of
// `boss.work`: `work` races the handler against the job's `expire_in` and fails the job in the
// middle of a run, which a short lease would make routine.
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { txExecutor, type Db, type Tx } from './db/index.js';

export type JobMeta = { id: string };
export type JobHandler<T> = (data: T, meta: JobMeta) => Promise<void>;
export type QueueOptions = {
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /** Jobs fetched at once; a batch handler (`defineBatch`) gets them together. */
  batchSize?: number;
  /** pg-boss queue policy; `short` keeps at most one waiting job per singleton key (a request to do
   * something "soon", where asking twice means nothing more). */
  policy?: 'standard' | 'short';
};
/** Runs a fetched batch; returns the failures by job id (those are retried; the others complete). */
export type BatchHandler<T> = (jobs: readonly { id: string; data: T }[]) => Promise<ReadonlyMap<string, unknown> | void>;
export type EnqueueOptions = { singletonKey?: string; startAfterSeconds?: number; priority?: number };

const STARTUP_LOCK_KEY = 472_019_332; // arbitrary, constant: "atrium job engine start-up"

/** How long a fetched job stays ours without renewal; renewal and expiry cadence. */
export const LEASE_SECONDS = 8;
const RENEW_SECONDS = 2;
const EXPIRY_SWEEP_SECONDS = 2;
const POLL_MS = 500;
const DEFAULT_TIMEOUT_SECONDS = 300;

type Definition = { name: string; options: QueueOptions; batch: BatchHandler<never> };
type InFlight = { name: string; renewUntil: number };

export class Jobs {
  readonly #boss: PgBoss;
  readonly #defs = new Map<string, Definition>();
  readonly #loops: Promise<void>[] = [];
  readonly #wakers = new Set<() => void>();
  readonly #inFlight = new Map<string, InFlight>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #leaseSeconds: number;
  #stopping = false;
  #started = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    opts: { maintenanceIntervalSeconds?: number; leaseSeconds?: number } = {},
  ) {
    this.#leaseSeconds = opts.leaseSeconds ?? LEASE_SECONDS;
    this.#boss = new PgBoss({
      db: db.ownerExecutor as PgBoss.Db, schema: 'pgboss', supervise: true, schedule: true,
      maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 120,
    });
    this.#boss.on('error', (err) => this.log.error({ err }, 'job engine error'));
  }

  /** Modules declare their queues (and handlers) before start. */
  define<T>(name: string, options: QueueOptions, handler: JobHandler<T>): void {
    this.defineBatch<T>(name, options, async (jobs) => {
      const failed = new Map<string, unknown>();
      for (const job of jobs) {
        try {
          await handler(job.data, { id: job.id });
        } catch (err) {
          failed.set(job.id, err);
        }
      }
      return failed;
    });
  }

  /** A queue whose handler gets each fetched batch (up to `batchSize` jobs) at once. */
  defineBatch<T>(name: string, options: QueueOptions, batch: BatchHandler<T>): void {
    if (this.#started) throw new Error(`queue ${name} defined after start`);
    this.#defs.set(name, { name, options, batch: batch as BatchHandler<never> });
  }

  async start({ work }: { work: boolean }): Promise<void> {
    // Serve and worker processes start together: queue creation and GRANTs on one object
    // race ("tuple concurrently updated"), so one process at a time does them.
    await this.#oneAtATime(async () => {
      await this.#boss.start();
      for (const def of this.#defs.values()) {
        // expire_in of a job is its lease, renewed while it runs (the queue's own timeout bounds the renewals).
        const queue = {
          name: def.name,
          retryLimit: def.options.retryLimit ?? 5,
          retryDelay: def.options.retryDelaySeconds ?? 2,
          retryBackoff: def.options.retryBackoff ?? true,
          expireInSeconds: this.#leaseSeconds,
          policy: def.options.policy ?? 'standard',
        };
        await this.#boss.createQueue(def.name, queue);
        await this.#boss.updateQueue(def.name, queue); // a queue created by an older version keeps its settings otherwise
      }
      // The expiry sweep reads active jobs every few seconds: a small partial index keeps it off the
      // completed jobs (kept in pgboss.job for hours).
      await this.db.ownerExecutor.executeSql(`create index if not exists atrium_job_active on pgboss.job (started_on) where state = 'active'`);
      // Enqueueing happens inside tenant transactions (role atrium_app). That role may add
      // jobs but never read them: job payloads of every tenant live in one table.
      await this.db.ownerExecutor.executeSql(
        `grant usage on schema pgboss to atrium_app, atrium_system;
         revoke all on all tables in schema pgboss from atrium_app;
         grant select on pgboss.queue to atrium_app;
         grant insert, select (id) on pgboss.job to atrium_app;
         grant select, insert, update on all tables in schema pgboss to atrium_system`,
      );
    });
    this.#started = true;
    if (work) {
      // Embedded PGlite lives in this process only: a job still active at start belonged to a
      // process that died with the database. Its lease is over now.
      if (this.db.kind === 'pglite') {
        await this.db.ownerExecutor.executeSql(`update pgboss.job set expire_in = interval '0' where state = 'active'`);
        await this.#expire();
      }
      this.#stopping = false;
      const every = (seconds: number, fn: () => Promise<void>) => {
        let busy = false;
        const t = setInterval(() => {
          if (busy) return;
          busy = true;
          void fn().finally(() => { busy = false; });
        }, seconds * 1000);
        t.unref();
        this.#timers.push(t);
      };
      every(RENEW_SECONDS, () => this.#renew());
      every(EXPIRY_SWEEP_SECONDS, () => this.#expire());
      for (const def of this.#defs.values()) this.#loops.push(this.#loop(def));
    }
  }

  /** One queue's worker: fetch a batch, run it, complete or fail each job; wait for a nudge or the poll when idle. */
  async #loop(def: Definition): Promise<void> {
    const timeoutMs = (def.options.expireInSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
    while (!this.#stopping) {
      let jobs: { id: string; data: unknown }[] = [];
      try {
        jobs = await this.#boss.fetch<unknown>(def.name, { batchSize: def.options.batchSize ?? 1 });
      } catch (err) {
        this.log.error({ err, queue: def.name }, 'job fetch failed');
      }
      if (jobs.length === 0) {
        await this.#idle();
        continue;
      }
      // A job this process already runs (its lease lapsed and it came back): the run in progress completes it.
      const mine = jobs.filter((j) => !this.#inFlight.has(j.id));
      const renewUntil = Date.now() + timeoutMs;
      for (const j of mine) this.#inFlight.set(j.id, { name: def.name, renewUntil });
      try {
        let failed: ReadonlyMap<string, unknown> = new Map();
        try {
          failed = (await def.batch(mine as never)) ?? new Map();
        } catch (err) {
          failed = new Map(mine.map((j) => [j.id, err]));
        }
        const ok = mine.filter((j) => !failed.has(j.id)).map((j) => j.id);
        if (ok.length > 0) await this.#boss.complete(def.name, ok);
        for (const [id, err] of failed) {
          this.log.warn({ err, queue: def.name, job: id }, 'job failed; pg-boss retries it');
          await this.#boss.fail(def.name, id, { message: err instanceof Error ? err.message : String(err) });
        }
      } catch (err) {
        // Completion lost (database gone): the leases lapse and the jobs are retried; handlers are idempotent.
        this.log.error({ err, queue: def.name }, 'job completion failed');
      } finally {
        for (const j of mine) this.#inFlight.delete(j.id);
      }
    }
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.#wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, POLL_MS);
      this.#wakers.add(done);
    });
  }

  /** Pushes the lease of every job this process runs forward (up to each job's timeout). */
  async #renew(): Promise<void> {
    const now = Date.now();
    const names: string[] = [];
    const ids: string[] = [];
    for (const [id, j] of this.#inFlight) {
      if (j.renewUntil < now) continue; // presumed hung: let the lease lapse so another worker retries it
      names.push(j.name);
      ids.push(id);
    }
    if (ids.length === 0) return;
    try {
      await this.db.ownerExecutor.executeSql(
        `update pgboss.job j set expire_in = (now() - j.started_on) + make_interval(secs => $1)
         from unnest($2::text[], $3::uuid[]) as r(name, id)
         where j.name = r.name and j.id = r.id and j.state = 'active'`,
        [this.#leaseSeconds, names, ids],
      );
    } catch (err) {
      this.log.error({ err }, 'job lease renewal failed');
    }
  }

  /** pg-boss's expiry (active jobs past their lease → retry or failed), serialised by its advisory lock. */
  async #expire(): Promise<void> {
    try {
      await this.#boss.expire();
    } catch (err) {
      this.log.error({ err }, 'job expiry failed');
    }
  }

  /** Server Postgres: a session advisory lock held on its own connection (PGlite is one process). */
  async #oneAtATime(fn: () => Promise<void>): Promise<void> {
    if (this.db.kind !== 'postgres') return fn();
    await this.db.ownerSession(async (session) => {
      await session.executeSql(`select pg_advisory_lock(${STARTUP_LOCK_KEY})`);
      try {
        await fn();
      } finally {
        await session.executeSql(`select pg_advisory_unlock(${STARTUP_LOCK_KEY})`);
      }
    });
  }

  /** Enqueue in the caller's transaction: the job exists if and only if the transaction commits. */
  async enqueue(tx: Tx, name: string, data: object, opts: EnqueueOptions = {}): Promise<string | null> {
    if (!this.#defs.has(name)) throw new Error(`unknown queue ${name}`);
    // Only options actually given: pg-boss asserts on a present-but-undefined `priority`.
    return this.#boss.send(name, data, {
      db: txExecutor(tx) as PgBoss.Db,
      ...(opts.singletonKey !== undefined && { singletonKey: opts.singletonKey }),
      ...(opts.startAfterSeconds !== undefined && { startAfter: opts.startAfterSeconds }),
      ...(opts.priority !== undefined && { priority: opts.priority }),
    });
  }

  /** Many jobs of one queue in one statement, in the caller's transaction. */
  async enqueueMany(tx: Tx, name: string, data: readonly object[]): Promise<void> {
    if (!this.#defs.has(name)) throw new Error(`unknown queue ${name}`);
    if (data.length === 0) return;
    const def = this.#defs.get(name)!.options;
    await this.#boss.insert(
      data.map((d) => ({
        name, data: d,
        retryLimit: def.retryLimit ?? 5, retryDelay: def.retryDelaySeconds ?? 2, retryBackoff: def.retryBackoff ?? true,
        expireInSeconds: this.#leaseSeconds,
      })),
      { db: txExecutor(tx) as PgBoss.Db },
    );
  }

  /** Wakes this process's workers now instead of at the next poll (call after commit). */
  nudge(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  async schedule(name: string, cron: string, data: object = {}): Promise<void> {
    await this.#boss.schedule(name, cron, data);
  }

  async queueDepths(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const name of this.#defs.keys()) out[name] = this.#started ? await this.#boss.getQueueSize(name) : 0;
    return out;
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#stopping = true;
    for (const t of this.#timers.splice(0)) clearInterval(t);
    this.nudge();
    // Jobs in progress finish (up to 5 s); any still running then are left to their lapsing leases.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.#loops.splice(0)), new Promise((r) => { timer = setTimeout(r, 5000); })]);
    clearTimeout(timer);
    await this.#boss.stop({ graceful: true, wait: true, timeout: 5000 });
  }
}
