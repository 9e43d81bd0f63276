// Realtime: each committed diff reaches the tenant's SSE clients. A notice names a
// tenant and an id range; the feed loads that range once per notice (shared by all of
// the tenant's clients) and each client skips what it already sent. When notices may have
// been lost (the LISTEN connection dropped and came back), every stream catches up from the
// newest id it delivered.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../platform/db/index.js';
import { endAtClose, hijackedHeaders } from '../../platform/http/server.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import { diffPublicId, everythingVisible, parseDiffId, type DiffView, type Visibility } from './model.js';
import { filteredDiffs, withAnnotations } from './queries.js';
import { DIFF_CHANNEL, type DiffNotice } from './record.js';

const BACKLOG_LIMIT = 1000;
const HEARTBEAT_MS = 15_000;
const SENT_MEMORY = 2000;

export class DiffFeed {
  readonly #inflight = new Map<string, Promise<DiffView[]>>();
  #busy = 0; // deliveries (a notice's load, a catch-up) queued or running, over all streams
  #idleWaiters: (() => void)[] = [];
  #written = 0;

  constructor(
    private readonly db: Db,
    private readonly hub: RealtimeHub,
    private readonly visibleTo: Visibility = everythingVisible,
  ) {}

  /** Diffs with min ≤ id ≤ max of one tenant; concurrent callers for the same notice share one query. */
  range(tenantId: string, min: number, max: number): Promise<DiffView[]> {
    const key = `${tenantId}:${min}:${max}`;
    let p = this.#inflight.get(key);
    if (!p) {
      p = this.db.tenantTx(tenantId, async (tx) =>
        withAnnotations(tx, await filteredDiffs(tx, {}).where('id', '>=', min).where('id', '<=', max).orderBy('id').execute()),
      );
      this.#inflight.set(key, p);
      // Not `p.finally(…)`: its own promise would reject with p's error (the database down) and nobody awaits it.
      const forget = () => void setTimeout(() => this.#inflight.delete(key), 1000);
      p.then(forget, forget);
    }
    return p;
  }

  /** Events written to any stream so far (lets a test tell that nothing more was sent). */
  get written(): number {
    return this.#written;
  }

  /** Resolves once no stream has a delivery queued or running (an opening catch-up, a notice's load). */
  idle(): Promise<void> {
    return this.#busy === 0 ? Promise.resolve() : new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The tenant's newest diff id (0 without any): where a stream opened without Last-Event-ID stands. */
  latestId(tenantId: string): Promise<number> {
    return this.db.tenantTx(tenantId, async (tx) => Number((await tx.selectFrom('diffs').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst())?.max ?? 0));
  }

  backlog(tenantId: string, afterId: number): Promise<DiffView[]> {
    return this.db.tenantTx(tenantId, async (tx) =>
      withAnnotations(tx, await filteredDiffs(tx, {}).where('id', '>', afterId).orderBy('id').limit(BACKLOG_LIMIT).execute()),
    );
  }

  /** Serves GET /v1/stream until the client goes away. */
  async serve(req: FastifyRequest, reply: FastifyReply, tenantId: string, viewer: string | null = null): Promise<void> {
    const header = req.headers['last-event-id'];
    const query = (req.query as Record<string, unknown>)['last_event_id'];
    const lastEventId = parseDiffId(String(header ?? query ?? '')) ?? null;
    // Where a stream opened without Last-Event-ID stands, fixed before the client sees it open,
    // so a resync later catches up from here (null if it could not be read: no catch-up then).
    const opened = lastEventId ?? (await this.latestId(tenantId).catch(() => null));

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, hijackedHeaders(req, reply, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    }));
    res.write('retry: 3000\n\n');
    endAtClose(res); // a stopping server ends the stream cleanly; an EventSource reconnects with its Last-Event-ID

    const sent = new Set<number>();
    /** The newest id this stream has delivered (or was told the client has). */
    let cursor = opened;
    const remember = (id: number) => {
      cursor = Math.max(cursor ?? 0, id);
      sent.add(id);
      if (sent.size > SENT_MEMORY) sent.delete(sent.values().next().value as number);
    };
    const send = (diffs: DiffView[]) => {
      for (const d of diffs) {
        const id = parseDiffId(d.id)!;
        if (sent.has(id) || (lastEventId !== null && id <= lastEventId)) continue;
        remember(id);
        this.#written += 1;
        // Each client sees the diff as its person may (another's notification arrives without its title and body).
        res.write(`id: ${diffPublicId(id)}\nevent: diff\ndata: ${JSON.stringify(this.visibleTo(d, viewer))}\n\n`);
      }
    };

    // Deliveries run one after another so the client sees diffs in commit-notice order.
    let chain: Promise<void> = Promise.resolve();
    const enqueue = (work: () => Promise<DiffView[]>) => {
      this.#busy += 1;
      chain = chain.then(async () => {
        try {
          if (!res.destroyed) send(await work());
        } catch (err) {
          req.log.warn({ err }, 'stream delivery failed');
        } finally {
          if (--this.#busy === 0) this.#idleWaiters.splice(0).forEach((resolve) => resolve());
        }
      });
    };

    // Subscribe before reading the backlog so nothing committed in between is missed.
    const unsubscribe = this.hub.subscribe(DIFF_CHANNEL, tenantId, (n) => {
      const notice = n as unknown as DiffNotice;
      enqueue(() => this.range(tenantId, notice.min, notice.max));
    });
    const catchUp = (from: () => Promise<number>) =>
      enqueue(async () => {
        for (let after = await from(); ; ) {
          const page = await this.backlog(tenantId, after);
          send(page);
          if (page.length < BACKLOG_LIMIT || res.destroyed) return [];
          after = parseDiffId(page.at(-1)!.id)!;
        }
      });
    // From the client's Last-Event-ID, or from where the stream opened: a notice handled
    // between reading that position and subscribing would otherwise be missed.
    if (opened !== null) catchUp(async () => opened);
    // Notices lost while the database connection was down: catch up from where this stream is.
    // (Position unknown, the database was down at open: nothing to catch up from.)
    const offResync = this.hub.onResync(DIFF_CHANNEL, () => catchUp(async () => cursor ?? Number.MAX_SAFE_INTEGER));

    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearInterval(heartbeat);
        unsubscribe();
        offResync();
        resolve();
      };
      req.raw.on('close', done);
      res.on('close', done);
    });
  }
}
