// A value per tenant kept in this process (compiled rules, AI settings and budget), so a hot
// path makes no round trip, and dropped when it changes: `invalidate` forgets it here after
// commit and publishes a notice; `follow` forgets a tenant on its notice and every tenant after
// a resync (notices sent while the LISTEN connection was down are lost). One load at a time per
// tenant; a load that began before a forget answers its callers but is not kept (it may have
// read the old state). Optional backstop to a lost notice: past `maxAgeMs` a value is reloaded
// in the background while it answers, past STALE_LIMIT periods before it answers. Bounded.
import { setBounded } from './bounded-map.js';
import { systemClock, type Clock } from './clock.js';
import type { Ctx } from './context.js';
import type { RealtimeHub } from './realtime.js';

export type CacheHub = Pick<RealtimeHub, 'listen' | 'subscribeAll' | 'onResync' | 'publish'>;

export type TenantCacheOptions<V> = {
  /** Reads a tenant's value in a transaction of its own (for `get`; `getIn` reads in the caller's). */
  load?: (tenantId: string) => Promise<V>;
  /** Age after which a value is reloaded in the background (none: only notices refresh it). */
  maxAgeMs?: number;
  /** Tenants kept (10 000); past it the one held longest goes. */
  maxTenants?: number;
  clock?: Clock;
  /** A background reload failed (the old value keeps answering). */
  onError?: (err: unknown, tenantId: string) => void;
  /** What is kept when a reload replaces a value still held (default: the reload). */
  merge?: (loaded: V, held: V) => V;
  /** Where a notice `{ t }` says that tenant's value changed. */
  notices?: { hub: CacheHub; channel: string };
};

const STALE_LIMIT = 4;

export class TenantCache<V> {
  /** `checkedAt`: loaded or last tried in the background. */
  readonly #entries = new Map<string, { value: V; checkedAt: number }>();
  readonly #loading = new Map<string, Promise<V>>();
  /** Bumped by every forget: a value read in a caller's transaction is kept only if none came since. */
  #forgets = 0;

  constructor(private readonly opts: TenantCacheOptions<V> = {}) {}

  /** From memory when held (no promise), else loaded. */
  get(tenantId: string): V | Promise<V> {
    const e = this.#entries.get(tenantId);
    if (!e || this.#stale(e.checkedAt, STALE_LIMIT)) return this.#load(tenantId);
    // Counted from the last try: a busy process keeps answering through a database outage.
    if (this.#stale(e.checkedAt, 1) && !this.#loading.has(tenantId)) {
      e.checkedAt = this.#now();
      void this.#load(tenantId).catch((err: unknown) => this.opts.onError?.(err, tenantId));
    }
    return e.value;
  }

  /**
   * A caller inside a transaction reads a missing value with it (another connection could
   * deadlock: PGlite has one, a pool can run dry). The read may see the transaction's own
   * writes: it is kept only once `within` commits and if nothing was forgotten meanwhile.
   */
  async getIn(tenantId: string, read: () => Promise<V>, within?: Pick<Ctx, 'onCommit'>): Promise<V> {
    const e = this.#entries.get(tenantId);
    if (e && !this.#stale(e.checkedAt, STALE_LIMIT)) return e.value;
    const forgets = this.#forgets;
    const value = await read();
    within?.onCommit(() => {
      if (forgets === this.#forgets) this.#keep(tenantId, value);
    });
    return value;
  }

  /** The value held, whatever its age. */
  peek(tenantId: string): V | undefined {
    return this.#entries.get(tenantId)?.value;
  }

  /** A value the caller read (newer than any load running, which is then not kept). */
  set(tenantId: string, value: V): void {
    this.#loading.delete(tenantId);
    setBounded(this.#entries, tenantId, { value, checkedAt: this.#now() }, this.opts.maxTenants ?? 10_000);
  }

  forget(tenantId: string): void {
    this.#forgets += 1;
    this.#entries.delete(tenantId);
    this.#loading.delete(tenantId); // later callers must not join a load that read the old state
  }

  forgetAll(): void {
    this.#forgets += 1;
    this.#entries.clear();
    this.#loading.clear();
  }

  async follow(): Promise<void> {
    const { hub, channel } = this.#notices();
    await hub.listen(channel);
    hub.subscribeAll(channel, (n) => this.forget(n.t));
    hub.onResync(channel, () => this.forgetAll());
  }

  /** The tenant's value changes in `ctx`: after commit, forgotten here and (by the notice) everywhere. */
  invalidate(ctx: Pick<Ctx, 'tenantId' | 'onCommit'>): void {
    const { hub, channel } = this.#notices();
    ctx.onCommit(() => {
      this.forget(ctx.tenantId);
      hub.publish(channel, { t: ctx.tenantId, min: 0, max: 0 }); // the hub's range notice, no ids
    });
  }

  #load(tenantId: string): Promise<V> {
    const running = this.#loading.get(tenantId);
    if (running) return running;
    if (!this.opts.load) throw new Error('this cache has no loader: read with getIn');
    const p: Promise<V> = this.opts.load(tenantId)
      .then((value) => {
        if (this.#loading.get(tenantId) === p) this.#keep(tenantId, value); // not forgotten meanwhile
        return value;
      })
      .finally(() => {
        if (this.#loading.get(tenantId) === p) this.#loading.delete(tenantId);
      });
    this.#loading.set(tenantId, p);
    return p;
  }

  #keep(tenantId: string, loaded: V): void {
    const held = this.#entries.get(tenantId);
    this.set(tenantId, held && this.opts.merge ? this.opts.merge(loaded, held.value) : loaded);
  }

  #stale(checkedAt: number, periods: number): boolean {
    return this.opts.maxAgeMs !== undefined && this.#now() - checkedAt > periods * this.opts.maxAgeMs;
  }

  #now(): number {
    return (this.opts.clock ?? systemClock)().getTime();
  }

  #notices(): NonNullable<TenantCacheOptions<V>['notices']> {
    if (!this.opts.notices) throw new Error('this cache follows no channel');
    return this.opts.notices;
  }
}
