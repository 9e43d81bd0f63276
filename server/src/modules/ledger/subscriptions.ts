// Durable subscriptions: `ledger.subscribe(name, filter, handler)` delivers every committed
// diff to the handler once, in commit order, across restarts and kill -9.
//
// How: each subscriber has a cursor row (ledger_subscriptions) over (xact_id, id). A batch reads
// the diffs after it whose transactions are older than the oldest still running
// (pg_snapshot_xmin), so a transaction that took a lower id but commits later is never skipped;
// the handler runs in the transaction that moves the cursor, so its writes (run rows, jobs)
// commit with the move or not at all. The cursor row is locked with SKIP LOCKED: with N workers
// one delivers and the others wait. A handler's effect outside the database uses
// `idempotencyKey(diff)` — `<subscriber>:<diff id>` — so a redelivery after a crash between the
// effect and the commit is recognised by the receiver.
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db, Tx } from '../../platform/db/index.js';
import { isDatabaseUnavailable } from '../../platform/db/unavailable.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import { DIFF_CHANNEL } from './record.js';

/** A committed diff as subscribers see it. */
export type CommittedDiff = {
  id: number; tenant_id: string; namespace: string; entity_type: string; entity_id: string; event: string;
  value_before: Json | null; value_after: Json | null; metadata: JsonObject; actor_type: string; actor_id: string;
  created_at: Date; causation_id: number | null;
};

/** Which diffs a subscriber wants (all when empty); the cursor passes the others too. */
export type DiffFilter = { namespaces?: readonly string[]; events?: readonly string[]; entityTypes?: readonly string[] };

export type Delivery = {
  /** The subscription's transaction (system role: a subscriber serves every tenant). */
  tx: Tx;
  /** Runs after the batch committed (never if it rolled back). */
  onCommit(fn: () => void): void;
};
export type SubscriptionHandler = (diffs: readonly CommittedDiff[], delivery: Delivery) => Promise<void>;

export type SubscriptionOptions = {
  filter?: DiffFilter; batchSize?: number; pollMs?: number; log: Logger;
  /**
   * At least this long between two passes woken by ledger notices (default 0): a subscriber
   * that only needs to be prompt, not instant, reads one batch per interval under a write
   * storm instead of one small batch per commit (each pass is a transaction of its own).
   */
  minIntervalMs?: number;
};

/** Longest pause after consecutive failures. */
const MAX_BACKOFF_MS = 2_000;

type Row = CommittedDiff & { xact_id: string };

const matches = (f: DiffFilter | undefined, d: CommittedDiff): boolean =>
  !f || ((!f.namespaces || f.namespaces.includes(d.namespace)) && (!f.events || f.events.includes(d.event)) && (!f.entityTypes || f.entityTypes.includes(d.entity_type)));

export type Subscription = ReturnType<typeof createSubscription>;

export function createSubscription(db: Db, hub: RealtimeHub, name: string, handler: SubscriptionHandler, opts: SubscriptionOptions) {
  const batchSize = opts.batchSize ?? 1000;
  const pollMs = opts.pollMs ?? 250;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  let stopped = true;
  let failures = 0;
  let pausedUntil = 0;
  const minIntervalMs = opts.minIntervalMs ?? 0;
  let lastPassAt = 0;
  let deferred: NodeJS.Timeout | null = null;

  /** Once the row exists it is never removed: later drains and starts skip the round trip. */
  let cursorReady = false;

  /** Creates the cursor at the current end of the ledger (a new subscriber starts from now). */
  async function ensureCursor(): Promise<void> {
    if (cursorReady) return;
    // system: the cursor spans every tenant's diffs.
    await db.systemTx((tx) => sql`
      insert into ledger_subscriptions (name, xact_id, diff_id) values (${name}, pg_current_xact_id(), 0)
      on conflict (name) do nothing`.execute(tx));
    cursorReady = true;
  }

  /** One batch: how many diffs the cursor passed. */
  async function tick(): Promise<number> {
    const hooks: (() => void)[] = [];
    // system: a subscriber reads every tenant's diffs in commit order.
    const consumed = await db.systemTx(async (tx) => {
      const cursor = await sql<{ xact_id: string; diff_id: string }>`
        select xact_id::text as xact_id, diff_id from ledger_subscriptions where name = ${name} for update skip locked`.execute(tx);
      const at = cursor.rows[0];
      if (!at) return 0; // another worker is delivering (or the cursor is not created yet)
      const { rows } = await sql<Row>`
        select id, tenant_id, namespace, entity_type, entity_id, event, value_before, value_after, metadata,
               actor_type, actor_id, created_at, causation_id, xact_id::text as xact_id
        from diffs
        where (xact_id, id) > (${at.xact_id}::xid8, ${at.diff_id}::bigint)
          and xact_id < pg_snapshot_xmin(pg_current_snapshot())
        order by xact_id, id
        limit ${batchSize}`.execute(tx);
      if (rows.length === 0) return 0;
      const wanted = rows.filter((r) => matches(opts.filter, r));
      if (wanted.length > 0) await handler(wanted, { tx, onCommit: (fn) => hooks.push(fn) });
      const last = rows.at(-1)!;
      await sql`update ledger_subscriptions set xact_id = ${last.xact_id}::xid8, diff_id = ${last.id}, updated_at = now() where name = ${name}`.execute(tx);
      return rows.length;
    });
    for (const fn of hooks) fn();
    return consumed;
  }

  /** Whether some diff with id ≤ `target` is still behind the cursor. */
  async function unread(target: number): Promise<boolean> {
    // system: the cursor spans every tenant's diffs.
    const { rows } = await db.systemTx((tx) => sql<{ left: boolean }>`
      select exists (select 1 from diffs, ledger_subscriptions c
                     where c.name = ${name} and diffs.id <= ${target} and (diffs.xact_id, diffs.id) > (c.xact_id, c.diff_id)) as left`.execute(tx));
    return rows[0]?.left ?? false;
  }

  /** Delivers the backlog; concurrent wake-ups coalesce into one more pass. */
  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (Date.now() < pausedUntil) return; // backing off after a failure: a later poll tries again
    const wait = lastPassAt + minIntervalMs - Date.now();
    if (wait > 0) {
      deferred ??= setTimeout(() => { deferred = null; wake(); }, wait);
      return;
    }
    lastPassAt = Date.now();
    running = (async () => {
      try {
        do {
          again = false;
          while (!stopped && (await tick()) === batchSize);
        } while (again && !stopped);
        failures = 0;
      } catch (err) {
        // Never fatal (a database restart, say): back off (the poll interval doubling up to 2 s,
        // jittered) and go on from the durable cursor, which only a committed batch moved.
        failures++;
        const retryInMs = Math.round(Math.min(MAX_BACKOFF_MS, pollMs * 2 ** (failures - 1)) * (0.5 + Math.random() / 2));
        pausedUntil = Date.now() + retryInMs;
        if (isDatabaseUnavailable(err)) opts.log.warn({ err, subscription: name, failures, retry_in_ms: retryInMs }, 'subscription: the database is unavailable; retrying');
        else opts.log.error({ err, subscription: name, failures, retry_in_ms: retryInMs }, 'subscription handler failed; retrying');
      } finally {
        running = null;
      }
    })();
  }

  return {
    name,
    tick,
    wake,
    /** `<subscriber>:<diff id>`: the key an outside effect of this delivery carries. */
    idempotencyKey: (d: Pick<CommittedDiff, 'id'>) => `${name}:${d.id}`,
    /** How far the cursor is behind the ledger, in diff ids (a metric; cheap, approximate). */
    async backlog(): Promise<number> {
      // system: the cursor spans every tenant's diffs.
      const r = await db.systemTx((tx) => sql<{ n: number }>`
        select greatest(0, coalesce((select max(id) from diffs), 0) - coalesce((select diff_id from ledger_subscriptions where name = ${name}), 0))::int as n`.execute(tx));
      return r.rows[0]?.n ?? 0;
    },
    /** Delivers every diff committed before the call (tests, bench). A transaction still open
     *  anywhere on the server holds the horizon back, so this waits for the horizon, up to
     *  `timeoutMs`: "drained" must mean those diffs were delivered, not merely that none were visible. */
    async drain(timeoutMs = 30_000): Promise<void> {
      while (running) await running;
      await ensureCursor();
      // system: the newest diff of any tenant.
      const target = (await db.systemTx((tx) => sql<{ id: number | null }>`select max(id) as id from diffs`.execute(tx))).rows[0]?.id ?? 0;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while ((await tick()) > 0);
        if (!(await unread(target))) return;
        if (Date.now() > deadline) throw new Error(`subscription ${name}: diffs up to ${target} still unevaluated by this subscriber after ${timeoutMs} ms (a transaction holds the horizon back?)`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    /** Delivers from now on: on every ledger notice and every `pollMs` (a lost notice costs one poll). */
    async start(): Promise<void> {
      await ensureCursor();
      stopped = false;
      unsubscribe = hub.subscribeAll(DIFF_CHANNEL, () => wake());
      timer = setInterval(wake, pollMs);
      timer.unref();
      wake();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (deferred) clearTimeout(deferred);
      deferred = null;
      unsubscribe?.();
      unsubscribe = null;
      if (timer) clearInterval(timer);
      timer = null;
      while (running) await running;
    },
  };
}
