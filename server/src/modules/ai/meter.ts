// The meter: writes each completion's usage row, `ai.call` diff, cache entry and budget
// counter. By default it writes *behind* the answer — the caller gets its completion as soon
// as the model answered, and the metering commits a moment later, grouped: the calls of the
// next LINGER_MS go together, one transaction per workspace (workspaces written side by
// side). That keeps the database out of every call's latency (the issue's < 1 ms overhead
// target) while the record stays complete. This is how metering proxies such as LiteLLM
// write spend; the trade-offs are documented in docs/ai.md ("Metering").
// `ATRIUM_AI_METERING=sync` writes before answering instead.
//
// Failures, by kind (see `failureKind`):
//   - the database is unavailable → the group waits (backoff with jitter, per call, so other
//     workspaces go on) and is tried again as it was;
//   - the data cannot be written (a Postgres data/integrity error, or a refusal) → written
//     again one call at a time to find the culprit, which is given up at once;
//   - anything else → one call at a time, each retried with its own backoff.
// A call still failing after MAX_ATTEMPTS is given up. Given-up calls are logged at error
// level with their record (without prompt/output content) and counted.
import type { Logger } from 'pino';
import { inTenant, type CtxSource } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { isDatabaseUnavailable } from '../../platform/db/unavailable.js';
import { AppError } from '../../platform/errors.js';
import type { Ledger } from '../ledger/index.js';
import type { Notify } from './budget.js';
import { groupBy, newCallId, paidOf, writeCalls, type CacheWrite, type CallRecord, type MeteredCall } from './metering.js';
import type { TenantAiStates } from './tenant-state.js';

export type MeteringMode = 'write-behind' | 'sync';

export type MeterDeps = {
  db: Db;
  ledger: Ledger;
  notify?: Notify;
  now: () => Date;
  log: Logger;
  states: TenantAiStates;
  mode: MeteringMode;
  sleep: (ms: number) => Promise<void>;
  /** Beyond this many unwritten calls, callers wait for the writer (memory stays bounded). */
  maxQueue?: number;
  /** Failed writes of a call before it is given up (tests make it small). */
  maxAttempts?: number;
};

type Pending = MeteredCall & { seq: number; attempts: number; notBefore: number };
type FailureKind = 'unavailable' | 'unwritable' | 'unknown';

export const MAX_ATTEMPTS = 12;
/** How long calls wait for company before a write (also the visibility delay). */
const LINGER_MS = 50;
const MAX_BATCH = 200;
const lingerFor = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, LINGER_MS));
/** Workspaces written at the same time (each its own transaction, so its own connection). */
const PARALLEL_WRITES = 4;
const MAX_BACKOFF_MS = 5_000;

/** SQLSTATE classes that say "the server or connection", not "this data". */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58', '40']);
/** SQLSTATE classes that say "this data cannot be written": retrying will not help. */
const UNWRITABLE_CLASSES = new Set(['22', '23', '42', '2B', '44']);

export function failureKind(err: unknown): FailureKind {
  if (err instanceof AppError) return 'unwritable';
  if (isDatabaseUnavailable(err)) return 'unavailable'; // the platform's one definition (socket codes, 08xxx, 57P0x, lost connections)
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (UNAVAILABLE_CLASSES.has(code.slice(0, 2))) return 'unavailable';
    if (UNWRITABLE_CLASSES.has(code.slice(0, 2))) return 'unwritable';
  }
  const message = (err as Error)?.message ?? '';
  if (/ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|connection|terminat|timeout|shutting down/i.test(message)) return 'unavailable';
  return 'unknown';
}

export class Meter {
  #queue: Pending[] = [];
  #running: Promise<void> | null = null;
  #seq = 0;
  /** Every call not yet written or given up: seq → tenant (what `drain` waits for). */
  readonly #unfinished = new Map<number, string>();
  /** Woken whenever calls finish (drain, back-pressure). */
  #waiters: (() => void)[] = [];
  #dropped = 0;
  #writes = 0;

  constructor(private readonly d: MeterDeps) {}

  /** Records a finished call; returns its id (write-behind: before the write). */
  async record(source: CtxSource, record: CallRecord, cache: CacheWrite | null): Promise<string> {
    const item: Pending = { id: newCallId(), source, record, cache, seq: ++this.#seq, attempts: 0, notBefore: 0 };
    this.#unfinished.set(item.seq, source.tenantId);
    const paid = paidOf([item]);
    if (paid.tokens > 0 || paid.cost > 0) this.d.states.charge(source.tenantId, paid.tokens, paid.cost);
    if (this.d.mode === 'sync') {
      try {
        await this.#write(source.tenantId, [item]);
        this.#finish([item]);
        return item.id;
      } catch (err) {
        if (failureKind(err) === 'unwritable') {
          this.#giveUp(item, err);
          throw err;
        }
        // The answer is paid for and delivered; its metering joins the retrying writer.
        this.d.log.warn({ err, call: item.id }, 'ai metering write failed; will retry behind the answer');
        item.attempts = 1;
      }
    }
    this.#queue.push(item);
    this.#running ??= lingerFor().then(() => this.#run());
    const max = this.d.maxQueue ?? 10_000;
    while (this.#queue.length > max && this.#running) await this.#progress();
    return item.id;
  }

  /**
   * Resolves once every call recorded before it (for one workspace, or all) is written or given
   * up — calls recorded later do not keep it waiting. Rejects after `timeoutMs`.
   */
  async drain({ tenantId, timeoutMs }: { tenantId?: string; timeoutMs?: number } = {}): Promise<void> {
    const upTo = this.#seq;
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    const waiting = () => [...this.#unfinished].some(([seq, t]) => seq <= upTo && (!tenantId || t === tenantId));
    while (waiting()) {
      if (Date.now() >= deadline) throw new AppError('METERING_BEHIND', 503, 'Usage is still being written; try again shortly.', [], { 'retry-after': '1' });
      await Promise.race([this.#progress(), ...(deadline === Infinity ? [] : [new Promise((r) => setTimeout(r, deadline - Date.now()))])]);
    }
  }

  /** Calls answered but not yet written, calls given up on, and transactions committed, since start. */
  stats(): { pending: number; dropped: number; writes: number } {
    return { pending: this.#unfinished.size, dropped: this.#dropped, writes: this.#writes };
  }

  #progress(): Promise<void> {
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Calls waiting out a backoff stay queued; the others go now.
        const dueAt = Math.min(...this.#queue.map((p) => p.notBefore));
        const wait = dueAt - Date.now();
        if (wait > 0) await this.d.sleep(wait);
        const ready: Pending[] = [];
        const later: Pending[] = [];
        for (const p of this.#queue) (p.notBefore <= dueAt && ready.length < MAX_BATCH ? ready : later).push(p);
        this.#queue = later;
        const groups = [...groupBy(ready, (p) => p.source.tenantId)];
        for (let i = 0; i < groups.length; i += PARALLEL_WRITES) {
          await Promise.all(groups.slice(i, i + PARALLEL_WRITES).map(([tenantId, items]) => this.#writeGroup(tenantId, items)));
        }
        this.#wake();
        // Calls that came during the write wait for company too (fewer, larger writes: less
        // work interleaved with the calls being answered), unless a full batch is waiting.
        const now = Date.now();
        if (this.#queue.length < MAX_BATCH && this.#queue.some((p) => p.notBefore <= now)) await lingerFor();
      }
    } finally {
      this.#running = null;
      this.#wake();
    }
  }

  async #writeGroup(tenantId: string, items: Pending[]): Promise<void> {
    let kind: FailureKind;
    try {
      await this.#write(tenantId, items);
      return this.#finish(items);
    } catch (err) {
      kind = failureKind(err);
      if (kind === 'unavailable' || items.length === 1) return this.#failed(items, err, kind);
    }
    // Something in the group cannot be written: each call alone, so only the culprit fails.
    for (const item of items) {
      try {
        await this.#write(tenantId, [item]);
        this.#finish([item]);
      } catch (err) {
        this.#failed([item], err, failureKind(err));
      }
    }
  }

  #failed(items: Pending[], err: unknown, kind: FailureKind): void {
    const max = this.d.maxAttempts ?? MAX_ATTEMPTS;
    const retry = kind === 'unwritable' ? [] : items.filter((p) => ++p.attempts < max);
    for (const p of items) if (!retry.includes(p)) this.#giveUp(p, err);
    if (retry.length === 0) return;
    const attempts = Math.max(...retry.map((p) => p.attempts));
    const notBefore = Date.now() + Math.min(MAX_BACKOFF_MS, 50 * 2 ** attempts) * (0.5 + Math.random() / 2);
    for (const p of retry) p.notBefore = notBefore;
    this.#queue.push(...retry);
    this.d.log.warn({ err, kind, calls: retry.length, first_call: retry[0]!.id, attempts }, 'ai metering write failed; will retry');
  }

  #finish(items: Pending[]): void {
    for (const p of items) this.#unfinished.delete(p.seq);
    this.#wake(); // now, not after the batch: a drain for one workspace must not wait for another's write
  }

  #giveUp(item: Pending, err: unknown): void {
    this.#dropped++;
    this.#unfinished.delete(item.seq);
    this.#wake();
    this.d.states.written(item.source.tenantId, paidOf([item]), undefined);
    // The record without prompt/output content (which the log must not carry).
    const { content: _content, ...record } = item.record;
    this.d.log.error({ err, call: item.id, tenant: item.source.tenantId, actor: item.source.actor, record }, 'ai metering write given up');
  }

  /** One transaction for a workspace's calls; then the budget view learns the new counter. */
  async #write(tenantId: string, items: Pending[]): Promise<void> {
    const row = await inTenant(this.d.db, items[0]!.source, (ctx) => writeCalls(ctx, this.d, items));
    this.#writes++;
    this.d.states.written(tenantId, paidOf(items), row);
  }
}
