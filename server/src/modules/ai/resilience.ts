// How the gateway survives providers: failures classified (what to retry, what to skip),
// exponential backoff with full jitter that honours Retry-After, and a circuit breaker per
// provider endpoint (platform/breaker.ts) — 5 consecutive failures open it, after 60 s one probe
// is let through (half-open): success closes it, failure opens it for another 60 s. Breaker state
// lives in memory; openings and closings are shared with the other processes (breaker-sync.ts).
import { APICallError, InvalidResponseDataError, JSONParseError, TypeValidationError } from '@ai-sdk/provider';
import { Breaker, type BreakerState as PlatformBreakerState } from '../../platform/breaker.js';
import { AppError } from '../../platform/errors.js';
import { OutputValidationError } from './model-call.js';
import { OfflineCannotSatisfy } from './offline.js';

export const BREAKER_THRESHOLD = 5;
export const BREAKER_COOLDOWN_MS = 60_000;
/** A Retry-After longer than this is not waited for: the next provider is tried instead. */
export const MAX_RETRY_WAIT_MS = 10_000;
const MAX_BACKOFF_MS = 8_000;

export type FailureKind = 'timeout' | 'rate_limited' | 'server' | 'network' | 'invalid_output' | 'client' | 'refused' | 'circuit_open' | 'unconfigured';
export type Failure = { kind: FailureKind; status?: number; retryAfterMs?: number; message: string };

/** Failures that say the provider is unwell (they count toward the breaker). */
export const countsForBreaker = (f: Failure): boolean => ['timeout', 'rate_limited', 'server', 'network'].includes(f.kind);
/** Failures worth another attempt at the same provider. */
export const retryable = (f: Failure): boolean => ['rate_limited', 'server', 'network', 'invalid_output'].includes(f.kind);

export function retryAfterMs(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  const raw = headers?.['retry-after'] ?? headers?.['Retry-After'];
  const ms = headers?.['retry-after-ms'];
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Output the provider sent but that cannot be used: the gateway's own checks (JSON, ajv,
 * the offline provider) and the SDK's parsing of a vendor's answer — a stream chunk that is
 * not JSON or not the expected shape, or a tool call without a name. The SDK errors are
 * matched by `isInstance` (a marker, not the class): each @ai-sdk package may bundle its own copy.
 */
const malformed = (err: unknown): boolean =>
  err instanceof OutputValidationError || err instanceof OfflineCannotSatisfy ||
  JSONParseError.isInstance(err) || TypeValidationError.isInstance(err) || InvalidResponseDataError.isInstance(err);

export function classify(err: unknown, timedOut: boolean): Failure {
  if (timedOut) return { kind: 'timeout', message: 'the provider did not answer in time' };
  if (malformed(err)) return { kind: 'invalid_output', message: (err as Error).message };
  const appErr = findCause(err, (e): e is AppError => e instanceof AppError);
  if (appErr) return { kind: 'refused', message: appErr.message };
  if (APICallError.isInstance(err)) {
    // A successful status whose body is not the JSON expected ("Invalid JSON response").
    if (malformed(err.cause)) return { kind: 'invalid_output', ...(err.statusCode !== undefined ? { status: err.statusCode } : {}), message: `${err.message}: ${(err.cause as Error).message}` };
    const status = err.statusCode;
    if (status === 429) return { kind: 'rate_limited', status, retryAfterMs: retryAfterMs(err.responseHeaders), message: 'rate limited by the provider' };
    if (status !== undefined && status >= 500) return { kind: 'server', status, retryAfterMs: retryAfterMs(err.responseHeaders), message: `provider error ${status}` };
    if (status === 408) return { kind: 'timeout', status, message: 'the provider timed out' };
    if (status !== undefined) return { kind: 'client', status, message: `the provider refused the request (${status})` };
    return { kind: 'network', message: `network error: ${err.message}` };
  }
  const e = err as { name?: string; message?: string };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return { kind: 'timeout', message: 'the provider did not answer in time' };
  // fetch reports a network failure as TypeError('fetch failed'); any other TypeError is a bug, not the network.
  if (/fetch failed|network|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|socket/i.test(e?.message ?? '')) return { kind: 'network', message: `network error: ${e.message}` };
  return { kind: 'server', message: e?.message ?? String(err) };
}

function findCause<T>(err: unknown, is: (e: unknown) => e is T): T | undefined {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) if (is(e)) return e;
  return undefined;
}

/** Delay before retry number `attempt` (0-based): Retry-After when given, else full-jitter exponential. */
export function backoffMs(attempt: number, baseMs: number, failure: Failure, random: () => number = Math.random): number {
  if (failure.retryAfterMs !== undefined) return failure.retryAfterMs;
  return Math.round(random() * Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt));
}

export type BreakerState = PlatformBreakerState;
export type BreakerView = { state: BreakerState; consecutive_failures: number; opened_at: string | null; retry_at: string | null };

/** Told when a breaker opens (`openedAt`) or closes (null) by this process's own calls, at `changedAt`. */
export type BreakerTransition = (openedAt: number | null, changedAt: number) => void;

/**
 * A provider endpoint's breaker: the platform's (consecutive failures) on an epoch-ms clock,
 * with the view `GET /v1/ai/providers` shows. `adopt` takes on another process's state
 * (breaker-sync.ts).
 */
export class CircuitBreaker extends Breaker {
  constructor(now: () => number, threshold = BREAKER_THRESHOLD, cooldownMs = BREAKER_COOLDOWN_MS, onTransition: BreakerTransition = () => undefined) {
    super({
      threshold, cooldownMs, counting: 'consecutive', clock: () => new Date(now()),
      onTransition: (t) => onTransition(t.openedAt?.getTime() ?? null, t.at.getTime()),
    });
  }

  view(): BreakerView {
    const s = this.snapshot();
    return {
      state: s.state,
      consecutive_failures: s.failures,
      opened_at: s.openedAt?.toISOString() ?? null,
      retry_at: s.retryAt?.toISOString() ?? null,
    };
  }
}

export class Breakers {
  readonly #all = new Map<string, CircuitBreaker>();
  constructor(private readonly now: () => number, private readonly onTransition: (key: string, openedAt: number | null, changedAt: number) => void = () => undefined) {}
  of(key: string): CircuitBreaker {
    let b = this.#all.get(key);
    if (!b) this.#all.set(key, (b = new CircuitBreaker(this.now, BREAKER_THRESHOLD, BREAKER_COOLDOWN_MS, (at, changedAt) => this.onTransition(key, at, changedAt))));
    return b;
  }
  peek(key: string): BreakerView {
    return this.#all.get(key)?.view() ?? { state: 'closed', consecutive_failures: 0, opened_at: null, retry_at: null };
  }
}
