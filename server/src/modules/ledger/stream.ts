// Realtime: each committed diff reaches the tenant's SSE clients. A notice names a
// tenant and an id range; the feed loads that range once per notice (shared by all of
// the tenant's clients) and each client skips what it already sent.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../platform/db/index.js';
import { hijackedHeaders } from '../../platform/http/server.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import { diffPublicId, parseDiffId, type DiffView } from './model.js';
import { filteredDiffs, withAnnotations } from './queries.js';
import { DIFF_CHANNEL, type DiffNotice } from './record.js';

const BACKLOG_LIMIT = 1000;
const HEARTBEAT_MS = 15_000;
const SENT_MEMORY = 2000;

export class DiffFeed {
  readonly #inflight = new Map<string, Promise<DiffView[]>>();

  constructor(
    private readonly db: Db,
    private readonly hub: RealtimeHub,
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
      void p.finally(() => setTimeout(() => this.#inflight.delete(key), 1000));
    }
    return p;
  }

  backlog(tenantId: string, afterId: number): Promise<DiffView[]> {
    return this.db.tenantTx(tenantId, async (tx) =>
      withAnnotations(tx, await filteredDiffs(tx, {}).where('id', '>', afterId).orderBy('id').limit(BACKLOG_LIMIT).execute()),
    );
  }

  /** Serves GET /v1/stream until the client goes away. */
  async serve(req: FastifyRequest, reply: FastifyReply, tenantId: string): Promise<void> {
    const header = req.headers['last-event-id'];
    const query = (req.query as Record<string, unknown>)['last_event_id'];
    const lastEventId = parseDiffId(String(header ?? query ?? '')) ?? null;

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, hijackedHeaders(req, reply, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    }));
    res.write('retry: 3000\n\n');

    const sent = new Set<number>();
    const remember = (id: number) => {
      sent.add(id);
      if (sent.size > SENT_MEMORY) sent.delete(sent.values().next().value as number);
    };
    const send = (diffs: DiffView[]) => {
      for (const d of diffs) {
        const id = parseDiffId(d.id)!;
        if (sent.has(id) || (lastEventId !== null && id <= lastEventId)) continue;
        remember(id);
        res.write(`id: ${diffPublicId(id)}\nevent: diff\ndata: ${JSON.stringify(d)}\n\n`);
      }
    };

    // Deliveries run one after another so the client sees diffs in commit-notice order.
    let chain: Promise<void> = Promise.resolve();
    const enqueue = (work: () => Promise<DiffView[]>) => {
      chain = chain.then(async () => {
        if (res.destroyed) return;
        try {
          send(await work());
        } catch (err) {
          req.log.warn({ err }, 'stream delivery failed');
        }
      });
    };

    // Subscribe before reading the backlog so nothing committed in between is missed.
    const unsubscribe = this.hub.subscribe(DIFF_CHANNEL, tenantId, (n) => {
      const notice = n as unknown as DiffNotice;
      enqueue(() => this.range(tenantId, notice.min, notice.max));
    });
    if (lastEventId !== null) {
      enqueue(async () => {
        for (let after = lastEventId; ; ) {
          const page = await this.backlog(tenantId, after);
          send(page);
          if (page.length < BACKLOG_LIMIT || res.destroyed) return [];
          after = parseDiffId(page.at(-1)!.id)!;
        }
      });
    }

    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearInterval(heartbeat);
        unsubscribe();
        resolve();
      };
      req.raw.on('close', done);
      res.on('close', done);
    });
  }
}
