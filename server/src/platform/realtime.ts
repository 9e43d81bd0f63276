// After-commit fan-out. Writers `publish` from a commit hook (never inside their
// transaction: a NOTIFY there takes a server-wide lock held until the commit is flushed,
// which serialises every writing transaction). Notices published in the same tick are
// merged per tenant into one id range and sent as one NOTIFY, which Postgres delivers to
// every listening process (server Postgres) or to this one (PGlite). The hub routes each
// notice to the subscribers of its tenant.
import type { Logger } from 'pino';
import type { Db, Unlisten } from './db/index.js';

export type TenantNotice = { t: string } & Record<string, unknown>;
/** A range of ids committed for one tenant (what the ledger publishes). */
export type RangeNotice = { t: string; min: number; max: number };
type Listener = (notice: TenantNotice) => void;

export class RealtimeHub {
  readonly #subs = new Map<string, Map<string, Set<Listener>>>(); // channel → tenant → listeners
  readonly #unlisten: Unlisten[] = [];
  readonly #listening = new Map<string, Promise<void>>();
  readonly #everyTenant = new Map<string, Set<Listener>>(); // channel → listeners of all tenants
  readonly #pending = new Map<string, Map<string, RangeNotice>>(); // channel → tenant → merged range
  readonly #resync = new Map<string, Set<() => void>>(); // channel → called after a lost connection is back
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /** Listens on a channel once: a later call (a second cache following it) shares the first. */
  listen(channel: string): Promise<void> {
    const listening = this.#listening.get(channel) ?? this.#listen(channel);
    this.#listening.set(channel, listening);
    return listening;
  }

  async #listen(channel: string): Promise<void> {
    const tenants = new Map<string, Set<Listener>>();
    this.#subs.set(channel, tenants);
    this.#unlisten.push(
      await this.db.listen(channel, (payload) => {
        let notice: TenantNotice;
        try {
          notice = JSON.parse(payload) as TenantNotice;
        } catch {
          this.log.warn({ channel }, 'ignored malformed notice');
          return;
        }
        for (const fn of tenants.get(notice.t) ?? []) fn(notice);
        for (const fn of this.#everyTenant.get(channel) ?? []) fn(notice);
      }, () => {
        this.log.warn({ channel }, 'listening again after a lost connection; subscribers resynchronise');
        this.resync(channel);
      }),
    );
  }

  /** Tells the channel's subscribers that notices may have been missed (called after a reconnect). */
  resync(channel: string): void {
    for (const fn of this.#resync.get(channel) ?? []) fn();
  }

  /** Called when notices on the channel may have been missed (the listening connection was lost and is back). */
  onResync(channel: string, fn: () => void): () => void {
    const set = this.#resync.get(channel) ?? new Set();
    this.#resync.set(channel, set);
    set.add(fn);
    return () => set.delete(fn);
  }

  subscribe(channel: string, tenantId: string, fn: Listener): () => void {
    const tenants = this.#subs.get(channel);
    if (!tenants) throw new Error(`not listening on ${channel}`);
    const set = tenants.get(tenantId) ?? new Set();
    tenants.set(tenantId, set);
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) tenants.delete(tenantId);
    };
  }

  /** Every tenant's notices on a channel (platform consumers such as the rule evaluator). */
  subscribeAll(channel: string, fn: Listener): () => void {
    if (!this.#subs.has(channel)) throw new Error(`not listening on ${channel}`);
    const set = this.#everyTenant.get(channel) ?? new Set();
    this.#everyTenant.set(channel, set);
    set.add(fn);
    return () => set.delete(fn);
  }

  /**
   * Queues a notice; notices are merged per tenant and sent together: those of one tick, and
   * under load all that arrive while the previous NOTIFY is still on its way (one in flight at a
   * time: each NOTIFY takes the server's notify lock at commit, so fewer, fuller ones write faster).
   */
  publish(channel: string, notice: RangeNotice): void {
    const byTenant = this.#pending.get(channel) ?? new Map<string, RangeNotice>();
    this.#pending.set(channel, byTenant);
    const prev = byTenant.get(notice.t);
    byTenant.set(notice.t, prev ? { t: notice.t, min: Math.min(prev.min, notice.min), max: Math.max(prev.max, notice.max) } : notice);
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    while (this.#pending.size > 0) {
      const batches = [...this.#pending.entries()].map(([channel, m]) => [channel, [...m.values()].map((n) => JSON.stringify(n))] as const);
      this.#pending.clear();
      for (const [channel, payloads] of batches) {
        await this.db.ownerExecutor
          .executeSql('select pg_notify($1, p) from unnest($2::text[]) as p', [channel, payloads])
          .catch((err: unknown) => this.log.warn({ err, channel }, 'notify failed; clients catch up on reconnect'));
      }
    }
    this.#flushing = null;
  }

  /** Resolves once queued notices are sent (tests and shutdown). */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  subscriberCount(channel: string): number {
    let n = 0;
    for (const set of this.#subs.get(channel)?.values() ?? []) n += set.size;
    return n;
  }

  async stop(): Promise<void> {
    await this.drain();
    await Promise.all(this.#unlisten.map((u) => u()));
  }
}
