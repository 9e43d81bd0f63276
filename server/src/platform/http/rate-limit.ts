// Fixed-window rate limiting. On server Postgres the counters live in an UNLOGGED table
// (one upsert per request), so the limit holds across every serve process; embedded mode
// counts in process. Headers follow the common X-RateLimit-* convention.
import type { FastifyReply } from 'fastify';
import type { Db } from '../db/index.js';
import { AppError } from '../errors.js';

export const WINDOW_MS = 60_000;

export interface CounterStore {
  hit(key: string, windowStart: number): Promise<number>;
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

export class PostgresCounterStore implements CounterStore {
  #hits = 0;
  constructor(private readonly db: Db) {}

  async hit(key: string, windowStart: number): Promise<number> {
    const { rows } = await this.db.ownerExecutor.executeSql(
      `insert into rate_limit_windows (key, window_start, hits) values ($1, to_timestamp($2::double precision / 1000), 1)
       on conflict (key, window_start) do update set hits = rate_limit_windows.hits + 1
       returning hits`,
      [key, windowStart],
    );
    if (++this.#hits % 5000 === 0) {
      void this.db.ownerExecutor.executeSql(`delete from rate_limit_windows where window_start < now() - interval '10 minutes'`).catch(() => {});
    }
    return (rows[0] as { hits: number }).hits;
  }
}

export function counterStoreFor(db: Db): CounterStore {
  return db.kind === 'postgres' ? new PostgresCounterStore(db) : new MemoryCounterStore();
}

export class RateLimiter {
  constructor(private readonly store: CounterStore) {}

  /** Counts one request against `key`; sets the headers; throws 429 beyond `limit`. */
  async take(key: string, limit: number, reply: FastifyReply): Promise<void> {
    const now = Date.now();
    const windowStart = now - (now % WINDOW_MS);
    const hits = await this.store.hit(key, windowStart);
    const resetSeconds = Math.ceil((windowStart + WINDOW_MS - now) / 1000);
    reply.header('x-ratelimit-limit', String(limit));
    reply.header('x-ratelimit-remaining', String(Math.max(0, limit - hits)));
    reply.header('x-ratelimit-reset', String(resetSeconds));
    if (hits > limit) {
      throw new AppError('RATE_LIMITED', 429, `Rate limit of ${limit} requests per minute reached; retry in ${resetSeconds} s.`, [], {
        'retry-after': String(resetSeconds),
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(resetSeconds),
      });
    }
  }
}
