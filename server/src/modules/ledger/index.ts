// The ledger: the append-only record of every change (before → after → who → why),
// with whys, replay, audit export and the realtime stream. Other modules write to it
// only through `record` / `recordBatch`, inside their own transaction.
import type { AtriumConfig } from '../../platform/config.js';
import { sql } from 'kysely';
import type { Db, Tx } from '../../platform/db/index.js';
import { annotate, listDiffs, listScopeHistory } from './queries.js';
import { diffPublicId, everythingVisible, type Visibility } from './model.js';
import type { Ctx } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import type { Jobs } from '../../platform/jobs.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import type { Json } from '../../platform/schema.js';
import { WhyPolicy, type CriticalEvent } from './policy.js';
import { createRecorder, DIFF_CHANNEL, type BeforeRecord, type DiffInput, type RecordedDiff, type Sentiment } from './record.js';
import { snapshotEntity, stateAt, type EntityRef, type ReplayedState } from './replay.js';
import { registerLedgerRoutes } from './routes.js';
import { DiffFeed } from './stream.js';
import { createSubscription, type Subscription, type SubscriptionHandler, type SubscriptionOptions } from './subscriptions.js';
import { anyDiff, diffCounts, diffsBetween, diffsWithWhys, firstDiffCausedBy, whysOfLatest } from './reads.js';
import type { Logger } from 'pino';
import { defineModule } from '../../platform/module.js';
import { LEDGER_CONFIG, type LedgerConfig } from './config.js';
export type { LedgerConfig } from './config.js';
import type { EventRegistry } from '../../platform/events.js';
import type { CommandRegistry } from '../../platform/commands.js';
import { registerLedgerCommands } from './commands.js';
// Its tables (schema.ts adds them to the one Database type): exported so any program that uses the module sees them.
export type { LedgerTables } from './schema.js';

export type { DiffInput, RecordedDiff, CriticalEvent, EntityRef, BeforeRecord };
export type { DiffView } from './model.js';
export type { Page } from './queries.js';
export { diffSchema } from './schemas.js';
export { DIFF_CHANNEL } from './record.js';
export { RESERVED_NAMESPACES } from './policy.js';
export { applyDiff, mergePatch } from './replay.js';
export { diffPublicId, parseDiffId } from './model.js';
export type { Sentiment } from './record.js';
export type { CommittedDiff, DiffFilter, Delivery, Subscription, SubscriptionHandler } from './subscriptions.js';
export type { DiffRecord, DiffQuery } from './reads.js';

export const SNAPSHOT_QUEUE = 'ledger.snapshot';
type SnapshotJob = { tenantId: string; entityType: string; entityId: string };

export type LedgerDeps = {
  db: Db;
  jobs: Jobs;
  hub: RealtimeHub;
  config: LedgerConfig & Pick<AtriumConfig, 'jobs'>;
  /** The modules' event catalogues: every diff a module records is checked against its own. */
  events?: Pick<EventRegistry, 'check' | 'visibleTo'>;
  commands: CommandRegistry;
  log?: Logger;
};

export function createLedger({ db, jobs, hub, config, events, commands, log }: LedgerDeps) {
  const policy = new WhyPolicy();
  const beforeRecord: BeforeRecord[] = [];
  const recorder = createRecorder(policy, (notice) => hub.publish(DIFF_CHANNEL, notice), beforeRecord, events);
  // Per-person data (a notification's title and body) reaches only its person.
  const visibleTo: Visibility = events ? (d, viewer) => events.visibleTo(d, viewer) : everythingVisible;
  const feed = new DiffFeed(db, hub, visibleTo);
  registerLedgerCommands(commands, recorder);

  // `short`: every long replay asks for snapshots, but one waiting request per entity is enough.
  jobs.define<SnapshotJob>(SNAPSHOT_QUEUE, { retryLimit: 3, policy: 'short' }, (job) =>
    // system: only the platform role may write snapshots (atrium_app can read them, never forge one).
    db.systemTx(async (tx) => {
      await snapshotEntity(tx, job.tenantId, job, config.snapshotEvery, config.snapshotLagSeconds);
    }),
  );

  const subscriptions = new Map<string, Subscription>();

  const ledger = {
    record: recorder.record,
    recordBatch: recorder.recordBatch,
    /** Declares a change that may never be recorded without a why (422 WHY_REQUIRED). */
    requireWhy: (rule: CriticalEvent) => policy.register(rule),
    criticalEvents: () => policy.list(),
    /** A pre-commit policy over every diff about to be recorded (see BeforeRecord). */
    beforeRecord: (hook: BeforeRecord) => void beforeRecord.push(hook),

    /** Reads for other modules, inside their own tenant transaction. */
    /** The newest diffs, as `viewer` may see them. */
    recent: async (tx: Tx, limit: number, viewer: string | null, opts: { exceptEvents?: readonly string[] } = {}) => {
      const page = await listDiffs(tx, {}, limit, undefined, opts.exceptEvents);
      return { ...page, items: page.items.map((d) => visibleTo(d, viewer)) };
    },
    /** An aggregate's history (a workflow and its tasks), as `viewer` may see it. */
    scopeHistory: async (tx: Tx, scopeId: string, limit: number, viewer: string | null, cursor?: string) => {
      const page = await listScopeHistory(tx, scopeId, limit, cursor);
      return { ...page, items: page.items.map((d) => visibleTo(d, viewer)) };
    },
    /** Adds a why to the latest diff of an entity (e.g. "why is this task blocked" later on). */
    async annotateLatest(ctx: Ctx, ref: EntityRef, input: { why: string; sentiment?: Sentiment }) {
      const latest = await ctx.tx.selectFrom('diffs').select('id').where('entity_type', '=', ref.entityType).where('entity_id', '=', ref.entityId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (!latest) throw errors.notFound('Entity');
      return annotate(ctx, diffPublicId(latest.id), input);
    },
    async annotationCount(tx: Tx): Promise<number> {
      const row = await tx.selectFrom('annotations').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
      return row.n;
    },

    /** The newest diff of an entity (its id and after), or null: staleness checks of held proposals. */
    async latestOf(tx: Tx, ref: EntityRef): Promise<{ id: number; after: Json | null } | null> {
      const row = await tx.selectFrom('diffs').select(['id', 'value_after']).where('entity_type', '=', ref.entityType).where('entity_id', '=', ref.entityId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row ? { id: Number(row.id), after: row.value_after } : null;
    },
    /** An entity's state as of `at`, inside the caller's transaction. */
    stateIn: (tx: Tx, ref: EntityRef, at: Date) => stateAt(tx, ref, at),
    /** Entities of a type whose latest diff is older than `olderThan` (scheduled rules). */
    async quietEntities(tx: Tx, q: { entityType: string; namespace?: string; olderThan: Date; limit: number }) {
      let inner = tx.selectFrom('diffs').select(['entity_id', 'id', 'created_at']).distinctOn('entity_id').where('entity_type', '=', q.entityType);
      if (q.namespace) inner = inner.where('namespace', '=', q.namespace);
      const rows = await tx.selectFrom(inner.orderBy('entity_id').orderBy('id', 'desc').as('latest')).selectAll()
        .where('created_at', '<', q.olderThan).orderBy('created_at').limit(q.limit).execute();
      return rows.map((r) => ({ entityId: r.entity_id, lastDiffId: r.id, lastAt: r.created_at }));
    },
    /** Replays an entity; asks for snapshots when the fold was long, so the next replay is short. */
    async stateAt(tenantId: string, ref: EntityRef, at: Date): Promise<ReplayedState> {
      return db.tenantTx(tenantId, async (tx) => {
        const replayed = await stateAt(tx, ref, at);
        // Without the job engine (ATRIUM_JOBS=false) there is no queue to ask: replay stays correct, only longer.
        if (config.jobs && replayed.folded > config.snapshotEvery) {
          await jobs.enqueue(tx, SNAPSHOT_QUEUE, { tenantId, ...ref }, { singletonKey: `${tenantId}:${ref.entityType}:${ref.entityId}` });
        }
        return replayed;
      });
    },
    /** Builds snapshots for one entity now (the job's body; also used by the bench). */
    snapshotNow: (tenantId: string, ref: EntityRef) =>
      // system: only the platform role may write snapshots (atrium_app can read them, never forge one).
      db.systemTx((tx) => snapshotEntity(tx, tenantId, ref, config.snapshotEvery, config.snapshotLagSeconds)),

    /**
     * A durable subscription: `handler` gets every committed diff matching `filter` once, in
     * commit order, in the transaction that moves the subscriber's cursor (see subscriptions.ts).
     * The subscriber starts it (`start()`, on workers) and stops it; `drain()` delivers the backlog now.
     */
    subscribe(name: string, handler: SubscriptionHandler, opts: Partial<SubscriptionOptions> = {}): Subscription {
      if (subscriptions.has(name)) throw new Error(`ledger subscription ${name} exists`);
      const logger = opts.log ?? log;
      if (!logger) throw new Error(`ledger subscription ${name}: no logger`);
      const sub = createSubscription(db, hub, name, handler, { ...opts, log: logger });
      subscriptions.set(name, sub);
      return sub;
    },
    /** Every subscriber's backlog, in diff ids (the `atrium_ledger_subscription_backlog` metric). */
    async subscriptionBacklogs(): Promise<Record<string, number>> {
      return Object.fromEntries(await Promise.all([...subscriptions].map(async ([name, sub]) => [name, await sub.backlog()] as const)));
    },
    /** Diffs by id with their first why, a window of diffs, existence, a run's first effect, counts, the why of each entity's latest change to a value. */
    diffsWithWhys, diffsBetween, anyDiff, firstDiffCausedBy, diffCounts, whysOfLatest,

    async start(): Promise<void> {
      await hub.listen(DIFF_CHANNEL);
    },
    /** The realtime feed (GET /v1/stream); its idle() and written tell a test that nothing more is on the way. */
    feed,
    registerRoutes(registry: RouteRegistry): void {
      registerLedgerRoutes(registry, { db, recorder, feed, stateAt: ledger.stateAt, commands, visibleTo });
    },
  };
  return ledger;
}

export type Ledger = ReturnType<typeof createLedger>;

export const LEDGER_ERRORS = {
  RESERVED_NAMESPACE: 'The namespace belongs to an Atrium module and cannot be written by API clients.',
} as const;

export const ledgerModule = defineModule({
  id: 'ledger', namespace: 'ledger', deps: [], tables: ['diffs', 'annotations', 'ledger_subscriptions', 'entity_snapshots'], errors: LEDGER_ERRORS, events: {}, config: LEDGER_CONFIG,
  create: (p) => createLedger({ db: p.db, jobs: p.jobs, hub: p.hub, config: p.config, events: p.events, commands: p.commands, log: p.log }),
});
