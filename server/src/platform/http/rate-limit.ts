// Fixed-window rate limiting. On server Postgres the counters live in an UNLOGGED table
// shared by every serve process; embedded mode counts in process. Headers follow the
// common X-RateLimit-* convention. Windows are computed from the injected clock, so tests
// move to the next window instead of waiting for it.
import type { FastifyReply } from 'fastify';
import { systemClock, type Clock } from '../clock.js';
import type { Db } from '../db/index.js';
import { AppError } from '../errors.js';

export const WINDOW_MS = 60_000;

export interface CounterStore {
  /** Counts one request; returns its number in the window (allowed while ≤ limit). */
  hit(key: string, windowStart: number, limit: number): Promise<number>;
}

export class MemoryCounterStore implements CounterStore {
  readonly #counts = new Map<string, number>();
  #window = 0;

  async hit(key: string, windowStart: number): Promise<number> {
    if (windowStart !== this.#window) {
      this.#counts.clear();
      this.#window = windowStart;
    }
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    return n;
  }
}

/**
 * Each process claims request units from the shared counter: one at a time for small
 * limits (exact), in chunks of limit/50 for large ones (one upsert per chunk instead of
 * per request). A unit is granted only if its number is within the limit, so all
 * processes together never exceed it; a process may leave a few claimed units unused.
 */
export class PostgresCounterStore implements CounterStore {
  #leases = new Map<string, { left: number; last: number }>();
  #window = 0;
  #claims = 0;
  constructor(private readonly db: Db) {}

  async hit(key: string, windowStart: number, limit: number): Promise<number> {
    if (windowStart !== this.#window) {
      this.#leases.clear();
      this.#window = windowStart;
    }
    const lease = this.#leases.get(key);
    if (lease && lease.left > 0) {
      lease.left -= 1;
      return lease.last - lease.left;
    }
    const chunk = limit >= 1000 ? Math.ceil(limit / 50) : 1;
    const { rows } = await this.db.ownerExecutor.executeSql(
      `insert into rate_limit_windows (key, window_start, hits) values ($1, to_timestamp($2::double precision / 1000), $3)
       on conflict (key, window_start) do update set hits = rate_limit_windows.hits + $3
       returning hits`,
      [key, windowStart, chunk],
    );
    if (++this.#claims % 5000 === 0) {
      void this.db.ownerExecutor.executeSql(`delete from rate_limit_windows where window_start < to_timestamp($1::double precision / 1000)`, [windowStart - 10 * WINDOW_MS]).catch(() => {});
    }
    const first = (rows[0] as { hits: number }).hits - chunk + 1;
    const usable = Math.max(0, Math.min(chunk, limit - first + 1));
    this.#leases.set(key, { left: Math.max(0, usable - 1), last: first + Math.max(0, usable - 1) });
    return first;
  }
}

export function counterStoreFor(db: Db): CounterStore {
  return db.kind === 'postgres' ? new PostgresCounterStore(db) : new MemoryCounterStore();
}

/** The start (epoch ms) of the fixed window holding `at`. */
export const windowStartOf = (at: number): number => at - (at % WINDOW_MS);

/** One counter a request is counted against, and its limit per window. */
export type Bucket = { key: string; limit: number };

export class RateLimiter {
  constructor(private readonly store: CounterStore, private readonly clock: Clock = systemClock) {}

  /** Counts one request against `key`; sets the headers; throws 429 beyond `limit`. */
  async take(key: string, limit: number, reply: FastifyReply): Promise<void> {
    await this.takeAll([{ key, limit }], reply);
  }

  /**
   * Counts one request against each bucket in order (a person's, then their workspace's). The
   * first refusal stops there, so a person over their own limit does not use up the
   * workspace's. The headers describe the bucket closest to its limit.
   */
  async takeAll(buckets: readonly Bucket[], reply: FastifyReply): Promise<void> {
    const now = this.clock().getTime();
    const windowStart = windowStartOf(now);
    const resetSeconds = Math.ceil((windowStart + WINDOW_MS - now) / 1000);
    let tightest: { limit: number; remaining: number } | null = null;
    for (const { key, limit } of buckets) {
      const hits = await this.store.hit(key, windowStart, limit);
      if (hits > limit) {
        throw new AppError('RATE_LIMITED', 429, `Rate limit of ${limit} requests per minute reached; retry in ${resetSeconds} s.`, [], {
          'retry-after': String(resetSeconds),
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(resetSeconds),
        });
      }
      const remaining = limit - hits;
      if (!tightest || remaining < tightest.remaining) tightest = { limit, remaining };
    }
    if (!tightest) return;
    reply.header('x-ratelimit-limit', String(tightest.limit));
    reply.header('x-ratelimit-remaining', String(tightest.remaining));
    reply.header('x-ratelimit-reset', String(resetSeconds));
  }
}
