// What the gateway needs to know about a workspace before every call — its settings (with
// the routing built from them, keys unsealed) and its budget row — kept in this process so
// a call costs no database round trip. Freshness:
//   - a change made here (PUT settings/budget) forgets the entry when its transaction commits,
//     and a NOTIFY makes every other serve/worker process forget it too;
//   - as a backstop (a missed notification), an entry older than `maxAgeMs` is reloaded in the
//     background while the old one keeps answering — but one older than STALE_LIMIT × maxAgeMs
//     (an idle process) is reloaded before it answers;
//   - the budget counter is advanced by every metering write (the row the UPDATE returns, which
//     includes other processes' spending), and this process's not-yet-written charges are
//     added on top at the gate. Across N processes a budget can be overshot by what the
//     others spent since this one last wrote or reloaded (documented in docs/ai.md).
import type { Tx } from '../../platform/db/index.js';
import { loadBudgetRow, type BudgetRow } from './budget.js';
import { loadSettings, type Routing, type Settings } from './settings.js';
import { setBounded } from '../../platform/bounded-map.js';

export type TenantAi = { settings: Settings; routing: Routing; budget: BudgetRow | undefined; loadedAt: number };
export type Loaded = { settings: Settings; budget: BudgetRow | undefined };
type Money = { tokens: number; cost: number };

/** Reads what the view holds for the transaction's workspace. */
export const loadTenantAi = async (tx: Tx): Promise<Loaded> => ({ settings: await loadSettings(tx), budget: await loadBudgetRow(tx) });

export type StatesOptions = {
  clock?: () => number;
  /** Age after which an entry is reloaded in the background (the backstop to NOTIFY). */
  maxAgeMs?: number;
  /** Workspaces kept; past it the one held longest is dropped. */
  maxTenants?: number;
  /** A background reload failed (the old entry keeps answering). */
  onError?: (err: unknown, tenantId: string) => void;
};

/** Beyond this many maxAge periods an entry is not served while it reloads. */
const STALE_LIMIT = 4;

export class TenantAiStates {
  readonly #entries = new Map<string, TenantAi>();
  readonly #loading = new Map<string, Promise<TenantAi>>();
  /** Bumped by `forget`: a load that started before it must not be kept. */
  readonly #generation = new Map<string, number>();
  /** Charges of calls this process made whose metering is not yet committed. */
  readonly #unwritten = new Map<string, Money>();

  private readonly clock: () => number;
  private readonly maxAgeMs: number;
  private readonly maxTenants: number;
  private readonly onError: (err: unknown, tenantId: string) => void;

  constructor(
    private readonly load: (tenantId: string) => Promise<Loaded>,
    private readonly route: (settings: Settings) => Routing,
    opts: StatesOptions = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    this.maxAgeMs = opts.maxAgeMs ?? 30_000;
    this.maxTenants = opts.maxTenants ?? 10_000;
    this.onError = opts.onError ?? (() => {});
  }

  /** The workspace's state; loads it on first use (one load at a time per tenant). */
  get(tenantId: string): Promise<TenantAi> | TenantAi {
    const e = this.#entries.get(tenantId);
    if (!e) return this.#reload(tenantId);
    const age = this.clock() - e.loadedAt;
    if (age > STALE_LIMIT * this.maxAgeMs) return this.#reload(tenantId);
    if (age > this.maxAgeMs && !this.#loading.has(tenantId)) {
      e.loadedAt = this.clock(); // one background attempt per period, even if it fails
      void this.#reload(tenantId).catch((err: unknown) => this.onError(err, tenantId));
    }
    return e;
  }

  /**
   * For a caller inside a transaction: a missing entry is read with that transaction (asking
   * for another connection could deadlock — PGlite has one, a pool can run dry). What is read
   * there is used, not kept: the transaction may still roll back.
   */
  async getIn(tenantId: string, loadHere: () => Promise<Loaded>): Promise<TenantAi> {
    const e = this.#entries.get(tenantId);
    if (e && this.clock() - e.loadedAt <= STALE_LIMIT * this.maxAgeMs) return e;
    const { settings, budget } = await loadHere();
    return { settings, routing: this.route(settings), budget, loadedAt: this.clock() };
  }

  forget(tenantId: string): void {
    this.#entries.delete(tenantId);
    // A load already running read the old state: later callers must not join it.
    this.#loading.delete(tenantId);
    this.#generation.set(tenantId, (this.#generation.get(tenantId) ?? 0) + 1);
  }

  /** Every workspace (changes may have been missed: the listening connection was lost). */
  forgetAll(): void {
    for (const tenantId of new Set([...this.#entries.keys(), ...this.#loading.keys()])) this.forget(tenantId);
  }

  #reload(tenantId: string): Promise<TenantAi> {
    const inflight = this.#loading.get(tenantId);
    if (inflight) return inflight;
    const gen = this.#generation.get(tenantId) ?? 0;
    const p = this.load(tenantId)
      .then(({ settings, budget }) => {
        const entry: TenantAi = { settings, routing: this.route(settings), budget, loadedAt: this.clock() };
        if ((this.#generation.get(tenantId) ?? 0) === gen) this.#keep(tenantId, entry);
        return entry;
      })
      .finally(() => {
        if (this.#loading.get(tenantId) === p) this.#loading.delete(tenantId);
      });
    this.#loading.set(tenantId, p);
    return p;
  }

  #keep(tenantId: string, entry: TenantAi): void {
    const old = this.#entries.get(tenantId);
    // A reload may have read the budget row before a metering write this process has already
    // observed: keep the newer counter (same limits; a limit change forgets the entry first).
    if (old?.budget && entry.budget && sameLimits(old.budget, entry.budget) && !isNewer(entry.budget, old.budget)) entry.budget = old.budget;
    setBounded(this.#entries, tenantId, entry, this.maxTenants);
  }

  /** This process's charges not yet written (added on top of the row at the gate). */
  unwritten(tenantId: string): Money {
    return this.#unwritten.get(tenantId) ?? { tokens: 0, cost: 0 };
  }

  /** A paid call finished: counts at the gate at once, long before its metering is written. */
  charge(tenantId: string, tokens: number, cost: number): void {
    const u = this.unwritten(tenantId);
    this.#unwritten.set(tenantId, { tokens: u.tokens + tokens, cost: u.cost + cost });
  }

  /** Metering committed: those charges are now in the row the database returned. */
  written(tenantId: string, charged: Money, row: BudgetRow | undefined): void {
    const u = this.unwritten(tenantId);
    const left = { tokens: u.tokens - charged.tokens, cost: u.cost - charged.cost };
    if (left.tokens <= 0 && left.cost <= 1e-9) this.#unwritten.delete(tenantId);
    else this.#unwritten.set(tenantId, left);
    this.observe(tenantId, row);
  }

  /** A newer budget row (same limits; a counter that only grows within a month). */
  observe(tenantId: string, row: BudgetRow | undefined): void {
    const e = this.#entries.get(tenantId);
    if (!e || !row) return;
    if (!e.budget || isNewer(row, e.budget)) e.budget = row;
  }
}

/** A later month, or the same month with a counter at least as large. */
function isNewer(row: BudgetRow, than: BudgetRow): boolean {
  const [was, now] = [than.used_month ?? '', row.used_month ?? ''];
  return now > was || (now === was && Number(row.used_tokens) >= Number(than.used_tokens));
}

const sameLimits = (a: BudgetRow, b: BudgetRow): boolean =>
  Number(a.monthly_tokens ?? -1) === Number(b.monthly_tokens ?? -1) && Number(a.monthly_cost_usd ?? -1) === Number(b.monthly_cost_usd ?? -1) && a.allow_offline === b.allow_offline;
