// Durable jobs on Postgres through pg-boss. Enqueue happens inside the caller's
// transaction (same commit as the diff that causes the job); workers run in the
// `worker` role (or in the single embedded process).
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
  /** pg-boss queue policy; `short` keeps at most one waiting job per singleton key (a request to do
   * something "soon", where asking twice means nothing more). */
  policy?: 'standard' | 'short';
};
export type EnqueueOptions = { singletonKey?: string; startAfterSeconds?: number; priority?: number };

const STARTUP_LOCK_KEY = 472_019_332; // arbitrary, constant: "atrium job engine start-up"

type Definition = { name: string; options: QueueOptions; handler: JobHandler<never> };

export class Jobs {
  readonly #boss: PgBoss;
  readonly #defs = new Map<string, Definition>();
  readonly #workerIds: string[] = [];
  #started = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    opts: { maintenanceIntervalSeconds?: number } = {},
  ) {
    this.#boss = new PgBoss({
      db: db.ownerExecutor as PgBoss.Db, schema: 'pgboss', supervise: true, schedule: true,
      maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 120,
    });
    this.#boss.on('error', (err) => this.log.error({ err }, 'job engine error'));
  }

  /** Modules declare their queues (and handlers) before start. */
  define<T>(name: string, options: QueueOptions, handler: JobHandler<T>): void {
    if (this.#started) throw new Error(`queue ${name} defined after start`);
    this.#defs.set(name, { name, options, handler: handler as JobHandler<never> });
  }

  async start({ work }: { work: boolean }): Promise<void> {
    // Serve and worker processes start together: queue creation and GRANTs on one object
    // race ("tuple concurrently updated"), so one process at a time does them.
    await this.#oneAtATime(async () => {
      await this.#boss.start();
      for (const def of this.#defs.values()) {
        await this.#boss.createQueue(def.name, {
          name: def.name,
          retryLimit: def.options.retryLimit ?? 5,
          retryDelay: def.options.retryDelaySeconds ?? 2,
          retryBackoff: def.options.retryBackoff ?? true,
          expireInSeconds: def.options.expireInSeconds ?? 300,
          policy: def.options.policy ?? 'standard',
        });
      }
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
      for (const def of this.#defs.values()) {
        let id = '';
        id = await this.#boss.work<unknown>(
          def.name,
          { batchSize: 1, pollingIntervalSeconds: 0.5 },
          async (jobs) => {
            for (const job of jobs) {
              await def.handler(job.data as never, { id: job.id });
            }
            // pg-boss waits a polling interval after every fetch; while there is work, fetch again at once.
            if (jobs.length > 0) this.#boss.notifyWorker(id);
          },
        );
        this.#workerIds.push(id);
      }
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
        expireInSeconds: def.expireInSeconds ?? 300,
      })),
      { db: txExecutor(tx) as PgBoss.Db },
    );
  }

  /** Wakes this process's workers now instead of at the next poll (call after commit). */
  nudge(): void {
    for (const id of this.#workerIds) this.#boss.notifyWorker(id);
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
    await this.#boss.stop({ graceful: true, wait: true, timeout: 5000 });
  }
}
