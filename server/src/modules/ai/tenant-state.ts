// What the gateway needs to know about a workspace before every call — its settings (with
// the routing built from them, keys unsealed) and its budget row — kept in this process so
// a call costs no database round trip. Freshness is the platform's TenantCache (one load at a
// time, forgotten on commit of a change here and by NOTIFY elsewhere, a 30 s backstop reload).
// On top of it, the budget: its counter is advanced by every metering write (the row the UPDATE
// returns, which includes other processes' spending), and this process's not-yet-written
// charges are added at the gate. Across N processes a budget can be overshot by what the
// others spent since this one last wrote or reloaded (documented in docs/ai.md).
import type { Tx } from '../../platform/db/index.js';
import { TenantCache, type TenantCacheOptions } from '../../platform/tenant-cache.js';
import { loadBudgetRow, type BudgetRow } from './budget.js';
import { loadSettings, type Routing, type Settings } from './settings.js';

/** `loadedAt`: when it was read (epoch ms). */
export type TenantAi = { settings: Settings; routing: Routing; budget: BudgetRow | undefined; loadedAt: number };
export type Loaded = { settings: Settings; budget: BudgetRow | undefined };
type Money = { tokens: number; cost: number };

/** Reads what the view holds for the transaction's workspace. */
export const loadTenantAi = async (tx: Tx): Promise<Loaded> => ({ settings: await loadSettings(tx), budget: await loadBudgetRow(tx) });

/** The cache's options, with a clock in epoch ms (that of `loadedAt`); maxAgeMs is 30 s unless given. */
export type StatesOptions = Omit<TenantCacheOptions<TenantAi>, 'load' | 'merge' | 'clock'> & { clock?: () => number };

export class TenantAiStates {
  /** The views themselves (`follow` and `invalidate` bind them to the channel). */
  readonly views: TenantCache<TenantAi>;
  /** Charges of calls this process made whose metering is not yet committed. */
  readonly #unwritten = new Map<string, Money>();
  readonly #view: (loaded: Loaded) => TenantAi;

  constructor(load: (tenantId: string) => Promise<Loaded>, route: (settings: Settings) => Routing, opts: StatesOptions = {}) {
    const clock = opts.clock ?? Date.now;
    this.#view = ({ settings, budget }) => ({ settings, routing: route(settings), budget, loadedAt: clock() });
    this.views = new TenantCache({
      ...opts, maxAgeMs: opts.maxAgeMs ?? 30_000, clock: () => new Date(clock()),
      load: async (tenantId) => this.#view(await load(tenantId)), merge: keepNewerCounter,
    });
  }

  /** The workspace's state; loads it on first use (one load at a time per tenant). */
  get(tenantId: string): Promise<TenantAi> | TenantAi {
    return this.views.get(tenantId);
  }

  /** For a caller inside a transaction: a missing entry is read with it, used and not kept (it may roll back). */
  getIn(tenantId: string, loadHere: () => Promise<Loaded>): Promise<TenantAi> {
    return this.views.getIn(tenantId, async () => this.#view(await loadHere()));
  }

  forget(tenantId: string): void {
    this.views.forget(tenantId);
  }

  /** Every workspace (changes may have been missed: the listening connection was lost). */
  forgetAll(): void {
    this.views.forgetAll();
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
    const e = this.views.peek(tenantId);
    if (!e || !row) return;
    if (!e.budget || isNewer(row, e.budget)) e.budget = row;
  }
}

/**
 * A reload may have read the budget row before a metering write this process has already
 * observed: keep the newer counter (same limits; a limit change forgets the entry first).
 */
function keepNewerCounter(loaded: TenantAi, held: TenantAi): TenantAi {
  if (held.budget && loaded.budget && sameLimits(held.budget, loaded.budget) && !isNewer(loaded.budget, held.budget)) loaded.budget = held.budget;
  return loaded;
}

/** A later month, or the same month with a counter at least as large. */
function isNewer(row: BudgetRow, than: BudgetRow): boolean {
  const [was, now] = [than.used_month ?? '', row.used_month ?? ''];
  return now > was || (now === was && Number(row.used_tokens) >= Number(than.used_tokens));
}

const sameLimits = (a: BudgetRow, b: BudgetRow): boolean =>
  Number(a.monthly_tokens ?? -1) === Number(b.monthly_tokens ?? -1) && Number(a.monthly_cost_usd ?? -1) === Number(b.monthly_cost_usd ?? -1) && a.allow_offline === b.allow_offline;
