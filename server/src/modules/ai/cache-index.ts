// Which keys the shared (Postgres) cache tier holds, per workspace, as this process last
// saw them — so a question never asked before costs no round trip: a key absent from the
// index is a miss without asking Postgres. The index is loaded on a workspace's first
// lookup (until then every lookup asks) and brought up to date in the background every
// `refreshMs` by reading only the keys added since (index ai_cache_added). Keys written by
// this process are added at once. What another process cached in the last `refreshMs`
// can therefore be missed here once: one extra provider call, never a wrong answer.
// Bounds:
//   - a workspace with more than `maxKeys` live entries is not indexed (every lookup asks):
//     it is marked oversized and its full load is tried again only after
//     `oversizedRetryMs` (10 min), not every `refreshMs` — reading 50 000 keys every 5 s to
//     learn again that they do not fit would cost more than the round trips it saves. Keys
//     that expired stay in a set until it overflows; then it is reloaded whole at the next
//     refresh, which drops them (only a full load that does not fit means oversized);
//   - at most `maxTenants` workspaces are held; beyond that the one least recently refreshed
//     goes first (a workspace in use is refreshed every `refreshMs`, so it stays) and is
//     loaded again on its next lookup.
import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import { setBounded } from '../../platform/bounded-map.js';

type TenantKeys = {
  keys: Set<string>;
  since: Date | null;
  complete: boolean;
  /** Too many live keys at the last full load: not indexed until `oversizedRetryMs` passed. */
  oversized: boolean;
  refreshedAt: number;
  busy: Promise<void> | null;
};

export type SharedCacheIndexOptions = {
  clock?: () => number;
  refreshMs?: number;
  maxKeys?: number;
  maxTenants?: number;
  oversizedRetryMs?: number;
};

/** Rows committed out of created_at order (a transaction's now() is its start) are caught by re-reading this far back. */
const OVERLAP_MS = 10_000;

export class SharedCacheIndex {
  readonly #tenants = new Map<string, TenantKeys>();
  readonly #clock: () => number;
  readonly #refreshMs: number;
  readonly #maxKeys: number;
  readonly #maxTenants: number;
  readonly #oversizedRetryMs: number;

  constructor(
    private readonly db: Db,
    opts: SharedCacheIndexOptions = {},
  ) {
    this.#clock = opts.clock ?? Date.now;
    this.#refreshMs = opts.refreshMs ?? 5_000;
    this.#maxKeys = opts.maxKeys ?? 50_000;
    this.#maxTenants = opts.maxTenants ?? 10_000;
    this.#oversizedRetryMs = opts.oversizedRetryMs ?? 10 * 60_000;
  }

  /** 'absent': Postgres did not hold the key at the last look; 'maybe': ask it. */
  check(tenantId: string, key: string): 'absent' | 'maybe' {
    const t = this.#tenants.get(tenantId);
    if (!t) {
      this.#refresh(tenantId, this.#start(tenantId));
      return 'maybe';
    }
    const wait = t.oversized ? this.#oversizedRetryMs : this.#refreshMs;
    if (!t.busy && this.#clock() - t.refreshedAt > wait) this.#refresh(tenantId, t);
    if (!t.complete) return 'maybe';
    return t.keys.has(key) ? 'maybe' : 'absent';
  }

  /** This process just cached the key (its row follows with the call's metering). */
  add(tenantId: string, key: string): void {
    const t = this.#tenants.get(tenantId);
    if (t && !t.oversized) t.keys.add(key); // an oversized workspace's set stays empty
  }

  /** How many workspaces are held (tests). */
  get tenantCount(): number {
    return this.#tenants.size;
  }

  /** Resolves when no load is running (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.#tenants.values()].map((t) => t.busy));
  }

  #start(tenantId: string): TenantKeys {
    const t: TenantKeys = { keys: new Set(), since: null, complete: false, oversized: false, refreshedAt: this.#clock(), busy: null };
    setBounded(this.#tenants, tenantId, t, this.#maxTenants);
    return t;
  }

  #refresh(tenantId: string, t: TenantKeys): void {
    // Moved to the back: the least recently refreshed workspace is the first to go.
    this.#tenants.delete(tenantId);
    this.#tenants.set(tenantId, t);
    t.refreshedAt = this.#clock();
    t.busy = this.#read(tenantId, t)
      .catch(() => {
        t.complete = false; // unknown: ask Postgres until a read succeeds
      })
      .finally(() => {
        t.busy = null;
      });
  }

  async #read(tenantId: string, t: TenantKeys): Promise<void> {
    const full = t.since === null;
    const from = t.since ? new Date(t.since.getTime() - OVERLAP_MS) : null;
    const rows = await this.db.tenantTx(tenantId, (tx) =>
      sql<{ key: string; created_at: Date }>`select key, created_at from ai_cache
        where expires_at > now() ${from ? sql`and created_at >= ${from}` : sql``}
        order by created_at limit ${this.#maxKeys + 1}`.execute(tx),
    );
    for (const r of rows.rows) t.keys.add(r.key);
    if (t.keys.size > this.#maxKeys) {
      // Too many to hold: forget them and ask Postgres every time. A full load that does not
      // fit means the workspace is oversized (tried again much later); an incremental one
      // may only have collected expired keys: load it whole at the next refresh.
      t.keys.clear();
      t.since = null;
      t.complete = false;
      t.oversized = full;
      return;
    }
    const last = rows.rows.at(-1);
    if (last) t.since = new Date(last.created_at);
    t.complete = true;
    t.oversized = false;
  }
}
