// The fixed-window limiter on an injected clock: windows, headers and the 429 follow the clock
// (no waiting for a real minute), for the in-process counters and for the shared Postgres
// table (two stores = two serve processes, on whichever database the leg runs).
import type { FastifyReply } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { AppError } from '../errors.js';
import { freshDatabase, serverDatabaseUrl } from '../../testing/harness.js';
import { MemoryCounterStore, PostgresCounterStore, RateLimiter, WINDOW_MS, windowStartOf, type CounterStore } from './rate-limit.js';

const START = Date.UTC(2030, 0, 1, 12, 0, 0); // a window boundary

function manualClock(at = START) {
  let t = at;
  return { clock: () => new Date(t), set: (ms: number) => void (t = ms), advance: (ms: number) => void (t += ms) };
}

function reply() {
  const headers: Record<string, string> = {};
  const r = { header: (name: string, value: string) => ((headers[name] = value), r) };
  return { reply: r as unknown as FastifyReply, headers };
}

async function take(limiter: RateLimiter, key: string, limit: number): Promise<{ status: number; headers: Record<string, string>; error?: AppError }> {
  const r = reply();
  try {
    await limiter.take(key, limit, r.reply);
    return { status: 200, headers: r.headers };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { status: err.status, headers: { ...r.headers, ...err.headers }, error: err };
  }
}

describe('windowStartOf', () => {
  it('is the minute holding the instant', () => {
    expect(windowStartOf(START)).toBe(START);
    expect(windowStartOf(START + WINDOW_MS - 1)).toBe(START);
    expect(windowStartOf(START + WINDOW_MS)).toBe(START + WINDOW_MS);
  });
});

describe('RateLimiter on an injected clock (in-process counters)', () => {
  it('counts down within the window, refuses beyond the limit with Retry-After, and opens again in the next window', async () => {
    const c = manualClock(START + 15_000);
    const limiter = new RateLimiter(new MemoryCounterStore(), c.clock);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await take(limiter, 'tenant:a', 3);
      expect(r.status).toBe(200);
      expect(r.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-reset': '45' });
      remaining.push(r.headers['x-ratelimit-remaining']!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    c.advance(44_500); // 0.5 s before the window ends
    const refused = await take(limiter, 'tenant:a', 3);
    expect(refused.status).toBe(429);
    expect(refused.error!.code).toBe('RATE_LIMITED');
    expect(refused.headers).toMatchObject({ 'retry-after': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' });
    // Another key has its own count.
    expect((await take(limiter, 'tenant:b', 3)).headers['x-ratelimit-remaining']).toBe('2');
    c.advance(500); // the next window, exactly at its start
    const again = await take(limiter, 'tenant:a', 3);
    expect(again.status).toBe(200);
    expect(again.headers).toMatchObject({ 'x-ratelimit-remaining': '2', 'x-ratelimit-reset': '60' });
  });

  it('passes the window start computed from the clock to the store', async () => {
    const seen: number[] = [];
    const store: CounterStore = { hit: async (_key, windowStart) => (seen.push(windowStart), 1) };
    const c = manualClock(START + 59_999);
    const limiter = new RateLimiter(store, c.clock);
    await take(limiter, 'k', 10);
    c.advance(1);
    await take(limiter, 'k', 10);
    expect(seen).toEqual([START, START + WINDOW_MS]);
  });
});

describe('RateLimiter on an injected clock (shared Postgres counters)', () => {
  let db: Db;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const server = serverDatabaseUrl();
    const fresh = server ? await freshDatabase(server) : null;
    drop = fresh?.drop;
    db = await openDb({ databaseUrl: fresh?.url ?? 'memory://', dataDir: '', poolMax: 4 });
    await migrate(db);
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('two processes share one count per window; the next window on the clock starts from zero', async () => {
    const c = manualClock(START + 1_000);
    const processes = [new RateLimiter(new PostgresCounterStore(db), c.clock), new RateLimiter(new PostgresCounterStore(db), c.clock)];
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await take(processes[i % 2]!, 'tenant:shared', 5);
      expect(r.status, `request ${i + 1}`).toBe(200);
      remaining.push(r.headers['x-ratelimit-remaining']!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    expect((await take(processes[0]!, 'tenant:shared', 5)).status).toBe(429);
    expect((await take(processes[1]!, 'tenant:shared', 5)).status).toBe(429);
    c.advance(WINDOW_MS);
    const next = await take(processes[1]!, 'tenant:shared', 5);
    expect(next.status).toBe(200);
    expect(next.headers['x-ratelimit-remaining']).toBe('4');
  });
});
