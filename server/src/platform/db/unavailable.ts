// "The database is away" (restart, failover, network cut) as opposed to "this statement is
// wrong": connection-level failures are transient, answered `503 DATABASE_UNAVAILABLE` with a
// Retry-After, and retried by background work instead of being given up or crashing a process.
import { AppError } from '../errors.js';

/** Seconds a client is told to wait (Retry-After) while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** Socket-level error codes of node:net / pg when the server cannot be reached or went away. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATEs: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up, recovery). */
const SHUTDOWN_STATES = new Set(['57P01', '57P02', '57P03']);
/** Messages of pg / pg-pool for a connection that was lost or never made. */
const LOST_CONNECTION = /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly|terminating connection due to|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * Whether `err` says the database (or the connection to it) is unavailable: a socket error,
 * SQLSTATE class 08 (connection exception), 57P01/57P02/57P03, or pg's "Connection terminated"
 * family. Looks through `cause` and AggregateError (node tries each resolved address).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  if (err instanceof AppError) return err.code === 'DATABASE_UNAVAILABLE';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || SHUTDOWN_STATES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string' && LOST_CONNECTION.test(message)) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable((err as { cause?: unknown }).cause, depth + 1);
}

/** The HTTP answer while the database is unavailable (the error handler adds `retry-after`). */
export const DATABASE_UNAVAILABLE = {
  status: 503,
  code: 'DATABASE_UNAVAILABLE',
  message: 'The database is unavailable right now; retry shortly.',
  retryAfter: String(DATABASE_RETRY_AFTER_SECONDS),
} as const;

export function databaseUnavailableError(): AppError {
  const { code, status, message, retryAfter } = DATABASE_UNAVAILABLE;
  return new AppError(code, status, message, [], { 'retry-after': retryAfter });
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/**
 * Runs `fn`; while it fails because the database is unavailable, runs it again with backoff and
 * jitter (100 ms doubling to 2 s), until `deadline` (epoch ms). Other errors, and the last
 * unavailability after the deadline, are thrown. `fn` must be safe to run again (a job handler:
 * the job engine would retry it anyway, only later and counting it against the retry limit).
 */
export async function retryWhileUnavailable<T>(
  fn: () => Promise<T>,
  opts: { deadline: number; onRetry?: (err: unknown, attempt: number) => void; sleep?: (ms: number) => Promise<void> },
): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      const wait = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      if (Date.now() + wait >= opts.deadline) throw err;
      opts.onRetry?.(err, attempt);
      await sleep(wait);
    }
  }
}
